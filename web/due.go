package web

import (
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// A case's deadline as a queue shows it: when, and how near, in words and
// with an icon as well as a colour (WCAG 1.4.1: never colour alone).

// Deadline states, from worst to best. They are the CSS hook
// (data-due="breached") and the text key (due.breached).
const (
	dueBreached = "breached" // passed
	dueSoon     = "soon"     // less than an hour left
	dueLow      = "low"      // less than 25 % of the target's service time left
	dueOK       = "ok"
	duePaused   = "paused" // waiting for the user: the clock stands still
)

// deadline is a case's next deadline.
type deadline struct {
	At    time.Time
	State string
	// Clock is the response or the resolution clock.
	Clock helpdesk.SLAClock
}

// slaFacts is what both a case and a queue's row know of an SLA.
type slaFacts struct {
	responseDue, resolutionDue           *time.Time
	paused                               bool
	responseBreached, resolutionBreached bool
	// responded: the first response was given; unknown (false) in a
	// queue's row, where a new case's response is what is owed.
	responded bool
	stopped   bool
}

func factsOfSummary(s *readmodel.SLASummary, status helpdesk.Status) slaFacts {
	return slaFacts{responseDue: s.ResponseDue, resolutionDue: s.ResolutionDue, paused: s.Paused,
		responseBreached: s.ResponseBreached, resolutionBreached: s.ResolutionBreached, responded: status != helpdesk.StatusNew}
}

func factsOfCase(s *helpdesk.SLA) slaFacts {
	return slaFacts{responseDue: s.ResponseDue, resolutionDue: s.ResolutionDue, paused: s.Paused,
		responseBreached: s.ResponseBreached, resolutionBreached: s.ResolutionBreached, responded: s.RespondedAt != nil, stopped: s.Stopped}
}

// deadlinesOf are the deadlines of a case in status with priority that
// run at now: the resolution's, then the response's while it is owed.
// None when no SLA applies (none, stopped, or the case is done); a case
// waiting for the user has one, paused.
func deadlinesOf(f slaFacts, status helpdesk.Status, priority helpdesk.Priority, policy workflows.CasePolicy, now time.Time) []deadline {
	switch status {
	case helpdesk.StatusResolved, helpdesk.StatusClosed, helpdesk.StatusCancelled, helpdesk.StatusRejected:
		return nil
	}
	if f.stopped {
		return nil
	}
	if f.paused {
		// Waiting for the user: no deadline runs until they answer.
		return []deadline{{State: duePaused, Clock: helpdesk.ClockResolution}}
	}
	targets := policy.SLA.Targets[priority]
	var out []deadline
	if d, ok := judge(helpdesk.ClockResolution, f.resolutionDue, f.resolutionBreached, targets.Resolution, policy, now); ok {
		out = append(out, d)
	}
	if !f.responded {
		if d, ok := judge(helpdesk.ClockResponse, f.responseDue, f.responseBreached, targets.Response, policy, now); ok {
			out = append(out, d)
		}
	}
	return out
}

// judge says how near one clock's deadline is.
func judge(clock helpdesk.SLAClock, due *time.Time, breached bool, target time.Duration, policy workflows.CasePolicy, now time.Time) (deadline, bool) {
	if due == nil {
		return deadline{}, false
	}
	d := deadline{At: *due, Clock: clock}
	switch {
	case breached || !now.Before(d.At):
		d.State = dueBreached
	case d.At.Sub(now) < time.Hour:
		d.State = dueSoon
	case target > 0 && serviceTimeLeft(policy, now, d.At) < target/4:
		d.State = dueLow
	default:
		d.State = dueOK
	}
	return d, true
}

// worst is the most urgent of ds' states ("" for none).
func worst(ds []deadline) string {
	rank := map[string]int{dueBreached: 4, dueSoon: 3, dueLow: 2, dueOK: 1, duePaused: 0}
	w := ""
	for _, d := range ds {
		if w == "" || rank[d.State] > rank[w] {
			w = d.State
		}
	}
	return w
}

// serviceTimeLeft is the service time from now to due: what the target
// counts in, so "25 % left" means a quarter of the help desk's hours.
func serviceTimeLeft(policy workflows.CasePolicy, now, due time.Time) time.Duration {
	cal, err := calendar.New(policy.Calendar)
	if err != nil {
		return due.Sub(now)
	}
	return cal.Between(now, due)
}
