package seed

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// systemActor is who the case workflow records what it does by itself
// (timers, an order's process): the same name the workflows use.
var systemActor = helpdesk.Actor{Username: "brukerhjelp"}

// sim plays one case's life the way its workflow would record it: each
// step is decided by the domain (helpdesk) on the case as folded so far,
// recorded with what the SLA makes of it (Case.SLAReactions), and before
// each step the workflow's timers that fell due meanwhile fire (SLA
// warnings and breaches, reminders, closing when a window ran out, an
// approval's reminder, escalation and expiry), exactly as runTimers does.
// Nothing is recorded after end: a case still going on then stays open.
type sim struct {
	cal    *calendar.Calendar
	policy workflows.CasePolicy
	end    time.Time

	caseID, workflowID, runID string
	state                     helpdesk.Case
	activity                  int // the workflow's activity counter: AllocateReference is 1
	last                      time.Time
	events                    []eventstore.EventData
	// persons are the facts the case records in people's streams
	// (person-<username>), in the order it records them.
	persons []personWrite
	// links are the case's links to an outage as the announcement
	// records them; outage, if set, resolves the case when its outage
	// is resolved.
	links   []link
	outage  *outageEnd
	stopped bool // past end, or final
	// react is the kind's process (an order's approvals and tasks): it
	// runs after every recorded event, as the workflow's process wakes.
	react func(at time.Time) error
}

func newSim(cal *calendar.Calendar, policy workflows.CasePolicy, end time.Time, caseID, runID string) *sim {
	return &sim{cal: cal, policy: policy, end: end, caseID: caseID, workflowID: workflows.WorkflowID(caseID),
		runID: runID, state: helpdesk.NewCase(), activity: 1}
}

// nextID is the event ID the case's workflow derives for the i-th event
// of its next append activity (activities.AppendEvents).
func (s *sim) id(i int) uuid.UUID {
	return eventstore.DeterministicID(s.workflowID, s.runID, strconv.Itoa(s.activity), i)
}

// append records events at at, as one append activity of the workflow,
// and folds them into the case.
func (s *sim) append(at time.Time, actor, correlationID string, evs []helpdesk.Event) error {
	s.activity++
	meta := helpdesk.Metadata{Actor: actor, OccurredAt: at.UTC(), CorrelationID: correlationID}
	mb, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	for i, ev := range evs {
		data, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode %s: %w", ev.EventType(), err)
		}
		s.events = append(s.events, eventstore.EventData{ID: s.id(i), Type: ev.EventType(), Data: data, Metadata: mb})
		s.state.Apply(ev, meta, s.state.Revision+1)
	}
	s.last = at
	return nil
}

// personWrite is one event for a person's stream.
type personWrite struct {
	stream string
	event  eventstore.EventData
}

// person records a fact about username in their stream, as the
// workflow's RecordPersonEvent activity does: by the case's workflow
// (brukerhjelp) at at, with the ID of that activity.
func (s *sim) person(at time.Time, correlationID, username string, e helpdesk.PersonEvent) error {
	s.activity++
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	mb, err := json.Marshal(helpdesk.Metadata{Actor: systemActor.Username, OccurredAt: at.UTC(), CorrelationID: correlationID})
	if err != nil {
		return err
	}
	s.persons = append(s.persons, personWrite{stream: helpdesk.PersonStream(username),
		event: eventstore.EventData{ID: s.id(0), Type: e.EventType(), Data: data, Metadata: mb}})
	return nil
}

// reserve records that a new-user case reserves username for the
// account it creates, as the ReserveUsername activity does when who
// completes the account's task: in the person's stream, with the
// reservation's own ID (one per case and username).
func (s *sim) reserve(at time.Time, who helpdesk.Actor, correlationID, username string) error {
	s.activity++
	stream := helpdesk.PersonStream(username)
	data, err := json.Marshal(helpdesk.PersonEvent{What: "username-reserved", CaseID: s.caseID})
	if err != nil {
		return err
	}
	mb, err := json.Marshal(helpdesk.Metadata{Actor: who.Username, OccurredAt: at.UTC(), CorrelationID: correlationID})
	if err != nil {
		return err
	}
	s.persons = append(s.persons, personWrite{stream: stream, event: eventstore.EventData{
		ID: eventstore.DeterministicID(stream, s.caseID, "username-reserved", 0), Type: helpdesk.PersonEvent{}.EventType(), Data: data, Metadata: mb}})
	return nil
}

// continueAsNew starts the workflow's next run, as a long-lived case
// does (an access, each year it is recertified): its events get the new
// run's IDs, counted from the activity that loads the stream (1).
func (s *sim) continueAsNew(runID string) {
	s.runID, s.activity = runID, 1
}

// record appends a step's event with the SLA's reactions to it.
func (s *sim) record(at time.Time, actor helpdesk.Actor, correlationID string, ev helpdesk.Event) error {
	evs := append([]helpdesk.Event{ev}, s.state.SLAReactions(ev, actor, at.UTC(), s.cal)...)
	if err := s.append(at, actor.Username, correlationID, evs); err != nil {
		return err
	}
	if s.react != nil && !s.state.Final() {
		return s.react(at)
	}
	return nil
}

// advance fires every timer due before t (and before end). It reports
// whether the case can still take a step at t.
func (s *sim) advance(t time.Time) (bool, error) {
	for !s.stopped {
		if s.state.Final() {
			s.stopped = true
			break
		}
		at, ev, ok := s.nextTimer()
		if !ok || at.After(t) {
			break
		}
		if at.After(s.end) {
			s.stopped = true
			break
		}
		at = s.after(at)
		if err := s.record(at, systemActor, "", ev); err != nil {
			return false, err
		}
	}
	if t.After(s.end) {
		s.stopped = true
	}
	return !s.stopped, nil
}

// after is at, or just after the last event if at is earlier.
func (s *sim) after(at time.Time) time.Time {
	if !at.After(s.last) {
		return s.last.Add(time.Second)
	}
	return at
}

// step takes one human step at t, decided by the domain on the case as
// it is then. It reports whether it was taken: false once the case has
// ended or t is past the end of the record. A refusal is a bug of the
// seed's script, not something to record.
func (s *sim) step(name string, t time.Time, actor helpdesk.Actor, correlationID string, decide func(c helpdesk.Case) (helpdesk.Event, error)) (bool, error) {
	t = s.after(t)
	ok, err := s.advance(t)
	if !ok || err != nil {
		return false, err
	}
	ev, err := decide(s.state)
	if err != nil {
		return false, fmt.Errorf("case %s (%s): %s by %s: %w", s.state.Reference, s.state.Status, name, actor.Username, err)
	}
	return true, s.record(t, actor, correlationID, ev)
}

// finish lets the record run on to end: the timers that close a resolved
// case, expire an approval, close an unanswered question.
func (s *sim) finish() error {
	_, err := s.advance(s.end)
	return err
}

// nextTimer is the earliest thing the case does by itself; the same
// choice as the case workflow's nextTimer (workflows/case.go).
func (s *sim) nextTimer() (time.Time, helpdesk.Event, bool) {
	c, p := s.state, s.policy
	var at time.Time
	var ev helpdesk.Event
	consider := func(t time.Time, e helpdesk.Event) {
		if ev == nil || t.Before(at) {
			at, ev = t, e
		}
	}
	if m, ok := c.NextSLAMilestone(p.SLA.WarnAt, s.cal); ok {
		consider(m.At, m.Event)
	}
	if o := s.outage; o != nil {
		if ev, ok := c.ResolveByOutage(o.link, o.comment); ok {
			consider(o.at, ev)
		}
	}
	switch c.Status {
	case helpdesk.StatusWaitingForUser:
		if !c.Reminded && p.ReminderDays > 0 {
			consider(s.cal.AddDays(c.WaitingSince, p.ReminderDays), helpdesk.ReplyReminded{Question: c.Question})
		}
		if p.AutoCloseDays > 0 {
			consider(s.cal.AddDays(c.WaitingSince, p.AutoCloseDays), helpdesk.CaseClosed{Reason: helpdesk.ClosedNoReply})
		}
	case helpdesk.StatusResolved:
		consider(s.cal.AddDays(c.ResolvedAt, p.ReopenDays), helpdesk.CaseClosed{Reason: helpdesk.ClosedReopenExpired})
	}
	for _, t := range c.Tasks {
		if t.Kind != helpdesk.TaskApproval || t.Status != helpdesk.TaskStatusOpen {
			continue
		}
		remindAt, escalateAt, expireAt := workflows.ApprovalSchedule(s.cal, p, t.CreatedAt, t.Fallback != "")
		if !t.Reminded && !remindAt.IsZero() {
			consider(remindAt, helpdesk.TaskReminded{TaskID: t.ID})
		}
		if !t.Escalated && !escalateAt.IsZero() {
			consider(escalateAt, helpdesk.TaskEscalated{TaskID: t.ID, From: t.Approver, To: t.Fallback})
		}
		if !expireAt.IsZero() {
			consider(expireAt, helpdesk.TaskCompleted{TaskID: t.ID, Outcome: helpdesk.OutcomeExpired, DecidedBy: systemActor.Username})
		}
	}
	return at, ev, ev != nil
}
