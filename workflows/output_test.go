package workflows_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// details reads the refusal a step got: the code and the field.
func details(t *testing.T, err error) workflows.ErrorDetails {
	t.Helper()
	appErr, ok := err.(*temporal.ApplicationError)
	if !ok {
		t.Fatalf("error %v (%T) is not an application error", err, err)
	}
	var d workflows.ErrorDetails
	if err := appErr.Details(&d); err != nil {
		t.Fatalf("details of %v: %v", appErr, err)
	}
	return d
}

func newUserInput() workflows.CaseInput {
	req := helpdesk.NewUserRequest{Kind: helpdesk.KindNewUser, Unit: "opplaering", JobTitle: "Lektor", StartDate: "2026-12-07"}
	req.Employee.GivenName, req.Employee.FamilyName = "Kjell", "Lærer"
	in := input()
	in.Actor = kari
	in.Request = helpdesk.OpenRequest{}
	in.NewUser = &workflows.NewUserInput{Request: req}
	return in
}

func completeAccount(f *fixture, at time.Duration, username string, out *outcome) {
	f.step(at, workflows.UpdateCompleteTask, workflows.StepInput{Actor: per, TaskID: helpdesk.TaskID(caseID, 1),
		Completion: helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone, Output: username}}, out)
}

// TestAccountOutputIsANewFreeWellFormedUsername: the class behind "the
// output eva makes the new user's ESA request grant access to eva": the
// workflow refuses, as invalid "output" and without recording anything,
// every username that is someone's (the directory's, another case's
// account or reservation), reserved, or not a username at all.
func TestAccountOutputIsANewFreeWellFormedUsername(t *testing.T) {
	f := newFixture(t)
	// Another new-user case created "nora" and reserved "kjell2".
	other := uuid.NewString()
	for name, what := range map[string]string{"nora": "account-created", "kjell2": "username-reserved"} {
		data, _ := json.Marshal(helpdesk.PersonEvent{What: what, CaseID: other})
		meta, _ := json.Marshal(helpdesk.Metadata{Actor: "brukerhjelp", OccurredAt: time.Now()})
		if _, err := f.store.Append(t.Context(), helpdesk.PersonStream(name), eventstore.NoStream(),
			eventstore.EventData{ID: uuid.New(), Type: "PersonEvent", Data: data, Metadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	refused := []string{"eva", "kari", "nora", "kjell2", "brukerhjelp", "postmaster", "Kjell Lærer", "kjell\r\nBcc: x", "kjell\a", "k\u200Bjell", ""}
	outs := make([]outcome, len(refused))
	for i, name := range refused {
		completeAccount(f, time.Duration(i+1)*time.Minute, name, &outs[i])
	}
	var before []recorded
	f.env.RegisterDelayedCallback(func() { before = f.events(t) }, 30*time.Second)
	var after30 []recorded
	f.env.RegisterDelayedCallback(func() { after30 = f.events(t) }, 30*time.Minute)
	var ok outcome
	completeAccount(f, time.Hour, "kjell", &ok)
	f.run(newUserInput())

	for i, name := range refused {
		o := outs[i]
		if o.succeeded || o.err == nil {
			t.Errorf("output %q was accepted", name)
			continue
		}
		if d := details(t, o.err); d.Code != helpdesk.CodeInvalid || d.Field != "output" || d.Message == "" || d.English == "" {
			t.Errorf("output %q refused as %+v, want invalid naming output", name, d)
		}
	}
	if len(before) == 0 || len(after30) != len(before) {
		t.Errorf("the refusals recorded events: %d before, %d after", len(before), len(after30))
	}
	if !ok.succeeded {
		t.Fatalf("kjell refused: %v", ok.err)
	}
	if got := ok.view.Case.NewUser.Username; got != "kjell" {
		t.Errorf("the new user is %q, want kjell", got)
	}
	for _, name := range []string{"eva", "nora", "kjell2"} {
		for _, e := range f.personEvents(t, name) {
			if strings.HasSuffix(e, caseID) {
				t.Errorf("%s's record got %s from this case", name, e)
			}
		}
	}
}

// TestOutputTheTaskDoesNotTakeIsRefused: approvals take no output (the
// same approach for every task kind), and a comment's text is cleaned by
// the domain's rules in the workflow too, whichever door sent it.
func TestOutputTheTaskDoesNotTakeIsRefused(t *testing.T) {
	f := newFixture(t)
	var withOutput, approved outcome
	f.step(time.Hour, workflows.UpdateCompleteTask, workflows.StepInput{Actor: arne, TaskID: helpdesk.TaskID(caseID, 1),
		Completion: helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeApproved, Output: "eva"}}, &withOutput)
	complete(f, 2*time.Hour, arne, 1, helpdesk.OutcomeApproved, "OK\r\nfor meg", &approved)
	f.run(esaInput([]string{"A"}, ""))

	if !withOutput.rejected || details(t, withOutput.err).Field != "output" {
		t.Errorf("an approval with output: rejected %v, %v", withOutput.rejected, withOutput.err)
	}
	if !approved.succeeded {
		t.Fatalf("approval: %v", approved.err)
	}
	if got := approved.view.Case.Tasks[0].Comment; got != "OK\nfor meg" {
		t.Errorf("comment stored as %q, want CR LF as LF", got)
	}
}

// TestStepTextIsCleanedByTheWorkflow: a step from a door that did not
// normalise is checked by the validator (refused without a trace in
// history) and stored cleaned; the sender's mail authentication is
// recorded on the case's events.
func TestStepTextIsCleanedByTheWorkflow(t *testing.T) {
	f := newFixture(t)
	var bel, huge, mailed outcome
	f.step(time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "ding\a"}, &bel)
	f.step(2*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: strings.Repeat("x", 900_000)}, &huge)
	f.step(3*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "Hei\r\nigjen  ", MailAuth: "dkim fylke.example"}, &mailed)
	in := input()
	in.MailAuth = "relay 10.0.0.5"
	f.run(in)

	for what, o := range map[string]outcome{"BEL": bel, "900 KB": huge} {
		if !o.rejected || details(t, o.err).Field != "body" {
			t.Errorf("comment with %s: rejected %v, %v", what, o.rejected, o.err)
		}
	}
	if !mailed.succeeded {
		t.Fatalf("mailed comment: %v", mailed.err)
	}
	var opened helpdesk.CaseOpened
	var comment helpdesk.CommentAdded
	for _, e := range f.events(t) {
		switch e.Type {
		case "CaseOpened":
			opened = field[helpdesk.CaseOpened](t, e)
		case "CommentAdded":
			comment = field[helpdesk.CommentAdded](t, e)
		}
	}
	if opened.MailAuth != "relay 10.0.0.5" || comment.MailAuth != "dkim fylke.example" || comment.Body != "Hei\nigjen" {
		t.Errorf("opened %q, comment %q %q", opened.MailAuth, comment.MailAuth, comment.Body)
	}
}
