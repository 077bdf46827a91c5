package i18n

func init() {
	add(en, map[string]string{
		"team.title":        "My team",
		"team.lead":         "The people of the units you lead, the access they have, and the cases you asked for or decide – with who is to act now.",
		"team.starts":       "Ask for something for the team",
		"team.unit":         "%s (%d)",
		"team.people":       "People in %s",
		"team.col.person":   "Person",
		"team.col.accesses": "Active access",
		"team.col.requests": "Ask for",
		"team.new":          "new, starts %s",
		"team.disabled":     "left, the account is disabled",
		"team.validTo":      "Valid through",
		"team.noEnd":        "No end date",
		"team.recertify":    "Confirm by",
		"team.soon":         "soon",
		"team.noAccess":     "No ESA access",
		"team.askESA":       "Ask for ESA access",
		"team.departure":    "Report a departure",
		"team.requests":     "Open cases",
		"team.col.case":     "Case",
		"team.col.status":   "Status",
		"team.col.acting":   "Who acts now",
		"team.askedBy":      "reported by %s",
		"team.group":        "group %s",
		"team.you":          "You",
		"team.due":          "due",
		"team.noRequests":   "No open cases.",
	})
}
