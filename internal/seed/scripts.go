package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// play is one case being written: its sim, its dice and who is in it.
type play struct {
	g        *generator
	r        *rand.Rand
	index    int // the case's number in the seed
	s        *sim
	reporter directory.User
	openCorr string
	// waiting is the task the case's process waits for (an order's, an
	// access's), empty when it waits for none.
	waiting string
}

// openTask records a task the case's process opens and waits for.
func (p *play) openTask(at time.Time, o helpdesk.TaskOpened) error {
	o.TaskID = helpdesk.TaskID(p.s.caseID, len(p.s.state.Tasks)+1)
	p.waiting = o.TaskID
	return p.s.append(at, systemActor.Username, p.openCorr, []helpdesk.Event{o})
}

// completed is the task the process waits for, once it is completed.
func (p *play) completed() (helpdesk.Task, bool) {
	t, ok := p.s.state.Task(p.waiting)
	return t, ok && t.Status == helpdesk.TaskStatusCompleted
}

// reject ends the case because of task t, as the workflows' reject does.
func (p *play) reject(at time.Time, why string, t helpdesk.Task) error {
	reason := why
	if t.Outcome == helpdesk.OutcomeExpired {
		reason = why + ": ingen avgjørelse innen fristen"
	} else if t.Comment != "" {
		reason = why + ": " + t.Comment
	}
	p.waiting = ""
	return p.s.record(at, systemActor, p.openCorr, helpdesk.CaseRejected{Reason: reason})
}

// complete has who complete task id at when (a step: the timers due
// before it fire first).
func (p *play) complete(when time.Time, who helpdesk.Actor, id string, done helpdesk.CompleteRequest) (bool, error) {
	return p.s.step("complete-task", when, who, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
		return c.CompleteTask(who, id, done)
	})
}

// approval is who decides approval t and when: mostly the approver the
// same day, some after the reminder, a few the fallback after the
// escalation. ok is false when nobody decides and it expires.
func (p *play) approval(t helpdesk.Task) (who helpdesk.Actor, when time.Time, ok bool) {
	u, _ := p.g.dir.User(t.Approver)
	who = u.Actor()
	switch x := p.r.IntN(100); {
	case x < 85:
		when = p.later(t.CreatedAt, hours(p.uniform(0.3, 7)))
	case x < 93:
		when = p.later(t.CreatedAt, hours(p.uniform(9, 16))) // after the reminder
	case x < 97 && t.Fallback != "":
		f, _ := p.g.dir.User(t.Fallback)
		who = f.Actor() // escalated; the fallback decides
		when = p.later(t.CreatedAt, hours(p.uniform(17.5, 34)))
	default:
		return helpdesk.Actor{}, time.Time{}, false
	}
	return who, when, true
}

func (p *play) corr() string { return uuidFrom(p.r).String() }

func uuidFrom(r *rand.Rand) uuid.UUID {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4, as uuid.NewString makes them
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b)
}

// hours is a duration of service time in hours.
func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func (p *play) uniform(lo, hi float64) float64 { return lo + p.r.Float64()*(hi-lo) }

// later is service time d after t (the Norwegian working calendar,
// 07:30–16:00 on working days).
func (p *play) later(t time.Time, d time.Duration) time.Time { return p.s.cal.Add(t, d) }

// share of a target that a step takes: mostly well within it, some
// close to it, a few past it (the breaches the KPI report counts).
func (p *play) share() float64 {
	switch x := p.r.Float64(); {
	case x < 0.85:
		return p.uniform(0.05, 0.7)
	case x < 0.93:
		return p.uniform(0.7, 1.0)
	default:
		return p.uniform(1.0, 2.5)
	}
}

func (p *play) caseworker(group string) (helpdesk.Actor, bool) {
	cws := p.g.caseworkers[group]
	if len(cws) == 0 {
		return helpdesk.Actor{}, false
	}
	return pick(p.r, cws).Actor(), true
}

// decider is a caseworker of group other than the reporter: nobody
// approves their own case.
func (p *play) decider(group string) (helpdesk.Actor, bool) {
	var cws []directory.User
	for _, u := range p.g.caseworkers[group] {
		if u.Username != p.reporter.Username {
			cws = append(cws, u)
		}
	}
	if len(cws) == 0 {
		return helpdesk.Actor{}, false
	}
	return pick(p.r, cws).Actor(), true
}

// ticket plays an incident or a guidance case: opened on the portal, by
// mail or on the phone; claimed by a caseworker of its group (some first
// handed to another group); comments both ways; sometimes a question to
// the reporter; resolved; confirmed, reopened or closed when the reopen
// window ends; now and then withdrawn.
func (p *play) ticket(kind helpdesk.Kind, at time.Time) error {
	g, r, s := p.g, p.r, p.s
	topics, prio := incidentTopics, pickPriority(r, []int{12, 60, 22, 6})
	if kind == helpdesk.KindGuidance {
		topics, prio = guidanceTopics, pickPriority(r, []int{35, 65, 0, 0})
	}
	t := pickTopic(r, topics)
	req := helpdesk.OpenRequest{Kind: kind, Title: pick(r, t.titles), Description: describe(r, t, p.reporter.DisplayName),
		Priority: prio, Service: t.service, Channel: helpdesk.ChannelPortal}
	opener := p.reporter.Actor()
	switch x := r.IntN(100); {
	case x < 22:
		req.Channel = helpdesk.ChannelEmail
	case x < 30:
		if cw, ok := p.caseworker(helpdesk.FirstLineGroup); ok {
			req.Channel, req.OnBehalfOf, opener = helpdesk.ChannelPhone, p.reporter.Username, cw
		}
	}
	if err := req.Normalize(opener); err != nil {
		return fmt.Errorf("seed: open request: %w", err)
	}
	opened := helpdesk.Open(s.caseID, g.ref, req, opener, g.policy.Routes)
	if req.Channel == helpdesk.ChannelEmail {
		opened.MailAuth = "dkim " + mailDomain
		opened.MailMessageID = uuidFrom(r).String() + "@" + mailDomain
	}
	evs := []helpdesk.Event{opened}
	if started, ok := helpdesk.StartSLA(g.policy.SLA, req.Priority, at.UTC(), s.cal); ok {
		evs = append(evs, started)
	}
	if err := s.append(at, opener.Username, p.openCorr, evs); err != nil {
		return err
	}
	reporter := p.reporter.Actor()
	cancel := r.IntN(100) < 3
	if cancel && r.IntN(2) == 0 { // withdrawn before anyone took it
		if _, err := s.step("cancel", at.Add(time.Duration(5+r.IntN(120))*time.Minute), reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Cancel(reporter, pick(r, cancelReasons))
		}); err != nil {
			return err
		}
		return s.finish()
	}
	targets := g.policy.SLA.Targets[req.Priority]
	claimAt := p.later(at, time.Duration(float64(targets.Response)*p.share()))
	group := s.state.Group
	if group == helpdesk.FirstLineGroup && kind == helpdesk.KindIncident && r.IntN(100) < 8 {
		// The first line hands it on to the service group.
		cw, _ := p.caseworker(helpdesk.FirstLineGroup)
		handAt := p.later(at, time.Duration(float64(targets.Response)*p.share()*0.5))
		ok, err := s.step("assign", handAt, cw, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Assign(cw, "", workflows.GroupService)
		})
		if !ok || err != nil {
			return err
		}
		group = workflows.GroupService
		claimAt = p.later(handAt, time.Duration(float64(targets.Response)*p.share()*0.5))
	}
	assignee, ok := p.caseworker(group)
	if !ok {
		return s.finish() // nobody in the group: it waits in the queue
	}
	if ok, err := s.step("claim", claimAt, assignee, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
		return c.Claim(assignee)
	}); !ok || err != nil {
		return err
	}
	if cancel {
		if _, err := s.step("cancel", p.later(claimAt, hours(p.uniform(0.2, 6))), reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Cancel(reporter, pick(r, cancelReasons))
		}); err != nil {
			return err
		}
		return s.finish()
	}
	resolveAt := p.later(claimAt, time.Duration(float64(targets.Resolution)*p.share()*0.9))
	if err := p.work(claimAt, resolveAt, assignee, reporter, 1); err != nil {
		return err
	}
	if s.stopped || s.state.Final() {
		return s.finish()
	}
	if ok, err := p.resolve(resolveAt, assignee); !ok || err != nil {
		return err
	}
	// The reporter confirms, reopens, or lets the window run out.
	switch x := r.IntN(100); {
	case x < 45:
		if _, err := s.step("confirm", p.later(s.last, hours(p.uniform(0.2, 20))), reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Confirm(reporter)
		}); err != nil {
			return err
		}
	case x < 49:
		reopenAt := p.later(s.last, hours(p.uniform(1, 30)))
		ok, err := s.step("reopen", reopenAt, reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Reopen(reporter, pick(r, reopenReasons))
		})
		if !ok || err != nil {
			return err
		}
		again := p.later(reopenAt, hours(p.uniform(1, 16)))
		if err := p.work(reopenAt, again, assignee, reporter, 0); err != nil {
			return err
		}
		if _, err := p.resolve(again, assignee); err != nil {
			return err
		}
	}
	return s.finish()
}

// work is what happens between claim and resolution: comments, and
// sometimes a question the reporter answers (or never does: the case
// closes itself after the reminder).
func (p *play) work(from, to time.Time, assignee, reporter helpdesk.Actor, weight int) error {
	r, s := p.r, p.s
	n := 0
	switch x := r.IntN(100); {
	case x < 35*weight:
	case x < 65:
		n = 1
	case x < 83:
		n = 2
	case x < 93:
		n = 3
	default:
		n = 4 + r.IntN(5)
	}
	// Caseworkers and reporters write in service hours: the steps are
	// spread over the service time between from and to.
	span := s.cal.Between(from, to)
	if span <= 0 {
		span = time.Minute
	}
	ask := weight > 0 && r.IntN(100) < 15
	for i := 0; i < n || ask; i++ {
		at := p.later(from, time.Duration(float64(span)*(float64(i)+r.Float64())/float64(n+1)))
		if ask && (i >= n || r.IntN(2) == 0) {
			ask = false
			ok, err := s.step("request-info", at, assignee, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
				return c.RequestInfo(assignee, pick(r, questions))
			})
			if !ok || err != nil {
				return err
			}
			if r.IntN(100) < 12 {
				return nil // no answer: reminded, then closed for want of a reply
			}
			replyAt := p.later(at, hours(p.uniform(0.3, 14)))
			if ok, err := s.step("reply", replyAt, reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
				return c.Reply(reporter, pick(r, replies))
			}); !ok || err != nil {
				return err
			}
			continue
		}
		if i >= n {
			continue
		}
		author, body, internal := assignee, pick(r, caseworkerNotes), false
		switch x := r.IntN(100); {
		case x < 25:
			body, internal = pick(r, internalNotes), true
		case x < 60:
			author, body = reporter, pick(r, replies)
		}
		if ok, err := s.step("comment", at, author, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Comment(author, fmt.Sprintf("c%d", c.Revision+1), body, internal)
		}); !ok || err != nil {
			return err
		}
	}
	return nil
}

func (p *play) resolve(at time.Time, assignee helpdesk.Actor) (bool, error) {
	if p.s.state.Status == helpdesk.StatusWaitingForUser || p.s.stopped || p.s.state.Final() {
		return false, p.s.finish()
	}
	ok, err := p.s.step("resolve", at, assignee, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
		return c.Resolve(assignee, pick(p.r, resolutions))
	})
	if !ok || err != nil {
		return false, err
	}
	return true, nil
}

func pickPriority(r *rand.Rand, weights []int) helpdesk.Priority {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return helpdesk.Priorities[i]
		}
		n -= w
	}
	return helpdesk.PriorityNormal
}

// order plays an order as its workflow runs it (workflows/order.go):
// non-standard items go through the IT review and the cost centre's
// budget holder (reminded, escalated to the fallback, expired as the
// timers say); then ordering and delivery as fulfilment tasks; resolved
// by the process; confirmed, or closed when the window ends.
func (p *play) order(at time.Time) error {
	g, r, s := p.g, p.r, p.s
	reporter := p.reporter.Actor()
	req := helpdesk.OrderRequest{Kind: helpdesk.KindOrder, Title: pick(r, orderTitles), CostCenter: p.reporter.Unit}
	for range 1 + r.IntN(3) {
		req.Items = append(req.Items, helpdesk.OrderItem{CatalogItem: pick(r, g.catalogIDs), Quantity: 1 + r.IntN(2)})
	}
	if r.IntN(100) < 28 {
		n := pick(r, nonStandard)
		cost := n.min + r.Int64N(n.max-n.min)
		req.Items = append(req.Items, helpdesk.OrderItem{Description: n.what, EstimatedCostNOK: &cost, Quantity: 1})
	}
	order, err := req.Price(g.catalog, g.dir.HasUnit)
	if err != nil {
		return fmt.Errorf("seed: order: %w", err)
	}
	budgetHolder, fallback := g.dir.BudgetHolder(req.CostCenter), g.dir.FallbackApprover()
	if budgetHolder == "" || budgetHolder == reporter.Username {
		budgetHolder = fallback
	}
	if err := s.append(at, reporter.Username, p.openCorr, []helpdesk.Event{helpdesk.OpenOrder(s.caseID, g.ref, req, reporter), helpdesk.OrderPlaced{Order: order}}); err != nil {
		return err
	}
	// The process: which task it waits for, and what it does next.
	orderTask := helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "order", Group: workflows.GroupFirstLine, Title: "Bestill varene"}
	deliverTask := helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "deliver", Group: workflows.GroupFirstLine, Title: "Lever varene til bestilleren"}
	costTask := helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: budgetHolder, Fallback: fallback,
		CostNOK: order.NonStandardNOK, Title: "Godkjenn kostnaden på " + fmt.Sprintf("%d kr", order.NonStandardNOK) + " for " + order.CostCenter}
	s.react = func(at time.Time) error {
		t, ok := p.completed()
		if !ok {
			return nil
		}
		at = at.Add(40 * time.Millisecond) // the process's next workflow task
		switch t.Type {
		case "it-review":
			if t.Outcome != helpdesk.OutcomeApproved {
				return p.reject(at, "IT-vurderingen avslo bestillingen", t)
			}
			return p.openTask(at, costTask)
		case "cost-approval":
			if t.Outcome != helpdesk.OutcomeApproved {
				return p.reject(at, "Budsjettansvarlig godkjente ikke kostnaden", t)
			}
			return p.openTask(at, orderTask)
		case "order":
			if t.Outcome != helpdesk.OutcomeDone {
				return p.openTask(at, orderTask)
			}
			return p.openTask(at, deliverTask)
		case "deliver":
			if t.Outcome != helpdesk.OutcomeDone {
				return p.openTask(at, deliverTask)
			}
			p.waiting = ""
			return s.record(at, systemActor, p.openCorr, helpdesk.CaseResolved{Resolution: "Varene er levert."})
		}
		return nil
	}
	first := orderTask
	if order.NeedsApproval() {
		first = helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: workflows.GroupService,
			Title: "IT-vurdering av bestilling utenfor standardkatalogen", CostNOK: order.NonStandardNOK}
	}
	if err := p.openTask(at.Add(40*time.Millisecond), first); err != nil {
		return err
	}
	// The people: each task completed by whoever may, when they get to it.
	for !s.stopped && !s.state.Final() && p.waiting != "" {
		t, _ := s.state.Task(p.waiting)
		if t.Status != helpdesk.TaskStatusOpen {
			break
		}
		var who helpdesk.Actor
		var when time.Time
		done := helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone}
		switch t.Type {
		case "it-review":
			var ok bool
			if who, ok = p.decider(t.Group); !ok {
				return s.finish() // nobody else may decide: it expires
			}
			when = p.later(t.CreatedAt, hours(p.uniform(0.5, 14)))
			done.Outcome = helpdesk.OutcomeApproved
			if r.IntN(100) < 10 {
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeRejected, Comment: "Dekkes av standardkatalogen"}
			}
		case "cost-approval":
			var ok bool
			if who, when, ok = p.approval(t); !ok {
				return s.finish() // nobody decides: it expires, the order is rejected
			}
			done.Outcome = helpdesk.OutcomeApproved
			if r.IntN(100) < 6 {
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeRejected, Comment: "Ikke rom i budsjettet i år"}
			}
		case "order":
			who, _ = p.caseworker(t.Group)
			when = p.later(t.CreatedAt, hours(p.uniform(1, 20)))
			if r.IntN(100) < 3 {
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeFailed, Comment: "Leverandøren har ikke varen på lager"}
			}
		case "deliver":
			who, _ = p.caseworker(t.Group)
			when = p.later(t.CreatedAt, hours(p.uniform(4, 40)))
			if r.IntN(100) < 2 {
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeFailed, Comment: "Ingen til stede ved levering"}
			}
		}
		if ok, err := p.complete(when, who, t.ID, done); !ok || err != nil {
			return err
		}
	}
	if s.state.Status == helpdesk.StatusResolved && !s.stopped && r.IntN(100) < 30 {
		if _, err := s.step("confirm", p.later(s.last, hours(p.uniform(0.5, 20))), reporter, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Confirm(reporter)
		}); err != nil {
			return err
		}
	}
	return s.finish()
}

// sortedKeys returns m's keys in order: map order would make the record
// differ from run to run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
