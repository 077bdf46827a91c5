package directory

import "github.com/brukerhjelp/brukerhjelp/internal/helpdesk"

// Demo is the built-in demo organisation of API.md section 2.
func Demo() *Directory {
	r := func(roles ...helpdesk.Role) []helpdesk.Role { return roles }
	d, err := New(File{
		Units: []Unit{
			{ID: "opplaering", Name: "Opplæring"},
			{ID: "samferdsel", Name: "Samferdsel"},
			{ID: "it", Name: "IT-seksjonen"},
		},
		Users: []User{
			{Username: "ola", DisplayName: "Ola Nordmann", Roles: r(helpdesk.RoleEmployee), Unit: "opplaering"},
			{Username: "eva", DisplayName: "Eva Hansen", Roles: r(helpdesk.RoleEmployee), Unit: "samferdsel"},
			{Username: "kari", DisplayName: "Kari Olsen", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleManager, helpdesk.RoleBudgetHolder), Unit: "opplaering", Leads: []string{"opplaering"},
				// Jon decides for Kari over Christmas.
				Delegations: []Delegation{{Deputy: "jon", From: "2026-12-21", To: "2027-01-03"}}},
			{Username: "jon", DisplayName: "Jon Berg", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleManager, helpdesk.RoleBudgetHolder), Unit: "samferdsel", Leads: []string{"samferdsel"}},
			{Username: "per", DisplayName: "Per Johansen", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleCaseworker), Unit: "it", Groups: []string{"brukerhjelp"}},
			{Username: "lise", DisplayName: "Lise Larsen", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleCaseworker), Unit: "it", Groups: []string{"brukerhjelp", "tjeneste"}},
			{Username: "arne", DisplayName: "Arne Dahl", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleCaseworker, helpdesk.RoleESAOwner), Unit: "it", Groups: []string{"arkiv"}},
			{Username: "siri", DisplayName: "Siri Revisor", Roles: r(helpdesk.RoleAuditor)},
			{Username: "tor", DisplayName: "Tor Drift", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleOperations), Unit: "it"},
			{Username: "nina", DisplayName: "Nina Tjenesteeier", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleServiceOwner), Unit: "it"},
			// The data protection officer (personvernombud): a person's
			// data, erasure, legal holds (docs/PRIVACY.md).
			{Username: "dina", DisplayName: "Dina Personvern", Roles: r(helpdesk.RoleEmployee, helpdesk.RoleDPO)},
		},
	})
	if err != nil {
		panic(err) // the demo data is fixed; a failure here is a programming error
	}
	return d
}
