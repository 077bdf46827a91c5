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

// Normalize cleans the request's text and checks it against today
// (YYYY-MM-DD, Oslo); the error names the field. validFrom lies between
// today and MaxPlanAhead days ahead; validTo between today (or validFrom)
// and MaxValidity days after it.
func (r *ESARequest) Normalize(today string) error {
	if err := line("employee", &r.Employee, MaxUsername, true); err != nil {
		return err
	}
	if err := line("role", &r.Role, 100, true); err != nil {
		return err
	}
	if err := requireList("units", r.Units); err != nil {
		return err
	}
	if err := requireList("accessCodes", r.AccessCodes); err != nil {
		return err
	}
	if err := text("justification", &r.Justification, MaxReason, true); err != nil {
		return err
	}
	from := today
	if r.ValidFrom != "" {
		if err := dateWithin("validFrom", r.ValidFrom, today, MaxPlanAhead, "i fortiden", "in the past"); err != nil {
			return err
		}
		from = r.ValidFrom
	}
	if r.ValidTo != "" {
		if IsDate(r.ValidTo) && r.ValidTo < today {
			return invalid("validTo", "validTo kan ikke være i fortiden", "validTo cannot be in the past")
		}
		if err := dateWithin("validTo", r.ValidTo, from, MaxValidity, "før validFrom", "before validFrom"); err != nil {
			return err
		}
	}
	return nil
}

// requireList checks a list of one-line values (units, access codes):
// at least one, at most maxListItems, each cleaned in place.
func requireList(field string, v []string) error {
	if len(v) == 0 {
		return invalid(field, field+" mangler", field+" is required")
	}
	if len(v) > maxListItems {
		return invalid(field, fmt.Sprintf("%s har for mange verdier (maks %d)", field, maxListItems), fmt.Sprintf("%s has too many values (max %d)", field, maxListItems))
	}
	return lines(field, v, 100)
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
	declarePersonal[AccessRequested]("access.justification")
	declarePersonal[AccessGranted]()
	declarePersonal[AccessRecertified]()
	declarePersonal[AccessRevokeRequested]("reason")
	declarePersonal[AccessEnded]() // a code: expired, revoked, departure
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
