package workflows_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/worker"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

var (
	ola  = helpdesk.Actor{Username: "ola", Roles: []helpdesk.Role{helpdesk.RoleEmployee}}
	per  = helpdesk.Actor{Username: "per", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker}, Groups: []string{"brukerhjelp"}}
	lise = helpdesk.Actor{Username: "lise", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker}, Groups: []string{"brukerhjelp", "tjeneste"}}
)

const caseID = "0f8e2c6a-1b7d-4c1e-9d1a-5b2f3e4d5c6b"

type fixture struct {
	env   *testsuite.TestWorkflowEnvironment
	store eventstore.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newFixtureOn(t, store)
}

// newFixtureOn is a fresh workflow environment on an existing record, as
// after continue-as-new.
func newFixtureOn(t *testing.T, store eventstore.Store) *fixture {
	t.Helper()
	acts, err := activities.New(store, activities.WithUsernames(directory.Demo()))
	if err != nil {
		t.Fatal(err)
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// Tuesday 24 November 2026, 09:00 in Oslo.
	env.SetStartTime(time.Date(2026, 11, 24, 9, 0, 0, 0, helpdesk.Oslo))
	worker.Register(env, acts)
	return &fixture{env: env, store: store}
}

// legacyType, when set, makes run start the old CaseWorkflow instead of
// the kind's own type: TestCaseWorkflowRunsAsBefore runs the tests of
// every kind on it again, since cases started under it keep running.
var legacyType bool

// run runs the case in as a new case of its kind would start: the kind's
// own workflow type (workflows.CaseInput.Start), or CaseWorkflow under
// legacyType.
func (f *fixture) run(in workflows.CaseInput) {
	if legacyType {
		f.env.ExecuteWorkflow(workflows.CaseWorkflowName, in)
		return
	}
	name, arg := in.Start()
	f.env.ExecuteWorkflow(name, arg)
}

// wantType is the workflow type a case of in's kind runs as in this test.
func wantType(in workflows.CaseInput) string {
	if legacyType {
		return workflows.CaseWorkflowName
	}
	name, _ := in.Start()
	return name
}

func input() workflows.CaseInput {
	return workflows.CaseInput{
		CaseID:  caseID,
		Request: helpdesk.OpenRequest{Kind: helpdesk.KindIncident, Title: "Skriveren virker ikke", Description: "Skriveren i 3. etasje skriver ikke ut.", Priority: helpdesk.PriorityNormal, Channel: helpdesk.ChannelPortal},
		Actor:   ola,
		Policy:  workflows.DefaultCasePolicy(),
	}
}

// step sends an update at the given offset from the start and records the
// outcome in out.
type outcome struct {
	view      workflows.CaseView
	err       error
	rejected  bool
	succeeded bool
}

func (f *fixture) step(after time.Duration, name string, in workflows.StepInput, out *outcome) {
	f.env.RegisterDelayedCallback(func() {
		f.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { out.err, out.rejected = err, true },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				out.err, out.succeeded = err, err == nil
				if v != nil {
					out.view = v.(workflows.CaseView)
				}
			},
		}, in)
	}, after)
}

func errorCode(t *testing.T, err error) helpdesk.ErrorCode {
	t.Helper()
	appErr, ok := err.(*temporal.ApplicationError)
	if !ok {
		t.Fatalf("error %v (%T) is not an application error", err, err)
	}
	var d workflows.ErrorDetails
	if err := appErr.Details(&d); err != nil {
		t.Fatalf("details of %v: %v", appErr, err)
	}
	return d.Code
}

func TestIncidentLifecycle(t *testing.T) {
	f := newFixture(t)
	var claimed, resolved, confirmed outcome
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claimed)
	f.step(2*time.Hour, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Byttet toner."}, &resolved)
	f.step(26*time.Hour, workflows.UpdateConfirm, workflows.StepInput{Actor: ola}, &confirmed)

	f.run(input())

	if !f.env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	for name, o := range map[string]outcome{"claim": claimed, "resolve": resolved, "confirm": confirmed} {
		if o.err != nil {
			t.Errorf("%s: got error %v, want none", name, o.err)
		}
	}
	if got, want := claimed.view.Case.Assignee, "per"; got != want {
		t.Errorf("assignee after claim = %q, want %q", got, want)
	}
	if got, want := resolved.view.Case.Status, helpdesk.StatusResolved; got != want {
		t.Errorf("status after resolve = %q, want %q", got, want)
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusClosed || final.Reference != "BH-2026-000001" || final.Revision != 6 {
		t.Errorf("final case = status %q reference %q revision %d, want closed BH-2026-000001 6", final.Status, final.Reference, final.Revision)
	}

	// The record holds exactly the four facts, in order, chained.
	evs := closedIncidentRecord(t, f.store, "the facts in order")
	var m helpdesk.Metadata
	if err := json.Unmarshal(evs[4].Metadata, &m); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 24, 11, 0, 0, 0, helpdesk.Oslo); !m.OccurredAt.Equal(want) || m.Actor != "per" {
		t.Errorf("resolve metadata = %+v, want actor per at %v", m, want)
	}
	if res, err := f.store.Verify(t.Context(), helpdesk.Stream(caseID)); err != nil || !res.OK || res.Events != 7 {
		t.Errorf("verify = %+v, %v; want ok with 7 events", res, err)
	}
}

func TestStepsRefusedChangeNothing(t *testing.T) {
	f := newFixture(t)
	var early, employeeClaim, perClaim, liseClaim, liseResolve, olaConfirm outcome
	f.step(0, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "x"}, &early)
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: ola}, &employeeClaim)
	f.step(2*time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &perClaim)
	f.step(3*time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: lise}, &liseClaim)
	f.step(4*time.Minute, workflows.UpdateResolve, workflows.StepInput{Actor: lise, Resolution: "Løst"}, &liseResolve)
	f.step(5*time.Minute, workflows.UpdateConfirm, workflows.StepInput{Actor: ola}, &olaConfirm)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, time.Hour)

	f.run(input())

	cases := []struct {
		name string
		got  outcome
		want helpdesk.ErrorCode
	}{
		{"resolve before the case is recorded", early, helpdesk.CodeConflict},
		{"employee claims", employeeClaim, helpdesk.CodeForbidden},
		{"second caseworker claims", liseClaim, helpdesk.CodeConflict},
		{"non-assignee resolves", liseResolve, helpdesk.CodeForbidden},
		{"reporter confirms before resolution", olaConfirm, helpdesk.CodeConflict},
	}
	for _, c := range cases {
		if c.got.err == nil {
			t.Errorf("%s: got no error, want %s", c.name, c.want)
			continue
		}
		if !c.got.rejected {
			t.Errorf("%s: update was accepted into history, want rejected by the validator", c.name)
		}
		if got := errorCode(t, c.got.err); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if perClaim.err != nil {
		t.Errorf("per claims: got %v, want success", perClaim.err)
	}
	evs, err := f.store.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Opened with its SLA started, claimed with its first response: the
	// refusals recorded nothing.
	if len(evs) != 4 || evs[2].Type != "CaseClaimed" {
		t.Errorf("got %d events, want 4 (opened, SLA started, claimed, responded): refusals must record nothing", len(evs))
	}
}

// Two caseworkers claim at the same instant: both pass validation, the
// mutex serialises the handlers and exactly one wins.
func TestConcurrentClaimsExactlyOneWins(t *testing.T) {
	f := newFixture(t)
	var a, b outcome
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &a)
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: lise}, &b)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, time.Hour)

	f.run(input())

	wins := 0
	for _, o := range []outcome{a, b} {
		if o.err == nil {
			wins++
		} else if got := errorCode(t, o.err); got != helpdesk.CodeConflict {
			t.Errorf("losing claim: got %s, want conflict", got)
		}
	}
	if wins != 1 {
		t.Errorf("got %d winning claims, want exactly 1", wins)
	}
	evs, err := f.store.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 {
		t.Errorf("got %d events, want 4 (opened, SLA started, one claim, responded)", len(evs))
	}
}
