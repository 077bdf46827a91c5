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
	// RoleDPO is the data protection officer (personvernombud): a
	// person's data, erasure, legal holds (docs/PRIVACY.md).
	RoleDPO Role = "data-protection-officer"
)

// Roles lists every role, for what maps roles from outside (an identity
// provider's claims).
var Roles = []Role{RoleEmployee, RoleManager, RoleBudgetHolder, RoleCaseworker, RoleESAOwner, RoleAuditor,
	RoleOperations, RoleServiceOwner, RoleDPO}

// Actor is the user acting on a case. It travels with every workflow update
// so the workflow checks the same policy as the API.
type Actor struct {
	Username string   `json:"username"`
	Roles    []Role   `json:"roles"`
	Groups   []string `json:"groups,omitempty"`
	// Deputising lists the approvers this actor stands in for today.
	Deputising []string `json:"deputising,omitempty"`
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// CanSee reports whether the actor may read case c at all: caseworkers
// and auditors see every case, others the cases they reported or created
// and those they are asked to approve.
func (a Actor) CanSee(c Case) bool {
	if a.Has(RoleCaseworker) || a.Has(RoleAuditor) || c.Reporter == a.Username || c.CreatedBy == a.Username {
		return true
	}
	for _, t := range c.Tasks {
		if t.Approver == a.Username || slices.Contains(a.Deputising, t.Approver) ||
			(t.Escalated && (t.Fallback == a.Username || slices.Contains(a.Deputising, t.Fallback))) {
			return true
		}
	}
	return false
}
