package helpdesk

import "time"

// ServiceCalendar is the service-hours arithmetic SLAs run on;
// internal/calendar implements it on the Norwegian working calendar.
type ServiceCalendar interface {
	// Add returns the instant d of service time after start.
	Add(start time.Time, d time.Duration) time.Time
	// Between returns the service time in [a, b).
	Between(a, b time.Time) time.Duration
}

// SLAClock names one of a case's two clocks.
type SLAClock string

// The clocks: first response and resolution.
const (
	ClockResponse   SLAClock = "response"
	ClockResolution SLAClock = "resolution"
)

// SLATargets are service-time targets for one priority.
type SLATargets struct {
	Response   time.Duration `json:"response"`
	Resolution time.Duration `json:"resolution"`
}

// SLAPolicy is the configurable SLA: targets per priority and the share of
// a target at which a warning goes out.
type SLAPolicy struct {
	Targets map[Priority]SLATargets `json:"targets"`
	WarnAt  float64                 `json:"warnAt"`
}

// DefaultSLAPolicy holds API.md's default targets, in service hours.
func DefaultSLAPolicy() SLAPolicy {
	h := func(hours float64) time.Duration { return time.Duration(hours * float64(time.Hour)) }
	return SLAPolicy{
		Targets: map[Priority]SLATargets{
			PriorityCritical: {Response: h(0.5), Resolution: h(4)},
			PriorityHigh:     {Response: h(1), Resolution: h(8.5)},
			PriorityNormal:   {Response: h(4), Resolution: h(25.5)},
			PriorityLow:      {Response: h(8.5), Resolution: h(85)},
		},
		WarnAt: 0.75,
	}
}

// SLA is a case's SLA as folded from its events.
type SLA struct {
	ResponseTarget     time.Duration `json:"-"`
	ResolutionTarget   time.Duration `json:"-"`
	ResponseDue        *time.Time    `json:"responseDue"`
	ResolutionDue      *time.Time    `json:"resolutionDue"`
	Paused             bool          `json:"paused"`
	ResponseWarned     bool          `json:"responseWarned"`
	ResolutionWarned   bool          `json:"resolutionWarned"`
	ResponseBreached   bool          `json:"responseBreached"`
	ResolutionBreached bool          `json:"resolutionBreached"`
	RespondedAt        *time.Time    `json:"respondedAt,omitempty"`
	// Stopped: the resolution clock stopped because the case was resolved,
	// closed or cancelled.
	Stopped bool `json:"stopped"`
	// Used is the service time consumed before RunningSince.
	Used time.Duration `json:"-"`
	// RunningSince is when the clock last started running; zero while
	// paused or stopped.
	RunningSince time.Time `json:"-"`
}

// Running reports whether the clock is counting now.
func (s *SLA) Running() bool { return !s.RunningSince.IsZero() }

// SLAStarted: the clocks started when the case was opened.
type SLAStarted struct {
	Priority         Priority      `json:"priority"`
	ResponseTarget   time.Duration `json:"responseTarget"`
	ResolutionTarget time.Duration `json:"resolutionTarget"`
	ResponseDue      time.Time     `json:"responseDue"`
	ResolutionDue    time.Time     `json:"resolutionDue"`
}

// SLAPaused: the clock stopped counting (waiting for the user).
type SLAPaused struct {
	Used time.Duration `json:"used"` // service time consumed so far
}

// SLAResumed: the clock counts again; the deadlines moved.
type SLAResumed struct {
	ResponseDue   *time.Time `json:"responseDue,omitempty"` // nil once responded
	ResolutionDue time.Time  `json:"resolutionDue"`
}

// SLAResponded: the first response reached the user.
type SLAResponded struct {
	WithinTarget bool `json:"withinTarget"`
}

// SLAStopped: the resolution clock stopped for good (unless reopened).
type SLAStopped struct {
	Used         time.Duration `json:"used"`
	WithinTarget bool          `json:"withinTarget"`
}

// SLAWarned: a clock passed the warning share of its target.
type SLAWarned struct {
	Clock SLAClock  `json:"clock"`
	Due   time.Time `json:"due"`
}

// SLABreached: a clock passed its target.
type SLABreached struct {
	Clock SLAClock  `json:"clock"`
	Due   time.Time `json:"due"`
}

// StartSLA decides the clocks of a newly opened case.
func StartSLA(p SLAPolicy, priority Priority, now time.Time, cal ServiceCalendar) (SLAStarted, bool) {
	t, ok := p.Targets[priority]
	if !ok {
		return SLAStarted{}, false
	}
	return SLAStarted{
		Priority:         priority,
		ResponseTarget:   t.Response,
		ResolutionTarget: t.Resolution,
		ResponseDue:      cal.Add(now, t.Response),
		ResolutionDue:    cal.Add(now, t.Resolution),
	}, true
}

// used is the service time consumed up to now.
func (s *SLA) used(now time.Time, cal ServiceCalendar) time.Duration {
	if !s.Running() {
		return s.Used
	}
	return s.Used + cal.Between(s.RunningSince, now)
}

// isResponse reports whether event e by actor is the first thing the
// reporter hears from the help desk.
func isResponse(e Event, actor Actor) bool {
	if !actor.Has(RoleCaseworker) {
		return false
	}
	switch e := e.(type) {
	case CaseClaimed, InfoRequested, CaseResolved:
		return true
	case CaseAssigned:
		return e.Assignee != ""
	case CommentAdded:
		return !e.Internal
	}
	return false
}

// clockRuns reports whether the SLA counts in status s.
func clockRuns(s Status) bool { return s == StatusNew || s == StatusInProgress }

// SLAReactions decides what the SLA records when event e (by actor at
// now) is applied to the case: the first response, a pause, a resumption
// or a stop. It returns nothing for a case without an SLA.
func (c Case) SLAReactions(e Event, actor Actor, now time.Time, cal ServiceCalendar) []Event {
	if c.SLA == nil {
		return nil
	}
	s := c.SLA
	next := c
	next.Apply(e, Metadata{Actor: actor.Username, OccurredAt: now}, c.Revision+1)
	var out []Event
	if s.RespondedAt == nil && isResponse(e, actor) {
		out = append(out, SLAResponded{WithinTarget: s.ResponseDue != nil && !now.After(*s.ResponseDue) && !s.ResponseBreached})
	}
	used := s.used(now, cal)
	switch {
	case next.Status == StatusResolved || next.Status == StatusClosed || next.Status == StatusCancelled:
		if !s.Stopped {
			out = append(out, SLAStopped{Used: used, WithinTarget: used <= s.ResolutionTarget})
		}
	case s.Running() && !clockRuns(next.Status):
		out = append(out, SLAPaused{Used: used})
	case !s.Running() && clockRuns(next.Status):
		r := SLAResumed{ResolutionDue: cal.Add(now, max(s.ResolutionTarget-used, 0))}
		if s.RespondedAt == nil && len(out) == 0 {
			due := cal.Add(now, max(s.ResponseTarget-used, 0))
			r.ResponseDue = &due
		}
		out = append(out, r)
	}
	return out
}

// SLAMilestone is a future instant at which the SLA records something.
type SLAMilestone struct {
	At    time.Time
	Event Event
}

// NextSLAMilestone returns the earliest warning or breach still to come
// while the clock runs; ok is false when nothing is pending.
func (c Case) NextSLAMilestone(warnAt float64, cal ServiceCalendar) (m SLAMilestone, ok bool) {
	s := c.SLA
	if s == nil || !s.Running() {
		return SLAMilestone{}, false
	}
	consider := func(clock SLAClock, target time.Duration, due *time.Time, warned, breached bool) {
		if due == nil {
			return
		}
		if !warned {
			warnPoint := time.Duration(float64(target) * warnAt)
			at := cal.Add(s.RunningSince, max(warnPoint-s.Used, 0))
			if !ok || at.Before(m.At) {
				m, ok = SLAMilestone{At: at, Event: SLAWarned{Clock: clock, Due: *due}}, true
			}
		}
		if !breached {
			if !ok || due.Before(m.At) {
				m, ok = SLAMilestone{At: *due, Event: SLABreached{Clock: clock, Due: *due}}, true
			}
		}
	}
	if s.RespondedAt == nil {
		consider(ClockResponse, s.ResponseTarget, s.ResponseDue, s.ResponseWarned, s.ResponseBreached)
	}
	consider(ClockResolution, s.ResolutionTarget, s.ResolutionDue, s.ResolutionWarned, s.ResolutionBreached)
	return m, ok
}

// applySLA folds the SLA events.
func (c *Case) applySLA(e Event, m Metadata) {
	if st, ok := e.(SLAStarted); ok {
		rd, sd := st.ResponseDue, st.ResolutionDue
		c.SLA = &SLA{ResponseTarget: st.ResponseTarget, ResolutionTarget: st.ResolutionTarget,
			ResponseDue: &rd, ResolutionDue: &sd, RunningSince: m.OccurredAt}
		return
	}
	if c.SLA == nil {
		return
	}
	// Copy on write: a Case is a value, and copies (views handed out,
	// what-if folds) must not see later changes through a shared pointer.
	cp := *c.SLA
	s := &cp
	c.SLA = s
	switch e := e.(type) {
	case SLAPaused:
		s.Used, s.RunningSince, s.Paused = e.Used, time.Time{}, true
		s.ResponseDue, s.ResolutionDue = nil, nil
	case SLAResumed:
		s.RunningSince, s.Paused, s.Stopped = m.OccurredAt, false, false
		rd := e.ResolutionDue
		s.ResolutionDue = &rd
		if e.ResponseDue != nil {
			d := *e.ResponseDue
			s.ResponseDue = &d
		}
	case SLAResponded:
		at := m.OccurredAt
		s.RespondedAt = &at
	case SLAStopped:
		s.Used, s.RunningSince, s.Paused, s.Stopped = e.Used, time.Time{}, false, true
	case SLAWarned:
		if e.Clock == ClockResponse {
			s.ResponseWarned = true
		} else {
			s.ResolutionWarned = true
		}
	case SLABreached:
		if e.Clock == ClockResponse {
			s.ResponseBreached = true
		} else {
			s.ResolutionBreached = true
		}
	}
}
