package i18n

func init() {
	add(en, map[string]string{
		"newCase.title":            "New case",
		"newCase.none":             "You cannot report new cases.",
		"newCase.incident.title":   "Report a fault",
		"newCase.incident.lead":    "Something does not work as it should: a PC, a printer, the network, a program.",
		"newCase.guidance.title":   "Ask for guidance",
		"newCase.guidance.lead":    "You wonder how to do something: signing in, Office, ESA.",
		"newCase.order.title":      "Order equipment or software",
		"newCase.order.lead":       "From the standard catalogue, or something outside it that your unit pays for.",
		"newCase.new-user.title":   "Report a new employee",
		"newCase.new-user.lead":    "Account, equipment and access ready for the first working day.",
		"newCase.esa-access.title": "Ask for access to ESA",
		"newCase.esa-access.lead":  "Role, units and access codes in the case and archive system for someone in your unit.",
		"newCase.departure.title":  "Report a departure",
		"newCase.departure.lead":   "Access and the account end after the last working day.",
	})
}
