package i18n

// Texts of a manager's team page (/team).
func init() {
	add(nb, map[string]string{
		"team.title":        "Mitt team",
		"team.lead":         "Folkene i enhetene du leder, tilgangene de har, og sakene du har bedt om eller skal avgjøre – med hvem som skal gjøre noe nå.",
		"team.starts":       "Be om noe for teamet",
		"team.unit":         "%s (%d)",
		"team.people":       "Personer i %s",
		"team.col.person":   "Person",
		"team.col.accesses": "Aktive tilganger",
		"team.col.requests": "Be om",
		"team.new":          "ny, starter %s",
		"team.disabled":     "sluttet, kontoen er deaktivert",
		"team.validTo":      "Gyldig til og med",
		"team.noEnd":        "Ingen sluttdato",
		"team.recertify":    "Bekreftes senest",
		"team.soon":         "snart",
		"team.noAccess":     "Ingen ESA-tilganger",
		"team.askESA":       "Be om ESA-tilgang",
		"team.departure":    "Meld fratredelse",
		"team.requests":     "Åpne saker",
		"team.col.case":     "Sak",
		"team.col.status":   "Status",
		"team.col.acting":   "Hvem gjør noe nå",
		"team.askedBy":      "meldt av %s",
		"team.group":        "gruppen %s",
		"team.you":          "Du",
		"team.due":          "frist",
		"team.noRequests":   "Ingen åpne saker.",
	})
}
