package workflows_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Times in these tests are Oslo wall-clock times; the fixture starts the
// case on Tuesday 24 November 2026 at 09:00 with priority normal (response
// 4 h, resolution 25.5 h of service time, 07:30–16:00 on working days).
func oslo(month time.Month, day, hour, minute, second int) time.Time {
	return time.Date(2026, month, day, hour, minute, second, 0, helpdesk.Oslo)
}

// after is the offset from the fixture's start to an Oslo time.
func after(t time.Time) time.Duration { return t.Sub(oslo(11, 24, 9, 0, 0)) }

type recorded struct {
	Type string
	At   time.Time
	Data json.RawMessage
}

func (f *fixture) events(t *testing.T) []recorded {
	t.Helper()
	evs, err := f.store.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]recorded, len(evs))
	for i, e := range evs {
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		out[i] = recorded{Type: e.Type, At: m.OccurredAt, Data: e.Data}
	}
	return out
}

// expectEvents checks the case's events after the opening two
// (CaseOpened, SLAStarted): their types and, where given, their times.
func expectEvents(t *testing.T, got []recorded, want []recorded) {
	t.Helper()
	if len(got) < 2 || got[0].Type != "CaseOpened" || got[1].Type != "SLAStarted" {
		t.Fatalf("case does not open with CaseOpened, SLAStarted: %v", got)
	}
	got = got[2:]
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			t.Errorf("event %d: missing, want %s at %v", i+2, want[i].Type, want[i].At)
		case i >= len(want):
			t.Errorf("event %d: unexpected %s at %v %s", i+2, got[i].Type, got[i].At.In(helpdesk.Oslo), got[i].Data)
		case got[i].Type != want[i].Type || (!want[i].At.IsZero() && !got[i].At.Equal(want[i].At)):
			t.Errorf("event %d: got %s at %v %s, want %s at %v", i+2, got[i].Type, got[i].At.In(helpdesk.Oslo), got[i].Data, want[i].Type, want[i].At)
		}
	}
}

func field[T any](t *testing.T, r recorded) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSLAWarnsAndBreachesOnServiceHours(t *testing.T) {
	f := newFixture(t)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, after(oslo(12, 7, 12, 0, 0)))
	f.run(input())

	evs := f.events(t)
	started := field[helpdesk.SLAStarted](t, evs[1])
	if !started.ResponseDue.Equal(oslo(11, 24, 13, 0, 0)) || !started.ResolutionDue.Equal(oslo(11, 27, 9, 0, 0)) {
		t.Errorf("deadlines: response %v resolution %v, want Tue 13:00 and Fri 09:00",
			started.ResponseDue.In(helpdesk.Oslo), started.ResolutionDue.In(helpdesk.Oslo))
	}
	expectEvents(t, evs, []recorded{
		{Type: "SLAWarned", At: oslo(11, 24, 12, 0, 0)},   // 75 % of 4 h
		{Type: "SLABreached", At: oslo(11, 24, 13, 0, 0)}, // 4 h
		{Type: "SLAWarned", At: oslo(11, 26, 11, 7, 30)},  // 75 % of 25.5 h: 7 + 8.5 + 3.625 h
		{Type: "SLABreached", At: oslo(11, 27, 9, 0, 0)},  // 25.5 h: 7 + 8.5 + 8.5 + 1.5 h
	})
	if c := field[helpdesk.SLAWarned](t, evs[2]); c.Clock != helpdesk.ClockResponse {
		t.Errorf("first warning is for the %s clock, want response", c.Clock)
	}
	if c := field[helpdesk.SLABreached](t, evs[5]); c.Clock != helpdesk.ClockResolution {
		t.Errorf("last breach is for the %s clock, want resolution", c.Clock)
	}
}

func TestSLAPausesWhileWaitingForTheUser(t *testing.T) {
	f := newFixture(t)
	var claim, ask, reply, cancel outcome
	f.step(after(oslo(11, 24, 9, 30, 0)), workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claim)
	f.step(after(oslo(11, 24, 10, 0, 0)), workflows.UpdateRequestInfo, workflows.StepInput{Actor: per, Question: "Hvilken skriver?"}, &ask)
	f.step(after(oslo(11, 25, 10, 0, 0)), workflows.UpdateReply, workflows.StepInput{Actor: ola, Body: "Den i 3. etasje."}, &reply)
	f.step(after(oslo(11, 25, 10, 30, 0)), workflows.UpdateCancel, workflows.StepInput{Actor: ola, Reason: "Den virker nå."}, &cancel)
	f.run(input())

	for name, o := range map[string]outcome{"claim": claim, "request-info": ask, "reply": reply, "cancel": cancel} {
		if o.err != nil {
			t.Fatalf("%s: %v", name, o.err)
		}
	}
	if got := ask.view.Case; got.Status != helpdesk.StatusWaitingForUser || !got.SLA.Paused || got.SLA.ResolutionDue != nil {
		t.Errorf("while waiting: status %s, sla %+v; want waiting-for-user, paused, no due", got.Status, got.SLA)
	}
	evs := f.events(t)
	expectEvents(t, evs, []recorded{
		{Type: "CaseClaimed", At: oslo(11, 24, 9, 30, 0)},
		{Type: "SLAResponded"},
		{Type: "InfoRequested", At: oslo(11, 24, 10, 0, 0)},
		{Type: "SLAPaused"},
		{Type: "UserReplied", At: oslo(11, 25, 10, 0, 0)},
		{Type: "SLAResumed"},
		{Type: "CaseCancelled", At: oslo(11, 25, 10, 30, 0)},
		{Type: "SLAStopped"},
	})
	if p := field[helpdesk.SLAPaused](t, evs[5]); p.Used != time.Hour {
		t.Errorf("used when paused = %v, want 1h", p.Used)
	}
	// 24.5 h left from Wednesday 10:00: 6 + 8.5 + 8.5 h, then 1.5 h on Monday.
	if r := field[helpdesk.SLAResumed](t, evs[7]); !r.ResolutionDue.Equal(oslo(11, 30, 9, 0, 0)) || r.ResponseDue != nil {
		t.Errorf("resumed: resolution due %v, response due %v; want Mon 30 Nov 09:00 and none", r.ResolutionDue.In(helpdesk.Oslo), r.ResponseDue)
	}
	if s := field[helpdesk.SLAStopped](t, evs[9]); s.Used != 90*time.Minute || !s.WithinTarget {
		t.Errorf("stopped = %+v, want 1h30m used, within target", s)
	}
	if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
		t.Errorf("a cancelled case's workflow must end cleanly: completed %v, error %v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
	}
}

func TestUnansweredQuestionRemindsThenCloses(t *testing.T) {
	f := newFixture(t)
	var claim, ask outcome
	f.step(after(oslo(11, 24, 9, 30, 0)), workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claim)
	f.step(after(oslo(11, 24, 10, 0, 0)), workflows.UpdateRequestInfo, workflows.StepInput{Actor: per, Question: "Hvilken skriver?"}, &ask)
	f.run(input())

	if !f.env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not finish by itself")
	}
	expectEvents(t, f.events(t), []recorded{
		{Type: "CaseClaimed"}, {Type: "SLAResponded"},
		{Type: "InfoRequested"}, {Type: "SLAPaused"},
		{Type: "ReplyReminded", At: oslo(11, 27, 10, 0, 0)}, // 3 service days
		{Type: "CaseClosed", At: oslo(12, 8, 10, 0, 0)},     // 10 service days
		{Type: "SLAStopped"},
	})
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusClosed || final.CloseReason != helpdesk.ClosedNoReply {
		t.Errorf("final = %s (%s), want closed (no-reply)", final.Status, final.CloseReason)
	}
}

func TestReopenWithinWindowThenClosesByItself(t *testing.T) {
	f := newFixture(t)
	var claim, resolve, reopen, resolve2, lateReopen outcome
	f.step(after(oslo(11, 24, 9, 10, 0)), workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claim)
	f.step(after(oslo(11, 24, 10, 0, 0)), workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Startet på nytt."}, &resolve)
	f.step(after(oslo(11, 25, 9, 0, 0)), workflows.UpdateReopen, workflows.StepInput{Actor: ola, Reason: "Feilen er tilbake."}, &reopen)
	f.step(after(oslo(11, 25, 11, 0, 0)), workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Byttet kabel."}, &resolve2)
	f.step(after(oslo(12, 2, 11, 0, 1)), workflows.UpdateReopen, workflows.StepInput{Actor: ola, Reason: "For sent?"}, &lateReopen)
	f.run(input())

	for name, o := range map[string]outcome{"claim": claim, "resolve": resolve, "reopen": reopen, "second resolve": resolve2} {
		if o.err != nil {
			t.Fatalf("%s: %v", name, o.err)
		}
	}
	if lateReopen.succeeded {
		t.Error("reopen after the window succeeded")
	}
	evs := f.events(t)
	expectEvents(t, evs, []recorded{
		{Type: "CaseClaimed"}, {Type: "SLAResponded"},
		{Type: "CaseResolved", At: oslo(11, 24, 10, 0, 0)}, {Type: "SLAStopped"},
		{Type: "CaseReopened", At: oslo(11, 25, 9, 0, 0)}, {Type: "SLAResumed"},
		{Type: "CaseResolved", At: oslo(11, 25, 11, 0, 0)}, {Type: "SLAStopped"},
		{Type: "CaseClosed", At: oslo(12, 2, 11, 0, 0)}, // 5 service days after the last resolution
	})
	// 24.5 h left from Wednesday 09:00: 7 + 8.5 + 8.5 h, then 0.5 h on Monday.
	if r := field[helpdesk.SLAResumed](t, evs[7]); !r.ResolutionDue.Equal(oslo(11, 30, 8, 0, 0)) {
		t.Errorf("after reopening, resolution due %v, want Mon 30 Nov 08:00", r.ResolutionDue.In(helpdesk.Oslo))
	}
	if s := field[helpdesk.SLAStopped](t, evs[9]); s.Used != 3*time.Hour {
		t.Errorf("used at second resolution = %v, want 3h", s.Used)
	}
	if reopen.view.Case.Reopened != 1 {
		t.Errorf("reopened count = %d, want 1", reopen.view.Case.Reopened)
	}
	if c := field[helpdesk.CaseClosed](t, evs[10]); c.Reason != helpdesk.ClosedReopenExpired {
		t.Errorf("close reason = %s, want reopen-expired", c.Reason)
	}
}

func TestAssignmentAndComments(t *testing.T) {
	f := newFixture(t)
	var toGroup, toLise, internalByOla, internalByLise, publicByOla, eva outcome
	evaActor := helpdesk.Actor{Username: "eva", Roles: []helpdesk.Role{helpdesk.RoleEmployee}}
	f.step(time.Minute, workflows.UpdateAssign, workflows.StepInput{Actor: per, Group: "tjeneste"}, &toGroup)
	f.step(2*time.Minute, workflows.UpdateAssign, workflows.StepInput{Actor: per, Assignee: "lise"}, &toLise)
	f.step(3*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "hemmelig", Internal: true}, &internalByOla)
	f.step(4*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: lise, Body: "Kjent feil i driver.", Internal: true}, &internalByLise)
	f.step(5*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "Takk!"}, &publicByOla)
	f.step(6*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: evaActor, Body: "Meg også"}, &eva)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, time.Hour)
	f.run(input())

	if c := toGroup.view.Case; toGroup.err != nil || c.Group != "tjeneste" || c.Assignee != "" || c.Status != helpdesk.StatusNew {
		t.Errorf("assign to group: %v, case %s/%q/%s; want tjeneste, nobody, new", toGroup.err, c.Group, c.Assignee, c.Status)
	}
	if c := toLise.view.Case; toLise.err != nil || c.Assignee != "lise" || c.Status != helpdesk.StatusInProgress || c.SLA.RespondedAt == nil {
		t.Errorf("assign to lise: %v, case %q/%s responded %v", toLise.err, c.Assignee, c.Status, c.SLA.RespondedAt)
	}
	if internalByOla.err == nil || errorCode(t, internalByOla.err) != helpdesk.CodeForbidden {
		t.Errorf("employee's internal comment: got %v, want forbidden", internalByOla.err)
	}
	if eva.err == nil || errorCode(t, eva.err) != helpdesk.CodeForbidden {
		t.Errorf("stranger's comment: got %v, want forbidden", eva.err)
	}
	c := publicByOla.view.Case
	if internalByLise.err != nil || publicByOla.err != nil || len(c.Comments) != 2 {
		t.Fatalf("comments: %v, %v, %d comments", internalByLise.err, publicByOla.err, len(c.Comments))
	}
	seen := c.VisibleTo(ola)
	if len(seen.Comments) != 1 || seen.Comments[0].Body != "Takk!" || seen.Comments[0].Author != "ola" {
		t.Errorf("the reporter sees %+v, want only their own public comment", seen.Comments)
	}
}

func TestRoutingAndAutoAssignment(t *testing.T) {
	f := newFixture(t)
	in := input()
	in.Request.Service = "ESA"
	in.Policy.AutoAssign = true
	f.env.OnActivity("PickAssignee", mock.Anything, "arkiv").Return("arne", nil).Once()
	var opened outcome
	f.step(0, workflows.UpdateOpened, workflows.StepInput{}, &opened)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, time.Hour)
	f.run(in)

	evs := f.events(t)
	if len(evs) < 3 || evs[2].Type != "CaseAssigned" {
		t.Fatalf("events %v, want CaseOpened, SLAStarted, CaseAssigned", evs)
	}
	a := field[helpdesk.CaseAssigned](t, evs[2])
	if a.Assignee != "arne" || a.Group != "arkiv" {
		t.Errorf("assigned = %+v, want arne in arkiv", a)
	}
	var final helpdesk.Case
	_ = f.env.GetWorkflowResult(&final)
	c := helpdesk.NewCase()
	for i, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			t.Fatal(err)
		}
		c.Apply(ev, helpdesk.Metadata{OccurredAt: e.At}, int64(i))
	}
	if c.Status != helpdesk.StatusInProgress || c.SLA.RespondedAt != nil {
		t.Errorf("auto-assigned case: status %s, responded %v; want in-progress and the response clock still running", c.Status, c.SLA.RespondedAt)
	}
}
