package workflows_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

func esaInput(codes []string, validTo string) workflows.CaseInput {
	req := helpdesk.ESARequest{Kind: helpdesk.KindESAAccess, Employee: "ola", Role: "Saksbehandler", Units: []string{"opplaering"},
		AccessCodes: codes, Justification: "Skal behandle elevsaker", ValidTo: validTo}
	in := input()
	in.Actor = kari
	in.Request = helpdesk.OpenRequest{}
	in.ESA = &workflows.ESAInput{Request: req, Access: req.Access("kari", []string{"P"}), Owner: "arne", Second: "nina", Fallback: "nina"}
	return in
}

func (f *fixture) personEvents(t *testing.T, username string) []string {
	t.Helper()
	evs, err := f.store.ReadStream(t.Context(), helpdesk.PersonStream(username), 0, 0)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range evs {
		var pe helpdesk.PersonEvent
		if err := json.Unmarshal(e.Data, &pe); err != nil {
			t.Fatal(err)
		}
		out = append(out, pe.What+":"+pe.CaseID)
	}
	return out
}

func TestESAAccessApprovedGrantedAndExpires(t *testing.T) {
	f := newFixture(t)
	var kariApproves, owner, wrongGroup, grant, revoke outcome
	complete(f, 30*time.Minute, kari, 1, helpdesk.OutcomeApproved, "", &kariApproves)
	complete(f, time.Hour, arne, 1, helpdesk.OutcomeApproved, "", &owner)
	complete(f, 2*time.Hour, lise, 2, helpdesk.OutcomeDone, "", &wrongGroup)
	complete(f, 3*time.Hour, arne, 2, helpdesk.OutcomeDone, "Rolle satt i ESA", &grant)
	complete(f, after(time.Date(2027, 1, 4, 9, 0, 0, 0, helpdesk.Oslo)), arne, 3, helpdesk.OutcomeDone, "", &revoke)
	f.run(esaInput([]string{"A", "B"}, "2026-12-31"))

	if kariApproves.succeeded || errorCode(t, kariApproves.err) != helpdesk.CodeForbidden {
		t.Errorf("the requesting manager approved her own request: %v", kariApproves.err)
	}
	if wrongGroup.succeeded {
		t.Error("a caseworker outside arkiv granted ESA access")
	}
	if !owner.succeeded || !grant.succeeded || !revoke.succeeded {
		t.Fatalf("owner %v, grant %v, revoke %v", owner.err, grant.err, revoke.err)
	}
	if c := grant.view.Case; c.Status != helpdesk.StatusActive || c.Access.GrantedAt.IsZero() {
		t.Errorf("after grant: status %s, access %+v", c.Status, c.Access)
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusExpired || final.Tasks[2].Type != "esa-revoke-1" {
		t.Errorf("final: status %s, tasks %+v", final.Status, final.Tasks)
	}
	// The revoke task opened when validTo ended: 1 January 2027, 00:00 Oslo.
	if got, want := final.Tasks[2].CreatedAt, time.Date(2027, 1, 1, 0, 0, 0, 0, helpdesk.Oslo); !got.Equal(want) {
		t.Errorf("revoke task opened at %v, want %v", got.In(helpdesk.Oslo), want)
	}
	if got := strings.Join(f.personEvents(t, "ola"), ","); got != "access-granted:"+caseID+",access-ended:"+caseID {
		t.Errorf("ola's record = %s", got)
	}
}

func TestESASensitiveCodesNeedASecondApproval(t *testing.T) {
	f := newFixture(t)
	var owner, arneSecond, second outcome
	complete(f, time.Hour, arne, 1, helpdesk.OutcomeApproved, "", &owner)
	complete(f, 2*time.Hour, arne, 2, helpdesk.OutcomeApproved, "", &arneSecond)
	complete(f, 3*time.Hour, nina, 2, helpdesk.OutcomeRejected, "Personalsaker krever mer begrunnelse", &second)
	f.run(esaInput([]string{"A", "p"}, ""))

	if arneSecond.succeeded {
		t.Error("the system owner gave the second approval too")
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusRejected || !strings.Contains(final.Resolution, "mer begrunnelse") || !final.Access.Sensitive {
		t.Errorf("final: status %s, resolution %q", final.Status, final.Resolution)
	}
}

func grantedESA(t *testing.T, f *fixture) {
	var owner, grant outcome
	complete(f, time.Hour, arne, 1, helpdesk.OutcomeApproved, "", &owner)
	complete(f, 2*time.Hour, arne, 2, helpdesk.OutcomeDone, "", &grant)
}

func TestESAYearlyRecertificationContinuesAsNew(t *testing.T) {
	f := newFixture(t)
	grantedESA(t, f)
	var recert outcome
	// Granted Tue 24 Nov 2026 11:00; the manager is asked a year later.
	complete(f, after(time.Date(2027, 11, 25, 9, 0, 0, 0, helpdesk.Oslo)), kari, 3, helpdesk.OutcomeApproved, "Trengs fortsatt", &recert)
	f.env.SetStartWorkflowOptions(client.StartWorkflowOptions{WorkflowExecutionTimeout: 5 * 365 * 24 * time.Hour})
	f.run(esaInput([]string{"A"}, ""))

	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v (cause %v), want continue-as-new after recertification; recert %v", err, errors.Unwrap(errors.Unwrap(err)), recert.err)
	}
	if got, want := can.WorkflowType.Name, wantType(esaInput([]string{"A"}, "")); got != want {
		t.Errorf("continues as %s, want the same type, %s", got, want)
	}
	if !recert.succeeded || recert.view.Case.Tasks[2].Type != "esa-recertify-1" {
		t.Fatalf("recertification: %v, %+v", recert.err, recert.view.Case.Tasks)
	}
	if got, want := recert.view.Case.Tasks[2].CreatedAt, time.Date(2027, 11, 24, 11, 0, 0, 0, helpdesk.Oslo); !got.Equal(want) {
		t.Errorf("recertification asked at %v, want %v", got.In(helpdesk.Oslo), want)
	}

	// The next run rebuilds the case from the record and lives on: this
	// time the manager says no, and the access is revoked.
	next := newFixtureOn(t, f.store)
	restart := time.Date(2027, 11, 25, 9, 0, 1, 0, helpdesk.Oslo)
	next.env.SetStartTime(restart)
	var no, revoke outcome
	complete(next, time.Date(2028, 11, 27, 9, 0, 0, 0, helpdesk.Oslo).Sub(restart), kari, 4, helpdesk.OutcomeRejected, "", &no)
	complete(next, time.Date(2028, 11, 27, 10, 0, 0, 0, helpdesk.Oslo).Sub(restart), arne, 5, helpdesk.OutcomeDone, "", &revoke)
	in := esaInput([]string{"A"}, "")
	in.Continued = true
	// A continued run has a run ID of its own, so its event IDs differ.
	next.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "continued-run"})
	next.run(in)
	var final helpdesk.Case
	if err := next.env.GetWorkflowResult(&final); err != nil {
		for _, e := range next.events(t) {
			t.Logf("%s %v %s", e.Type, e.At.In(helpdesk.Oslo), e.Data)
		}
		t.Fatalf("%v; refusal %v, revoke %v, tasks %+v", err, no.err, revoke.err, final.Tasks)
	}
	if !no.succeeded || !revoke.succeeded {
		t.Fatalf("second year: refusal %v, revoke %v", no.err, revoke.err)
	}
	if got, want := final.Tasks[3].CreatedAt, time.Date(2028, 11, 25, 9, 0, 0, 0, helpdesk.Oslo); !got.Equal(want) {
		t.Errorf("second recertification asked at %v, want %v", got.In(helpdesk.Oslo), want)
	}
	if final.Status != helpdesk.StatusRevoked || final.Access.Recertified != 1 {
		t.Errorf("after a refused recertification: status %s, access %+v, tasks %+v", final.Status, final.Access, final.Tasks)
	}
}

func TestDepartureRevokesEveryAccess(t *testing.T) {
	f := newFixture(t)
	// Ola holds one ESA access, granted by another case.
	esaCase := uuid.NewString()
	data, _ := json.Marshal(helpdesk.PersonEvent{What: "access-granted", CaseID: esaCase})
	if _, err := f.store.Append(t.Context(), helpdesk.PersonStream("ola"), eventstore.NoStream(),
		eventstore.EventData{ID: uuid.New(), Type: "PersonEvent", Data: data, Metadata: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	f.env.OnSignalExternalWorkflow(mock.Anything, workflows.WorkflowID(esaCase), "", workflows.SignalRevoke, mock.Anything).Return(nil).Once()
	var early, disable, mailbox outcome
	f.step(after(oslo(11, 27, 15, 0, 0)), workflows.UpdateCompleteTask, workflows.StepInput{Actor: per, TaskID: helpdesk.TaskID(caseID, 1),
		Completion: helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone}}, &early)
	complete(f, after(oslo(11, 30, 9, 0, 0)), per, 1, helpdesk.OutcomeDone, "Konto deaktivert", &disable)
	complete(f, after(oslo(11, 30, 9, 30, 0)), per, 2, helpdesk.OutcomeDone, "", &mailbox)
	var late outcome
	f.step(after(oslo(11, 30, 10, 0, 0)), workflows.UpdateCancel, workflows.StepInput{Actor: kari, Reason: "angret"}, &late)
	in := input()
	in.Actor = kari
	in.Request = helpdesk.OpenRequest{}
	in.Departure = &workflows.DepartureInput{DisplayName: "Ola Nordmann",
		Request: helpdesk.DepartureRequest{Kind: helpdesk.KindDeparture, Employee: "ola", LastWorkingDay: "2026-11-27", MailboxForwardTo: "kari"}}
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, after(oslo(12, 31, 12, 0, 0)))
	f.run(in)

	if early.succeeded {
		t.Error("a task was completed before the departure took effect")
	}
	if !disable.succeeded || !mailbox.succeeded {
		t.Fatalf("disable %v, mailbox %v", disable.err, mailbox.err)
	}
	c := mailbox.view.Case
	if !c.DepartureEffective || c.Status != helpdesk.StatusResolved || !strings.Contains(c.Tasks[1].Title, "til kari") {
		t.Errorf("after the tasks: effective %v, status %s, tasks %+v", c.DepartureEffective, c.Status, c.Tasks)
	}
	if late.succeeded {
		t.Error("the manager withdrew a departure that had taken effect")
	}
	evs := f.events(t)
	for _, e := range evs {
		if e.Type == "DepartureTookEffect" {
			if want := oslo(11, 27, 16, 0, 0); !e.At.Equal(want) {
				t.Errorf("took effect at %v, want %v", e.At.In(helpdesk.Oslo), want)
			}
			if d := field[helpdesk.DepartureTookEffect](t, e); len(d.Accesses) != 1 || d.Accesses[0] != esaCase {
				t.Errorf("accesses revoked = %v, want [%s]", d.Accesses, esaCase)
			}
		}
	}
	f.env.AssertExpectations(t)
	if got := f.personEvents(t, "ola"); len(got) != 2 || got[1] != "account-disabled:"+caseID {
		t.Errorf("ola's record = %v", got)
	}
}

// When the first try at disabling the account fails, the second one
// disables it all the same: the employee's stream says so, and the
// help desk no longer lets them in (desk.Actor).
func TestDepartureDisablesTheAccountOnASecondTry(t *testing.T) {
	f := newFixture(t)
	var failed, disabled, mailbox outcome
	complete(f, after(oslo(11, 30, 9, 0, 0)), per, 1, helpdesk.OutcomeFailed, "AD svarte ikke", &failed)
	complete(f, after(oslo(11, 30, 10, 0, 0)), per, 2, helpdesk.OutcomeDone, "Konto deaktivert", &disabled)
	complete(f, after(oslo(11, 30, 10, 30, 0)), per, 3, helpdesk.OutcomeDone, "", &mailbox)
	in := input()
	in.Actor = kari
	in.Request = helpdesk.OpenRequest{}
	in.Departure = &workflows.DepartureInput{DisplayName: "Ola Nordmann",
		Request: helpdesk.DepartureRequest{Kind: helpdesk.KindDeparture, Employee: "ola", LastWorkingDay: "2026-11-27"}}
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, after(oslo(12, 31, 12, 0, 0)))
	f.run(in)
	if !failed.succeeded || !disabled.succeeded || !mailbox.succeeded {
		t.Fatalf("failed %v, disabled %v, mailbox %v", failed.err, disabled.err, mailbox.err)
	}
	c := mailbox.view.Case
	if c.Status != helpdesk.StatusResolved || c.Tasks[1].Type != "disable-account-again" {
		t.Errorf("after the tasks: status %s, tasks %+v", c.Status, c.Tasks)
	}
	if got := f.personEvents(t, "ola"); len(got) != 1 || got[0] != "account-disabled:"+caseID {
		t.Errorf("ola's record = %v, want the account disabled", got)
	}
}

func TestDepartureWithdrawnBeforeItTakesEffect(t *testing.T) {
	f := newFixture(t)
	var withdraw outcome
	f.step(after(oslo(11, 26, 10, 0, 0)), workflows.UpdateCancel, workflows.StepInput{Actor: kari, Reason: "Ola blir likevel"}, &withdraw)
	in := input()
	in.Actor = kari
	in.Request = helpdesk.OpenRequest{}
	in.Departure = &workflows.DepartureInput{DisplayName: "Ola Nordmann",
		Request: helpdesk.DepartureRequest{Kind: helpdesk.KindDeparture, Employee: "ola", LastWorkingDay: "2026-11-27"}}
	f.run(in)
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if !withdraw.succeeded || final.Status != helpdesk.StatusCancelled || final.DepartureEffective || len(final.Tasks) != 0 {
		t.Errorf("withdrawn departure: %v, final %s, effective %v, tasks %d", withdraw.err, final.Status, final.DepartureEffective, len(final.Tasks))
	}
}

func TestNewUserOnboarding(t *testing.T) {
	f := newFixture(t)
	var account, mailbox, equipment outcome
	f.step(time.Hour, workflows.UpdateCompleteTask, workflows.StepInput{Actor: per, TaskID: helpdesk.TaskID(caseID, 1),
		Completion: helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone, Output: "kjell"}}, &account)
	complete(f, 2*time.Hour, per, 2, helpdesk.OutcomeDone, "", &mailbox)
	complete(f, after(time.Date(2026, 12, 7, 10, 0, 0, 0, helpdesk.Oslo)), lise, 3, helpdesk.OutcomeDone, "", &equipment)
	req := helpdesk.NewUserRequest{Kind: helpdesk.KindNewUser, Unit: "opplaering", JobTitle: "Lektor", StartDate: "2026-12-07",
		Equipment: []string{"laptop-standard"}, ESAAccess: &helpdesk.NewUserESA{Role: "Saksbehandler", Units: []string{"opplaering"}, AccessCodes: []string{"A"}}}
	req.Employee.GivenName, req.Employee.FamilyName = "Kjell", "Lærer"
	esaReq := helpdesk.ESARequest{Kind: helpdesk.KindESAAccess, Role: "Saksbehandler", Units: []string{"opplaering"}, AccessCodes: []string{"A"}, Justification: "Ny ansatt"}
	in := input()
	in.Actor = kari
	in.Request = helpdesk.OpenRequest{}
	in.NewUser = &workflows.NewUserInput{Request: req, ESACaseID: uuid.NewString(),
		ESA: &workflows.ESAInput{Request: esaReq, Access: esaReq.Access("kari", nil), Owner: "arne", Second: "nina", Fallback: "nina"}}
	var childType string
	f.env.SetOnChildWorkflowStartedListener(func(info *workflow.Info, _ workflow.Context, _ converter.EncodedValues) {
		childType = info.WorkflowType.Name
	})
	f.run(in)
	// A new run of either type starts the ESA case as its own type.
	if childType != workflows.ESAAccessWorkflowName {
		t.Errorf("the ESA case started as %q, want %s", childType, workflows.ESAAccessWorkflowName)
	}

	if !account.succeeded || !mailbox.succeeded || !equipment.succeeded {
		var st helpdesk.Case
		_ = f.env.GetWorkflowResult(&st)
		t.Fatalf("account %v, mailbox %v, equipment %v; workflow %v; state %s tasks %+v events %v", account.err, mailbox.err, equipment.err, f.env.GetWorkflowError(), st.Status, st.Tasks, f.events(t))
	}
	// The ESA request became its own case, for kjell, asked by kari.
	child, err := f.store.ReadStream(t.Context(), helpdesk.Stream(in.NewUser.ESACaseID), 0, 0)
	if err != nil || len(child) < 2 {
		t.Fatalf("child esa-access case: %v, %d events", err, len(child))
	}
	if req := field[helpdesk.AccessRequested](t, recorded{Data: child[1].Data}); req.Access.Employee != "kjell" || req.Access.Manager != "kari" {
		t.Errorf("child access request = %+v", req.Access)
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.NewUser.Username != "kjell" || final.Status != helpdesk.StatusClosed {
		t.Errorf("final: status %s, new user %+v", final.Status, final.NewUser)
	}
	if due := final.Tasks[0].DueAt; !due.Equal(time.Date(2026, 12, 4, 7, 30, 0, 0, helpdesk.Oslo)) {
		t.Errorf("tasks due %v, want Fri 4 Dec 07:30 (one service day before the start)", due.In(helpdesk.Oslo))
	}
	var escalated, reported recorded
	for _, e := range f.events(t) {
		switch e.Type {
		case "OnboardingEscalated":
			escalated = e
		case "OnboardingReported":
			reported = e
		}
	}
	if want := time.Date(2026, 12, 2, 7, 30, 0, 0, helpdesk.Oslo); !escalated.At.Equal(want) {
		t.Errorf("escalated at %v, want %v (three service days before)", escalated.At.In(helpdesk.Oslo), want)
	}
	r := field[helpdesk.OnboardingReported](t, reported)
	if want := time.Date(2026, 12, 7, 7, 30, 0, 0, helpdesk.Oslo); !reported.At.Equal(want) || r.Ready || len(r.Missing) != 1 {
		t.Errorf("report at %v = %+v, want not ready at %v with the equipment missing", reported.At.In(helpdesk.Oslo), r, want)
	}
	// The username was reserved when the task was completed, then the
	// account was created with it.
	if got := strings.Join(f.personEvents(t, "kjell"), ","); got != "username-reserved:"+caseID+",account-created:"+caseID {
		t.Errorf("kjell's record = %v", got)
	}
}
