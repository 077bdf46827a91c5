package i18n

func init() {
	add(en, map[string]string{
		"roles.codes":     "Access codes",
		"roles.sensitive": "sensitive",

		"nav.team": "My team",

		"caseState.new":               "New",
		"caseState.in-progress":       "In progress",
		"caseState.waiting-for-user":  "Waiting for the reporter",
		"caseState.awaiting-approval": "Awaiting approval",
		"caseState.resolved":          "Resolved",
		"caseState.closed":            "Closed",
		"caseState.rejected":          "Rejected",
		"caseState.cancelled":         "Withdrawn",
		"caseState.active":            "Active",
		"caseState.expired":           "Expired",
		"caseState.revoked":           "Removed",

		"caseKind.incident":   "Fault",
		"caseKind.guidance":   "Guidance",
		"caseKind.order":      "Order",
		"caseKind.new-user":   "New employee",
		"caseKind.esa-access": "ESA access",
		"caseKind.departure":  "Departure",

		"rolesGroup.brukerhjelp": "Help desk (first line)",
		"rolesGroup.tjeneste":    "Service management",
		"rolesGroup.arkiv":       "Archive (ESA)",

		"live.announcement.CaseLinkedToAnnouncement": "A new case is linked to “%[1]s”.",
	})
}
