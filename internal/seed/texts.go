package seed

import (
	"fmt"
	"math/rand/v2"
)

// What a county's help desk hears about, by service (helpdesk.Routes
// sends "esa" and "arkiv" to arkiv, "fagsystem", "lisens" and
// "programvare" to tjeneste, the rest to the first line). Titles repeat
// across thousands of cases (common words for search); every description
// carries an asset tag or an error code that only a handful share (rare
// words).
type topic struct {
	service  string
	weight   int
	titles   []string
	problems []string
}

var incidentTopics = []topic{
	{"", 30, []string{"PC-en starter ikke", "Treg datamaskin", "Skjermen er svart", "Tastaturet virker ikke", "Får ikke logget inn på PC-en", "Blåskjerm etter oppdatering", "Lyden virker ikke i Teams"},
		[]string{"Maskinen står og laster etter innlogging", "Det kommer en feilmelding når jeg starter", "Den slår seg av etter noen minutter", "Ingenting skjer når jeg trykker på av/på-knappen"}},
	{"skriver", 12, []string{"Skriveren skriver ikke ut", "Papirstopp i skriveren", "Får ikke skannet til e-post", "Skriveren i 2. etasje er frakoblet"},
		[]string{"Utskriftene blir liggende i køen", "Skriveren viser en feilkode i displayet", "Skanningen kommer aldri fram"}},
	{"e-post", 14, []string{"Outlook henger", "Får ikke sendt e-post", "Felles postkasse mangler", "Kalenderen synkroniserer ikke på mobilen"},
		[]string{"Meldingene blir liggende i utboksen", "Outlook ber om passord hele tiden", "Postkassen er full"}},
	{"nettverk", 10, []string{"Trådløst nett på skolen er nede", "VPN kobler fra", "Ingen nettverkstilgang på kontoret", "Treg nettforbindelse"},
		[]string{"Nettet faller ut flere ganger i timen", "VPN-klienten sier at sertifikatet er ugyldig", "Elevene får ikke koblet til"}},
	{"passord", 10, []string{"Passordet er utløpt", "Kontoen er låst", "Får ikke koden til tofaktor"},
		[]string{"Jeg har prøvd feil passord for mange ganger", "Ny telefon, og autentiseringsappen er borte"}},
	{"esa", 9, []string{"ESA gir feilmelding ved arkivering", "Får ikke journalført i ESA", "Dokumentet er låst i ESA", "Mangler tilgang til saksmappe i ESA"},
		[]string{"Journalposten kan ikke lagres", "Det står at dokumentet er sjekket ut av en annen", "ESA svarer ikke når jeg søker"}},
	{"fagsystem", 8, []string{"Elevsystemet svarer ikke", "Visma viser feil lønnsart", "Fakturaen stopper i flyten", "Rapporten i økonomisystemet er tom"},
		[]string{"Systemet henger når jeg lagrer", "Tallene stemmer ikke med forrige måned", "Det kommer en tidsavbruddsfeil"}},
	{"programvare", 7, []string{"Teams krasjer", "Excel fryser ved åpning", "Adobe Acrobat åpner ikke PDF-er", "Oppdatering av Office feiler"},
		[]string{"Programmet lukker seg uten feilmelding", "Installasjonen stopper på 80 prosent"}},
}

var guidanceTopics = []topic{
	{"", 30, []string{"Hvordan deler jeg en kalender?", "Hvordan kobler jeg til skjerm i møterommet?", "Hjelp til å sette opp tofaktor", "Hvordan finner jeg fellesområdet?"},
		[]string{"Jeg er ny og trenger litt hjelp", "Jeg finner ikke innstillingen"}},
	{"e-post", 15, []string{"Hvordan setter jeg opp fraværsmelding?", "Hvordan legger jeg til en delt postkasse?", "Hvordan lager jeg en e-postsignatur?"},
		[]string{"Jeg skal på ferie neste uke", "Jeg har fått tilgang, men ser den ikke"}},
	{"esa", 10, []string{"Hvordan avskriver jeg en journalpost i ESA?", "Hvordan skjermer jeg et dokument i ESA?"},
		[]string{"Jeg er usikker på hvilken kode jeg skal bruke", "Saksbehandleren har sluttet"}},
	{"programvare", 10, []string{"Hvordan installerer jeg programmer fra Firmaportalen?", "Hvordan tar jeg opp et Teams-møte?"},
		[]string{"Jeg trenger programmet til et kurs", "Møtet skal deles med elevene"}},
	{"lisens", 6, []string{"Trenger lisens til Adobe Acrobat", "Hvordan får jeg Visio-lisens?"},
		[]string{"Jeg skal redigere PDF-er i arbeidet", "Tegningene skal lages i Visio"}},
}

var places = []string{"kontoret", "hjemmekontoret", "møterom Fjorden", "lærerværelset", "klasserom 204", "resepsjonen", "fylkeshuset", "trafikkstasjonen"}

var replies = []string{"Jeg har prøvd å starte på nytt, det hjalp ikke.", "Det skjer bare av og til.", "Kollegaen min har samme problem.",
	"Det virker nå, takk!", "Jeg sender skjermbilde i morgen.", "Det haster litt, jeg har kurs i morgen."}

var caseworkerNotes = []string{"Har sett på saken, tester en løsning.", "Sjekket loggene, ser feilen.", "Kan du prøve å logge ut og inn igjen?",
	"Jeg kommer innom etter lunsj.", "Bestilt ny del fra leverandøren.", "Videresendt til leverandøren, venter på svar."}

var internalNotes = []string{"Kjent feil etter siste oppdatering.", "Samme som forrige uke på samme skole.", "Sjekk lisenspoolen.",
	"Eskaler hvis det skjer igjen."}

var questions = []string{"Hvilken feilmelding får du?", "Hvilket inventarnummer har maskinen?", "Når skjedde det første gang?",
	"Kan du sende et skjermbilde?"}

var resolutions = []string{"Startet tjenesten på nytt, det virker nå.", "Installerte driveren på nytt.", "Tilbakestilte passordet.",
	"Byttet ut defekt kabel.", "Ga tilgang til mappen.", "Forklarte framgangsmåten; brukeren fikk det til.", "Oppdaterte programmet til siste versjon.",
	"Leverandøren har rettet feilen."}

var reopenReasons = []string{"Det samme skjer igjen.", "Det virket bare en dag.", "Feilen er ikke borte."}

var cancelReasons = []string{"Fant ut av det selv.", "Meldte det to ganger.", "Det løste seg av seg selv."}

var nonStandard = []struct {
	what     string
	min, max int64
}{
	{"Ergonomisk tastatur", 1200, 2500}, {"Skjerm 27 tommer", 3500, 6000}, {"Hev-senk-pult", 6000, 12000},
	{"Grafikkprogram (årslisens)", 2500, 9000}, {"Nettbrett til feltarbeid", 5000, 11000}, {"Dokumentkamera", 2000, 4500},
}

var orderTitles = []string{"Ny PC", "Skjerm og dokkingstasjon", "Hodesett til Teams", "Mobiltelefon", "Utstyr til ny medarbeider", "Ekstra skjerm"}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func pickTopic(r *rand.Rand, ts []topic) topic {
	total := 0
	for _, t := range ts {
		total += t.weight
	}
	n := r.IntN(total)
	for _, t := range ts {
		if n < t.weight {
			return t
		}
		n -= t.weight
	}
	return ts[len(ts)-1]
}

// rareTag is a word only a few cases share: an asset tag or an error code.
func rareTag(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return fmt.Sprintf("PC-%06d", r.IntN(1_000_000))
	}
	return fmt.Sprintf("0x%08X", r.Uint32())
}

func describe(r *rand.Rand, t topic, name string) string {
	return fmt.Sprintf("Hei!\n\n%s. Det gjelder %s, inventar/feilkode %s.\n\nHilsen %s", pick(r, t.problems), pick(r, places), rareTag(r), name)
}
