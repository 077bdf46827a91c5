package helpdesk

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Statuses of an access case once granted.
const (
	StatusActive  Status = "active"
	StatusExpired Status = "expired"
	StatusRevoked Status = "revoked"
)

// ESARequest is a manager's request for an employee's access to ESA, the
// county's case-and-archive system: a role, administrative units and
// access codes, perhaps for a limited period.
type ESARequest struct {
	Kind          Kind     `json:"kind"`
	Employee      string   `json:"employee"`
	Role          string   `json:"role"`
	Units         []string `json:"units"`
	AccessCodes   []string `json:"accessCodes"`
	Justification string   `json:"justification"`
	ValidFrom     string   `json:"validFrom,omitempty"` // YYYY-MM-DD
	ValidTo       string   `json:"validTo,omitempty"`
}

// ESAAccess is the access part of an esa-access case.
type ESAAccess struct {
	Employee      string   `json:"employee"`
	Role          string   `json:"role"`
	Units         []string `json:"units"`
	AccessCodes   []string `json:"accessCodes"`
	Justification string   `json:"justification"`
	ValidFrom     string   `json:"validFrom,omitempty"`
	ValidTo       string   `json:"validTo,omitempty"`
	// Sensitive codes need a second approval.
	Sensitive bool `json:"sensitive"`
	// Manager asked for the access and recertifies it yearly.
	Manager       string    `json:"manager"`
	GrantedAt     time.Time `json:"grantedAt,omitzero"`
	RecertifiedAt time.Time `json:"recertifiedAt,omitzero"`
	Recertified   int       `json:"recertified"`
	EndedAt       time.Time `json:"endedAt,omitzero"`
	EndReason     string    `json:"endReason,omitempty"`
	RevokeReason  string    `json:"revokeReason,omitempty"`
}

const maxListItems = 50

// Normalize checks the request against today (YYYY-MM-DD, Oslo); the
// error names the field.
func (r *ESARequest) Normalize(today string) error {
	r.Role = strings.TrimSpace(r.Role)
	r.Justification = strings.TrimSpace(r.Justification)
	if r.Employee == "" {
		return invalid("employee", "employee mangler", "employee is required")
	}
	if err := requireText("role", r.Role, 100); err != nil {
		return err
	}
	if err := requireList("units", r.Units); err != nil {
		return err
	}
	if err := requireList("accessCodes", r.AccessCodes); err != nil {
		return err
	}
	if err := requireText("justification", r.Justification, MaxReason); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"validFrom", r.ValidFrom}, {"validTo", r.ValidTo}} {
		if f.v != "" && !IsDate(f.v) {
			return invalid(f.name, f.name+" må være en gyldig dato (ÅÅÅÅ-MM-DD)", f.name+" must be a valid date (YYYY-MM-DD)")
		}
	}
	if r.ValidTo != "" && r.ValidTo < today {
		return invalid("validTo", "validTo kan ikke være i fortiden", "validTo cannot be in the past")
	}
	if r.ValidFrom != "" && r.ValidTo != "" && r.ValidTo < r.ValidFrom {
		return invalid("validTo", "validTo er før validFrom", "validTo is before validFrom")
	}
	return nil
}

func requireList(field string, v []string) error {
	if len(v) == 0 {
		return invalid(field, field+" mangler", field+" is required")
	}
	if len(v) > maxListItems {
		return invalid(field, fmt.Sprintf("%s har for mange verdier (maks %d)", field, maxListItems), fmt.Sprintf("%s has too many values (max %d)", field, maxListItems))
	}
	for i, s := range v {
		if strings.TrimSpace(s) == "" || len([]rune(s)) > 100 {
			f := fmt.Sprintf("%s[%d]", field, i)
			return invalid(f, f+" er tom eller for lang", f+" is empty or too long")
		}
	}
	return nil
}

// IsDate reports whether s is a calendar date YYYY-MM-DD.
func IsDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Access builds the access a request asks for; sensitive lists the codes
// that need a second approval.
func (r ESARequest) Access(manager string, sensitive []string) ESAAccess {
	a := ESAAccess{Employee: r.Employee, Role: r.Role, Units: r.Units, AccessCodes: r.AccessCodes,
		Justification: r.Justification, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Manager: manager}
	for _, c := range r.AccessCodes {
		if slices.Contains(sensitive, strings.ToUpper(strings.TrimSpace(c))) {
			a.Sensitive = true
		}
	}
	return a
}

// AccessRequested records what access a case asks for.
type AccessRequested struct {
	Access ESAAccess `json:"access"`
}

// AccessGranted: the access was set up in ESA; the case is active.
type AccessGranted struct{}

// AccessRecertified: the manager confirmed the access is still needed.
type AccessRecertified struct {
	By string `json:"by"`
}

// AccessRevokeRequested: someone (a departure, a manager) asked for the
// access to end.
type AccessRevokeRequested struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// AccessEnded: the access was removed from ESA.
type AccessEnded struct {
	// Reason is expired (validTo passed) or revoked.
	Reason string `json:"reason"`
}

func (AccessRequested) EventType() string       { return "AccessRequested" }
func (AccessGranted) EventType() string         { return "AccessGranted" }
func (AccessRecertified) EventType() string     { return "AccessRecertified" }
func (AccessRevokeRequested) EventType() string { return "AccessRevokeRequested" }
func (AccessEnded) EventType() string           { return "AccessEnded" }

func init() {
	register[AccessRequested]()
	register[AccessGranted]()
	register[AccessRecertified]()
	register[AccessRevokeRequested]()
	register[AccessEnded]()
}

// applyAccess folds access events.
func (c *Case) applyAccess(e Event, m Metadata) {
	if r, ok := e.(AccessRequested); ok {
		a := r.Access
		c.Access = &a
		return
	}
	if c.Access == nil {
		return
	}
	a := *c.Access // copy on write
	switch e := e.(type) {
	case AccessGranted:
		a.GrantedAt = m.OccurredAt
		c.Status = StatusActive
	case AccessRecertified:
		a.RecertifiedAt = m.OccurredAt
		a.Recertified++
	case AccessRevokeRequested:
		a.RevokeReason = e.Reason
	case AccessEnded:
		a.EndedAt, a.EndReason = m.OccurredAt, e.Reason
		c.Status = StatusRevoked
		if e.Reason == "expired" {
			c.Status = StatusExpired
		}
		c.ClosedAt = m.OccurredAt
	}
	c.Access = &a
}
