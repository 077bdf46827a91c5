package i18n

// nb is the bokmål catalogue, the default. Every key is in en.go too
// (i18n_test.go checks it), with the same fmt verbs.
var nb = map[string]string{
	"product":         "Brukerhjelp",
	"product.tagline": "IKT-brukerhjelpen",

	// The layout.
	"layout.skip":          "Hopp til hovedinnholdet",
	"layout.nav":           "Hovedmeny",
	"layout.signedInAs":    "Logget inn som %s",
	"layout.logout":        "Logg ut",
	"layout.otherLang":     "English",
	"layout.accessibility": "Tilgjengelighetserklæring",
	"layout.contact":       "Kontakt brukerhjelpen:",
	"layout.errorPrefix":   "Feil: %s",

	"nav.home":          "Forside",
	"nav.cases":         "Saker",
	"nav.myCases":       "Mine saker",
	"nav.tasks":         "Oppgaver",
	"nav.announcements": "Driftsmeldinger",
	"nav.kpi":           "Nøkkeltall",
	"nav.audit":         "Revisjon",

	// Forms.
	"form.errorSummary": "Det er noe du må rette",
	"form.required":     "(må fylles ut)",

	// Roles.
	"role.employee":      "ansatt",
	"role.manager":       "leder",
	"role.budget-holder": "budsjettansvarlig",
	"role.caseworker":    "saksbehandler",
	"role.esa-owner":     "systemeier for ESA",
	"role.auditor":       "revisor",
	"role.operations":    "drift",
	"role.service-owner": "tjenesteeier",
	"list.and":           "og",

	// Sign-in and out.
	"login.title":              "Logg inn",
	"login.devIntro":           "Dette er utviklingsmodus. Velg hvem du vil logge inn som. I drift logger du inn med virksomhetens innlogging.",
	"login.devUsers":           "Demobrukere",
	"login.as":                 "Logg inn som %s",
	"login.unknown":            "Velg en av brukerne i listen",
	"login.disabled":           "Kontoen til %s er deaktivert etter en fratredelse",
	"login.signedOut":          "Du er logget ut.",
	"login.expired":            "Økten din er utløpt. Logg inn igjen for å fortsette.",
	"login.again":              "Logg inn igjen",
	"login.failed.title":       "Innloggingen mislyktes",
	"login.failed.text":        "Vi fikk ikke logget deg inn. Prøv igjen. Hvis det fortsatt ikke går, kontakt brukerhjelpen på %s.",
	"login.notInDir.title":     "Du har ikke tilgang til Brukerhjelp",
	"login.notInDir.text":      "Brukeren din finnes ikke i Brukerhjelp. Kontakt brukerhjelpen på %s.",
	"login.disabledPage.title": "Kontoen er deaktivert",
	"login.disabledPage.text":  "Kontoen til %[1]s er deaktivert etter en fratredelse. Kontakt brukerhjelpen på %[2]s hvis det er feil.",
	"login.signedOutPage":      "Logget ut",

	// The home page (a placeholder until the portal comes).
	"home.title":       "Forside",
	"home.greeting":    "Hei, %s!",
	"home.roles":       "Du er logget inn som %s.",
	"home.unit":        "Enhet: %s",
	"home.groups":      "Saksbehandlergrupper: %s",
	"home.placeholder": "Her kommer snart sakene dine, driftsmeldinger og oppgavene som venter på deg.",
	"home.deputising":  "I dag er du stedfortreder for %s.",

	// The accessibility statement.
	"a11y.title": "Tilgjengelighetserklæring",

	// Error pages.
	"error.notFound.title":    "Fant ikke siden",
	"error.notFound.text":     "Adressen kan være skrevet feil, eller siden finnes ikke (ennå).",
	"error.forbidden.title":   "Du har ikke tilgang",
	"error.forbidden.text":    "Du har ikke tilgang til denne siden.",
	"error.csrf.title":        "Skjemaet kunne ikke sendes",
	"error.csrf.text":         "Skjemaet var for gammelt eller kom ikke fra denne siden, så ingenting er endret. Gå tilbake, last siden på nytt og prøv igjen.",
	"error.method.title":      "Det går ikke an her",
	"error.method.text":       "Denne adressen tar ikke imot slike forespørsler.",
	"error.busy.title":        "Prøv igjen om litt",
	"error.busy.text":         "Brukerhjelp svarte ikke i tide, og ingenting er endret. Prøv igjen om litt.",
	"error.refused.title":     "Det gikk ikke",
	"error.refused.text":      "%s",
	"error.internal.title":    "Noe gikk galt",
	"error.internal.text":     "Det er ikke din feil. Prøv igjen om litt. Hvis det gjentar seg, kontakt brukerhjelpen og oppgi referansen %s.",
	"error.unavailable.title": "Innlogging er ikke satt opp",
	"error.unavailable.text":  "Innlogging i nettleseren er ikke satt opp på denne serveren ennå. Kontakt brukerhjelpen.",
	"error.toHome":            "Gå til forsiden",

	// Dates and times ("i dag 14:30").
	"time.today":     "i dag %s",
	"time.yesterday": "i går %s",
	"time.tomorrow":  "i morgen %s",
	"time.dateAt":    "%s kl. %s",

	// Live updates, read out by screen readers (aria-live).
	"live.case.CaseOpened":                    "Ny sak %[1]s fra %[2]s.",
	"live.case.CaseClaimed":                   "%[2]s tok %[1]s.",
	"live.case.CaseAssigned":                  "%[2]s tildelte %[1]s.",
	"live.case.CommentAdded":                  "%[2]s kommenterte %[1]s.",
	"live.case.InfoRequested":                 "%[2]s stilte et spørsmål i %[1]s.",
	"live.case.UserReplied":                   "%[2]s svarte i %[1]s.",
	"live.case.CaseResolved":                  "%[2]s løste %[1]s.",
	"live.case.CaseClosed":                    "%[1]s er avsluttet.",
	"live.case.CaseReopened":                  "%[2]s åpnet %[1]s igjen.",
	"live.case.CaseCancelled":                 "%[2]s trakk tilbake %[1]s.",
	"live.case.CaseRejected":                  "%[1]s er avslått.",
	"live.case.TaskOpened":                    "Ny oppgave i %[1]s.",
	"live.case.TaskCompleted":                 "%[2]s fullførte en oppgave i %[1]s.",
	"live.case.TaskEscalated":                 "En godkjenning i %[1]s er sendt videre.",
	"live.case.SLAWarned":                     "%[1]s nærmer seg fristen.",
	"live.case.SLABreached":                   "%[1]s har passert fristen.",
	"live.case.LinkedToAnnouncement":          "%[1]s er knyttet til en driftsmelding.",
	"live.announcement.AnnouncementPublished": "Ny driftsmelding fra %[2]s: «%[1]s».",
	"live.announcement.OutageResolved":        "Feilen er rettet: «%[1]s».",
	"live.resync":                             "Siden kan være utdatert. Last den inn på nytt for å se de siste endringene.",
	"live.system":                             "systemet",
}
