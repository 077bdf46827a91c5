package i18n

// Texts of the new-case pages shared by every kind (the chooser, each
// kind's title and lead); each kind's form has its own file.
func init() {
	add(nb, map[string]string{
		"newCase.title":            "Ny sak",
		"newCase.none":             "Du kan ikke melde nye saker.",
		"newCase.incident.title":   "Meld en feil",
		"newCase.incident.lead":    "Noe virker ikke som det skal: PC, skriver, nett, et program.",
		"newCase.guidance.title":   "Be om veiledning",
		"newCase.guidance.lead":    "Du lurer på hvordan du gjør noe: innlogging, Office, ESA.",
		"newCase.order.title":      "Bestill utstyr eller programvare",
		"newCase.order.lead":       "Fra standardkatalogen, eller noe utenom den som enheten betaler for.",
		"newCase.new-user.title":   "Meld en ny ansatt",
		"newCase.new-user.lead":    "Konto, utstyr og tilganger klare til første arbeidsdag.",
		"newCase.esa-access.title": "Be om tilgang til ESA",
		"newCase.esa-access.lead":  "Rolle, enheter og tilgangskoder i sak- og arkivsystemet for en i enheten din.",
		"newCase.departure.title":  "Meld en fratredelse",
		"newCase.departure.lead":   "Tilganger og konto avsluttes etter siste arbeidsdag.",
	})
}
