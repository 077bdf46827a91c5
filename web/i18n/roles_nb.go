package i18n

// Texts the pages of managers, approvers, operations, the service owner
// and the auditor share (issue #16): statuses, kinds and groups in words.
func init() {
	add(nb, map[string]string{
		"roles.codes":     "Tilgangskoder",
		"roles.sensitive": "sensitiv",

		"nav.team": "Mitt team",

		"caseState.new":               "Ny",
		"caseState.in-progress":       "Under arbeid",
		"caseState.waiting-for-user":  "Venter på svar fra innmelder",
		"caseState.awaiting-approval": "Venter på godkjenning",
		"caseState.resolved":          "Løst",
		"caseState.closed":            "Avsluttet",
		"caseState.rejected":          "Avslått",
		"caseState.cancelled":         "Trukket tilbake",
		"caseState.active":            "Aktiv",
		"caseState.expired":           "Utløpt",
		"caseState.revoked":           "Fjernet",

		"caseKind.incident":   "Feil",
		"caseKind.guidance":   "Veiledning",
		"caseKind.order":      "Bestilling",
		"caseKind.new-user":   "Ny ansatt",
		"caseKind.esa-access": "ESA-tilgang",
		"caseKind.departure":  "Fratredelse",

		"rolesGroup.brukerhjelp": "Brukerhjelp (førstelinjen)",
		"rolesGroup.tjeneste":    "Tjenesteforvaltning",
		"rolesGroup.arkiv":       "Arkiv (ESA)",

		"live.announcement.CaseLinkedToAnnouncement": "En ny sak er knyttet til «%[1]s».",
	})
}
