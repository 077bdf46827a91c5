package desk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Plans say what a manager's request will set in motion, and when, on
// the service calendar, before it is sent: the forms show them. The dates
// come from the same schedules the workflows keep (workflows/schedule.go),
// so what the form promises is what then happens.

// NewUserPlan is what a new-user request for a start date sets in motion.
type NewUserPlan struct {
	StartDate string `json:"startDate"`
	// Start is 07:30 on the start date; ReadyBy is when the account,
	// mailbox, equipment and software are due (one service day before);
	// EscalateAt is when work still open is escalated (three service days
	// before).
	Start      time.Time `json:"start"`
	ReadyBy    time.Time `json:"readyBy"`
	EscalateAt time.Time `json:"escalateAt"`
	// Late: the escalation date has passed already, so open work is
	// escalated as soon as the case is opened.
	Late bool `json:"late"`
	// Example: no start date was given; this is the plan for the earliest
	// start that leaves the full preparation time.
	Example bool `json:"example"`
	// ESA is the plan of the ESA access asked for with the new employee,
	// requested once the account exists; nil without one.
	ESA *AccessPlan `json:"esa,omitempty"`
}

// AccessPlan is what an ESA access request sets in motion if it is sent
// now.
type AccessPlan struct {
	// Approver is the ESA system owner who decides; Second approves the
	// sensitive codes too ("" when none is asked for).
	Approver string `json:"approver"`
	Second   string `json:"second,omitempty"`
	// Sensitive are the codes asked for that need the second approval;
	// SensitiveCodes every code that does (the form marks them).
	Sensitive      []string `json:"sensitive"`
	SensitiveCodes []string `json:"sensitiveCodes"`
	// RemindAt, EscalateAt and DecideBy are when the approver is
	// reminded, the fallback approver takes over and the request lapses
	// undecided, counted from now.
	RemindAt   time.Time `json:"remindAt"`
	EscalateAt time.Time `json:"escalateAt,omitzero"`
	DecideBy   time.Time `json:"decideBy"`
	// From is when the access may be granted (validFrom), zero for as
	// soon as it is approved; Until when it ends (the day after validTo),
	// zero for until it is revoked or not recertified.
	From  time.Time `json:"from,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// RecertifyAfter: a year after it is granted the manager is asked to
	// confirm the access is still needed.
	RecertifyAfter string `json:"recertifyAfter"`
}

// DeparturePlan is what a departure with a last working day sets in
// motion.
type DeparturePlan struct {
	LastWorkingDay string `json:"lastWorkingDay"`
	// EffectiveAt is 16:00 on the last working day: the accesses are
	// revoked and the account disabled from then.
	EffectiveAt time.Time `json:"effectiveAt"`
	// Accesses are the employee's active accesses (case IDs) to be
	// revoked then, as the record knows them now.
	Accesses []string `json:"accesses"`
	// ForwardTo is whom the mailbox is forwarded to ("" keeps it).
	ForwardTo       string `json:"forwardTo,omitempty"`
	ReturnEquipment bool   `json:"returnEquipment"`
}

// PlanNewUser is the plan of a new-user request starting on startDate
// (YYYY-MM-DD); an empty startDate plans the earliest start that leaves
// the full preparation time. withESA adds the ESA access's plan, with
// codes the access codes asked for.
func (d *Desk) PlanNewUser(actor helpdesk.Actor, startDate string, withESA bool, codes []string) (NewUserPlan, error) {
	if err := Authorize(actor, ActionCreate(helpdesk.KindNewUser)); err != nil {
		return NewUserPlan{}, err
	}
	cal, err := d.calendar()
	if err != nil {
		return NewUserPlan{}, err
	}
	now := d.now()
	p := NewUserPlan{StartDate: startDate}
	if startDate == "" {
		p.Example, p.StartDate = true, d.earliestStart(cal, now)
	} else if err := checkDate("startDate", startDate); err != nil {
		return NewUserPlan{}, err
	}
	p.Start, p.ReadyBy, p.EscalateAt = workflows.NewUserSchedule(cal, p.StartDate)
	p.Late = !p.EscalateAt.After(now)
	if withESA {
		esa := d.accessPlan(cal, now, actor, "", "", codes)
		p.ESA = &esa
	}
	return p, nil
}

// PlanAccess is the plan of an ESA access request sent now, valid from
// validFrom to validTo (YYYY-MM-DD, either empty), for the access codes
// asked for.
func (d *Desk) PlanAccess(actor helpdesk.Actor, validFrom, validTo string, codes []string) (AccessPlan, error) {
	if err := Authorize(actor, ActionCreate(helpdesk.KindESAAccess)); err != nil {
		return AccessPlan{}, err
	}
	if err := checkDate("validFrom", validFrom); validFrom != "" && err != nil {
		return AccessPlan{}, err
	}
	if err := checkDate("validTo", validTo); validTo != "" && err != nil {
		return AccessPlan{}, err
	}
	cal, err := d.calendar()
	if err != nil {
		return AccessPlan{}, err
	}
	return d.accessPlan(cal, d.now(), actor, validFrom, validTo, codes), nil
}

// PlanDeparture is the plan of a departure of employee (a username, or
// empty while the form has none) whose last working day is
// lastWorkingDay (YYYY-MM-DD).
func (d *Desk) PlanDeparture(ctx context.Context, actor helpdesk.Actor, employee, lastWorkingDay, forwardTo string, returnEquipment bool) (DeparturePlan, error) {
	if err := Authorize(actor, ActionCreate(helpdesk.KindDeparture)); err != nil {
		return DeparturePlan{}, err
	}
	if err := checkDate("lastWorkingDay", lastWorkingDay); err != nil {
		return DeparturePlan{}, err
	}
	p := DeparturePlan{LastWorkingDay: lastWorkingDay, EffectiveAt: workflows.DepartureTime(lastWorkingDay),
		Accesses: []string{}, ForwardTo: forwardTo, ReturnEquipment: returnEquipment}
	if employee != "" {
		if err := d.employeeOfMine(actor, employee); err != nil {
			return DeparturePlan{}, err
		}
		person, err := people.Read(ctx, d.record, employee)
		if err != nil {
			return DeparturePlan{}, fmt.Errorf("desk: plan departure: %w", err)
		}
		p.Accesses = append(p.Accesses, person.Accesses...)
	}
	return p, nil
}

// accessPlan is the plan of an ESA access asked for by actor now.
func (d *Desk) accessPlan(cal *calendar.Calendar, now time.Time, actor helpdesk.Actor, validFrom, validTo string, codes []string) AccessPlan {
	// The same approvers the request would get (open_case.go).
	in := d.esaInput(helpdesk.ESARequest{AccessCodes: codes}, actor)
	p := AccessPlan{Approver: in.Owner, Sensitive: []string{}, SensitiveCodes: slices.Clone(d.policy.SensitiveAccessCodes),
		RecertifyAfter: "P1Y"}
	if p.SensitiveCodes == nil {
		p.SensitiveCodes = []string{}
	}
	for _, c := range codes {
		if code := strings.ToUpper(strings.TrimSpace(c)); slices.Contains(p.SensitiveCodes, code) && !slices.Contains(p.Sensitive, code) {
			p.Sensitive = append(p.Sensitive, code)
		}
	}
	if len(p.Sensitive) > 0 {
		p.Second = in.Second
	}
	p.RemindAt, p.EscalateAt, p.DecideBy = workflows.ApprovalSchedule(cal, d.policy, now, in.Fallback != "")
	if validFrom != "" {
		p.From = workflows.AccessStart(validFrom)
	}
	p.Until = workflows.AccessExpiry(validTo)
	return p
}

// earliestStart is the first start date whose escalation (three service
// days before) is still ahead of now: the earliest start with the full
// preparation time.
func (d *Desk) earliestStart(cal *calendar.Calendar, now time.Time) string {
	day := now.In(helpdesk.Oslo)
	for i := 0; i < 60; i++ {
		day = day.AddDate(0, 0, 1)
		date := day.Format(time.DateOnly)
		start, _, escalate := workflows.NewUserSchedule(cal, date)
		if escalate.After(now) && cal.IsOpen(start) {
			return date
		}
	}
	return day.Format(time.DateOnly)
}

// calendar is the service calendar new cases run under.
func (d *Desk) calendar() (*calendar.Calendar, error) {
	cal, err := calendar.New(d.policy.Calendar)
	if err != nil {
		return nil, fmt.Errorf("desk: calendar: %w", err)
	}
	return cal, nil
}

// checkDate refuses a value that is no date YYYY-MM-DD, naming field.
func checkDate(field, v string) error {
	if helpdesk.IsDate(v) {
		return nil
	}
	return invalid(field, field+" må være en dato (ÅÅÅÅ-MM-DD)", field+" must be a date (YYYY-MM-DD)")
}
