package seed

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// A county hires and loses about a tenth of its staff a year, and each
// hire and each departure is a case its manager reports: a few in a
// hundred of the help desk's cases.
const (
	newUserShare   = 0.02
	departureShare = 0.015
)

// The people the seed hires and sees leave are not in the directory:
// the directory says who works in the county now, and the record's
// years went by before. A new employee's account is theirs from the
// record on (person-<username>, account-created); someone who left had
// their account disabled (account-disabled). Their usernames carry the
// case's number in the seed, so no two are alike.
var (
	givenNames  = []string{"Ingrid", "Lars", "Sofie", "Magnus", "Nora", "Henrik", "Emma", "Jonas", "Thea", "Sindre", "Aisha", "Mateusz", "Linnea", "Øyvind", "Åse"}
	familyNames = []string{"Haugen", "Berg", "Johansen", "Dahl", "Lie", "Nilsen", "Solberg", "Bakke", "Strand", "Ødegård", "Nowak", "Ali", "Moen"}
	jobTitles   = []string{"Lektor", "Rådgiver", "Saksbehandler", "Konsulent", "Renholder", "Miljøterapeut", "Controller", "Arkivar", "Lærling", "Seniorrådgiver"}
	software    = []string{"Visma", "Elevsystemet", "ESA-klient", "Adobe Acrobat", "AutoCAD"}
)

// failedBecause is what the first line says when a task of a type fails.
var failedBecause = map[string]string{
	helpdesk.TaskTypeCreateAccount: "Kontoen kunne ikke opprettes: AD svarte ikke",
	"mailbox-licence":              "Ingen ledige lisenser akkurat nå",
	"equipment":                    "Leverandøren har ikke levert utstyret ennå",
	"software":                     "Installasjonen feilet",
	"disable-account":              "Kontoen kunne ikke deaktiveres: AD svarte ikke",
	"mailbox":                      "Videresendingen kunne ikke settes opp",
	"return-equipment":             "Den ansatte har ikke levert utstyret ennå",
}

// baseType is a task's type without the "-again" of each hand-out.
func baseType(typ string) string {
	for strings.HasSuffix(typ, "-again") {
		typ = strings.TrimSuffix(typ, "-again")
	}
	return typ
}

// person is a made-up employee: their name and a username of their own.
func (p *play) person() (given, family, username string) {
	given, family = pick(p.r, givenNames), pick(p.r, familyNames)
	return given, family, fmt.Sprintf("%s.%s%d", asciiName(given), asciiName(family), p.index)
}

// asciiName is a name as a username has it: lowercase ASCII.
func asciiName(s string) string {
	return strings.NewReplacer("æ", "ae", "ø", "o", "å", "a").Replace(strings.ToLower(s))
}

// newUser plays a new employee's onboarding as its workflow runs it
// (workflows/newuser.go): the manager of the unit asks weeks ahead; the
// first line gets the account, the mailbox and licence, the equipment and
// the software as tasks due one service day before the start; creating
// the account reserves the username and records it; a failed task is
// handed out again; work still open three service days before the start
// is escalated; on the start date the manager is told what is ready; the
// process resolves the case once all is done. (No ESA access from the
// start: that is a case of its own with a reference of its own, which
// the seed does not allocate mid-way; managers ask for access later.)
func (p *play) newUser(at time.Time, tm team) error {
	g, r, s := p.g, p.r, p.s
	manager := tm.manager.Actor()
	given, family, username := p.person()
	day := at.In(helpdesk.Oslo)
	req := helpdesk.NewUserRequest{Kind: helpdesk.KindNewUser, Unit: tm.unit, JobTitle: pick(r, jobTitles),
		StartDate: startDay(g, day.AddDate(0, 0, 10+r.IntN(50)))}
	req.Employee.GivenName, req.Employee.FamilyName = given, family
	if r.IntN(100) < 25 { // a fixed-term post
		start, _ := time.ParseInLocation(time.DateOnly, req.StartDate, helpdesk.Oslo)
		req.EndDate = start.AddDate(0, 0, 90+r.IntN(270)).Format(time.DateOnly)
	}
	for _, i := range r.Perm(len(g.catalogIDs))[:r.IntN(3)] {
		req.Equipment = append(req.Equipment, g.catalogIDs[i])
	}
	slices.Sort(req.Equipment)
	for _, i := range r.Perm(len(software))[:r.IntN(3)] {
		req.Software = append(req.Software, software[i])
	}
	if err := req.Normalize(day.Format(time.DateOnly), g.catalog); err != nil {
		return fmt.Errorf("seed: new-user request: %w", err)
	}
	if err := s.append(at, manager.Username, p.openCorr, []helpdesk.Event{
		helpdesk.OpenNewUser(s.caseID, g.ref, req, manager), helpdesk.NewUserRequested{Request: req}}); err != nil {
		return err
	}
	start, due, escalateAt := workflows.NewUserSchedule(g.cal, req.StartDate)
	name := req.DisplayName()
	todo := []helpdesk.TaskOpened{
		{Kind: helpdesk.TaskFulfilment, Type: helpdesk.TaskTypeCreateAccount, Group: workflows.GroupFirstLine, DueAt: due,
			Title: "Opprett konto for " + name + " (oppgi brukernavnet som output)"},
		{Kind: helpdesk.TaskFulfilment, Type: "mailbox-licence", Group: workflows.GroupFirstLine, DueAt: due,
			Title: "Opprett postkasse og tildel lisens for " + name},
	}
	if len(req.Equipment) > 0 {
		todo = append(todo, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "equipment", Group: workflows.GroupFirstLine, DueAt: due,
			Title: "Klargjør utstyr for " + name + ": " + strings.Join(req.Equipment, ", ")})
	}
	if len(req.Software) > 0 {
		todo = append(todo, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "software", Group: workflows.GroupFirstLine, DueAt: due,
			Title: "Installer programvare for " + name + ": " + strings.Join(req.Software, ", ")})
	}
	// The process after each event, in the order runNewUser looks.
	s.react = func(at time.Time) error {
		c := s.state
		at = at.Add(40 * time.Millisecond) // the process's next workflow task
		if c.NewUser.Username == "" {
			if t, ok := c.LatestTask(helpdesk.TaskTypeCreateAccount); ok && t.Status == helpdesk.TaskStatusCompleted && t.Outcome == helpdesk.OutcomeDone && t.Output != "" {
				// (appended, not recorded: the process goes on below, as
				// runNewUser's loop does, rather than waking again)
				if err := s.append(at, systemActor.Username, p.openCorr, []helpdesk.Event{helpdesk.UserAccountCreated{Username: t.Output}}); err != nil {
					return err
				}
				if err := s.person(at, p.openCorr, t.Output, helpdesk.PersonEvent{What: "account-created", CaseID: s.caseID,
					DisplayName: name, Unit: req.Unit, From: req.StartDate}); err != nil {
					return err
				}
				c = s.state
			}
		}
		again := false
		for _, t := range c.Tasks {
			if t.Status == helpdesk.TaskStatusCompleted && t.Outcome == helpdesk.OutcomeFailed && !c.HandedOutAgain(t) {
				// (one append each, as runNewUser opens them)
				if err := p.openTasks(at, []helpdesk.TaskOpened{{Kind: t.Kind, Type: t.Type + "-again", Group: t.Group, DueAt: t.DueAt, Title: t.Title}}); err != nil {
					return err
				}
				again = true
			}
		}
		if again {
			return nil
		}
		if len(c.OpenTaskTitles()) == 0 && c.NewUser.Username != "" && c.Status != helpdesk.StatusResolved {
			return s.record(at, systemActor, p.openCorr, helpdesk.CaseResolved{Resolution: "Alt er klart til oppstart for " + name + "."})
		}
		return nil
	}
	if err := p.openTasks(at.Add(40*time.Millisecond), todo); err != nil {
		return err
	}
	// The first line does each task when it gets to it: most in good
	// time, some on the last day, a few after the start.
	type plan struct {
		when time.Time
		who  helpdesk.Actor
		done helpdesk.CompleteRequest
	}
	plans := map[string]plan{}
	for !s.stopped && !s.state.Final() {
		c := s.state
		var next helpdesk.Task
		for _, t := range c.Tasks {
			if t.Status != helpdesk.TaskStatusOpen {
				continue
			}
			pl, ok := plans[t.ID]
			if !ok {
				who, _ := p.caseworker(t.Group)
				left := g.cal.Between(t.CreatedAt, t.DueAt)
				pl = plan{when: p.later(t.CreatedAt, time.Duration(float64(left)*p.taskShare())), who: who,
					done: helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone}}
				switch {
				case r.IntN(100) < 3:
					pl.done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeFailed, Comment: failedBecause[baseType(t.Type)]}
				case t.OutputRule() == helpdesk.OutputUsername:
					pl.done.Output = username
				}
				plans[t.ID] = pl
			}
			if next.ID == "" || pl.when.Before(plans[next.ID].when) {
				next = t
			}
		}
		if next.ID == "" {
			break // all done; the report waits for the start date below
		}
		// The process's own dates come first when they are earlier.
		if missing := c.OpenTaskTitles(); !c.NewUser.Escalated && escalateAt.Before(plans[next.ID].when) {
			if ok, err := p.processAt(escalateAt, helpdesk.OnboardingEscalated{Missing: missing}); !ok || err != nil {
				return err
			}
			continue
		}
		if !c.NewUser.Reported && start.Before(plans[next.ID].when) {
			if ok, err := p.processAt(start, helpdesk.OnboardingReported{Ready: false, Missing: c.OpenTaskTitles()}); !ok || err != nil {
				return err
			}
			continue
		}
		pl, corr := plans[next.ID], p.corr()
		if pl.done.Output != "" {
			// The step reserves the username first (ReserveUsername).
			when := s.after(pl.when)
			if ok, err := s.advance(when); !ok || err != nil || s.state.Final() {
				return err
			}
			if err := s.reserve(when, pl.who, corr, pl.done.Output); err != nil {
				return err
			}
		}
		ok, err := s.step("complete-task", pl.when, pl.who, corr, func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.CompleteTask(pl.who, next.ID, pl.done)
		})
		if !ok || err != nil {
			return err
		}
	}
	if !s.stopped && !s.state.Final() && !s.state.NewUser.Reported {
		if _, err := p.processAt(start, helpdesk.OnboardingReported{Ready: true}); err != nil {
			return err
		}
	}
	return s.finish()
}

// processAt records what the process does by itself at t (a date of its
// own), once the case's timers due before have fired. ok is false when
// the case ended first or t is past the record's end.
func (p *play) processAt(t time.Time, ev helpdesk.Event) (bool, error) {
	s := p.s
	if ok, err := s.advance(t); !ok || err != nil || s.state.Final() {
		return false, err
	}
	return true, s.record(s.after(t), systemActor, p.openCorr, ev)
}

// openTasks records tasks the process opens at once without waiting for
// them (workflows' openTasks).
func (p *play) openTasks(at time.Time, opened []helpdesk.TaskOpened) error {
	events := make([]helpdesk.Event, len(opened))
	for i := range opened {
		opened[i].TaskID = helpdesk.TaskID(p.s.caseID, len(p.s.state.Tasks)+1+i)
		events[i] = opened[i]
	}
	return p.s.append(at, systemActor.Username, p.openCorr, events)
}

// taskShare is how much of the time until a task is due its doing
// takes: mostly well within it, some close, a few past it.
func (p *play) taskShare() float64 {
	switch x := p.r.Float64(); {
	case x < 0.88:
		return p.uniform(0.02, 0.5)
	case x < 0.96:
		return p.uniform(0.5, 0.95)
	default:
		return p.uniform(0.95, 1.3)
	}
}

// startDay is the first working day on or after t, as a date: people
// start on a working day.
func startDay(g *generator, t time.Time) string {
	for !g.cal.IsOpen(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, helpdesk.Oslo)) {
		t = t.AddDate(0, 0, 1)
	}
	return t.Format(time.DateOnly)
}

// departure plays an employee's leaving as its workflow runs it
// (workflows/departure.go): the manager reports it weeks ahead (now and
// then withdraws it); at the end of the last working day it takes effect
// (the employee's active accesses are asked to be removed: the people who
// leave in the seed have none), and the first line disables the account,
// handles the mailbox and takes the equipment back, one task after the
// other, each handed out again if it failed; the account's disabling is
// recorded in the employee's stream; the process resolves the case.
func (p *play) departure(at time.Time, tm team) error {
	g, r, s := p.g, p.r, p.s
	manager := tm.manager.Actor()
	given, family, username := p.person()
	day := at.In(helpdesk.Oslo)
	req := helpdesk.DepartureRequest{Kind: helpdesk.KindDeparture, Employee: username,
		LastWorkingDay: startDay(g, day.AddDate(0, 0, 7+r.IntN(50))), ReturnEquipment: r.IntN(100) < 70}
	if r.IntN(100) < 40 {
		req.MailboxForwardTo = manager.Username
	}
	if err := req.Normalize(day.Format(time.DateOnly)); err != nil {
		return fmt.Errorf("seed: departure request: %w", err)
	}
	if err := s.append(at, manager.Username, p.openCorr, []helpdesk.Event{
		helpdesk.OpenDeparture(s.caseID, g.ref, req, given+" "+family, manager), helpdesk.DepartureRequested{Departure: req}}); err != nil {
		return err
	}
	effect := workflows.DepartureTime(req.LastWorkingDay)
	if r.IntN(100) < 4 { // the employee stays after all
		withdraw := at.Add(time.Duration(float64(effect.Sub(at)) * p.uniform(0.1, 0.9)))
		if _, err := s.step("cancel", withdraw, manager, p.corr(), func(c helpdesk.Case) (helpdesk.Event, error) {
			return c.Cancel(manager, "Den ansatte blir likevel.")
		}); err != nil {
			return err
		}
		return s.finish()
	}
	if ok, err := s.advance(effect); !ok || err != nil || s.state.Final() {
		return err
	}
	s.activity++ // the ActiveAccesses activity (none: nil, as its answer decodes)
	if err := s.record(s.after(effect), systemActor, p.openCorr, helpdesk.DepartureTookEffect{}); err != nil {
		return err
	}
	mailbox := "Behold postkassen til " + username + " (ingen videresending)"
	if req.MailboxForwardTo != "" {
		mailbox = "Videresend e-posten til " + username + " til " + req.MailboxForwardTo
	}
	todo := []helpdesk.TaskOpened{
		{Kind: helpdesk.TaskFulfilment, Type: "disable-account", Group: workflows.GroupFirstLine, Title: "Deaktiver kontoen til " + username},
		{Kind: helpdesk.TaskFulfilment, Type: "mailbox", Group: workflows.GroupFirstLine, Title: mailbox},
	}
	if req.ReturnEquipment {
		todo = append(todo, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "return-equipment", Group: workflows.GroupFirstLine,
			Title: "Ta imot utstyret til " + username})
	}
	// The process: the next task once one is done, the account's
	// disabling in the employee's stream, the resolution after the last.
	next := 0
	s.react = func(at time.Time) error {
		t, ok := p.completed()
		if !ok {
			return nil
		}
		at = at.Add(40 * time.Millisecond) // the process's next workflow task
		if t.Outcome != helpdesk.OutcomeDone {
			again := todo[next]
			again.Type = t.Type + "-again"
			return p.openTask(at, again)
		}
		if strings.HasPrefix(t.Type, "disable-account") {
			if err := s.person(at, p.openCorr, username, helpdesk.PersonEvent{What: "account-disabled", CaseID: s.caseID}); err != nil {
				return err
			}
		}
		if next++; next < len(todo) {
			return p.openTask(at, todo[next])
		}
		p.waiting = ""
		return s.record(at, systemActor, p.openCorr, helpdesk.CaseResolved{Resolution: "Fratreden er gjennomført: konto deaktivert og tilganger fjernet."})
	}
	if err := p.openTask(s.last.Add(40*time.Millisecond), todo[0]); err != nil {
		return err
	}
	for !s.stopped && !s.state.Final() && p.waiting != "" {
		t, _ := s.state.Task(p.waiting)
		who, _ := p.caseworker(t.Group)
		when := p.later(t.CreatedAt, hours(p.uniform(0.2, 10)))
		done := helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone}
		if r.IntN(100) < 3 {
			done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeFailed, Comment: failedBecause[baseType(t.Type)]}
		}
		if ok, err := p.complete(when, who, t.ID, done); !ok || err != nil {
			return err
		}
	}
	return s.finish()
}
