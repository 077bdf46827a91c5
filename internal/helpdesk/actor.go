package helpdesk

import "slices"

// Role is what a directory user may do.
type Role string

// Roles of the demo organisation (API.md section 2).
const (
	RoleEmployee     Role = "employee"
	RoleManager      Role = "manager"
	RoleBudgetHolder Role = "budget-holder"
	RoleCaseworker   Role = "caseworker"
	RoleESAOwner     Role = "esa-owner"
	RoleAuditor      Role = "auditor"
	RoleOperations   Role = "operations"
	RoleServiceOwner Role = "service-owner"
)

// Actor is the user acting on a case. It travels with every workflow update
// so the workflow checks the same policy as the API.
type Actor struct {
	Username string   `json:"username"`
	Roles    []Role   `json:"roles"`
	Groups   []string `json:"groups,omitempty"`
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// CanSee reports whether the actor may read case c at all.
func (a Actor) CanSee(c Case) bool {
	return a.Has(RoleCaseworker) || a.Has(RoleAuditor) || c.Reporter == a.Username || c.CreatedBy == a.Username
}
