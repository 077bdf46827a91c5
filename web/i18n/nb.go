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
	"live.changed":                     "%[1]s er endret av %[2]s: %[3]s.",
	"live.announcement":                "Driftsmeldingen «%[1]s» er endret av %[2]s: %[3]s.",
	"live.event.CaseOpened":            "ny sak",
	"live.event.CaseClaimed":           "tatt av en saksbehandler",
	"live.event.CaseAssigned":          "tildelt",
	"live.event.CommentAdded":          "ny kommentar",
	"live.event.InfoRequested":         "spørsmål til innmelder",
	"live.event.UserReplied":           "svar fra innmelder",
	"live.event.CaseResolved":          "løst",
	"live.event.CaseClosed":            "avsluttet",
	"live.event.CaseReopened":          "åpnet igjen",
	"live.event.CaseCancelled":         "trukket tilbake",
	"live.event.CaseRejected":          "avslått",
	"live.event.TaskOpened":            "ny oppgave",
	"live.event.TaskCompleted":         "oppgave fullført",
	"live.event.SLAWarned":             "nærmer seg fristen",
	"live.event.SLABreached":           "fristen er passert",
	"live.event.TaskEscalated":         "en godkjenning er sendt videre",
	"live.event.LinkedToAnnouncement":  "knyttet til en driftsmelding",
	"live.event.AnnouncementPublished": "publisert",
	"live.event.OutageResolved":        "feilen er rettet",
	"live.resync":                      "Siden kan være utdatert. Last den inn på nytt for å se de siste endringene.",
	"live.system":                      "systemet",
}
