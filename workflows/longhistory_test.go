package workflows_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// A case whose run grows long continues as new after the step that
// crosses workflows.ContinueAfterEvents; the next run folds the stream
// back and takes further steps. (The test environment does not count
// history events, so the length is set by hand here; e2e's
// TestLongCaseContinuesAsNewKeepingEveryComment drives 5,000 real comments
// through the embedded server.)
func TestLongCaseContinuesAsNew(t *testing.T) {
	f := newFixture(t)
	var c1, c2, c3 outcome
	f.step(time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "kommentar 1"}, &c1)
	f.step(2*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: per, Body: "kommentar 2"}, &c2)
	f.env.RegisterDelayedCallback(func() { f.env.SetCurrentHistoryLength(workflows.ContinueAfterEvents) }, 150*time.Second)
	f.step(3*time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "kommentar 3"}, &c3)
	f.run(input())

	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new once the history is long", err)
	}
	if got, want := can.WorkflowType.Name, wantType(input()); got != want {
		t.Errorf("continues as %s, want the same type, %s", got, want)
	}
	if c1.err != nil || c2.err != nil || !c3.succeeded || len(c3.view.Case.Comments) != 3 {
		t.Fatalf("comments before continuing: %v, %v, %v (%d comments)", c1.err, c2.err, c3.err, len(c3.view.Case.Comments))
	}
	var next workflows.CaseInput
	if err := f.env.GetWorkflowResult(&next); err == nil {
		t.Fatal("no result expected from a continued run")
	}

	// The new run rebuilds the case from the stream and takes more steps.
	g := newFixtureOn(t, f.store)
	g.env.SetStartTime(oslo(11, 24, 9, 4, 0))
	var c4, resolved outcome
	g.step(time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "kommentar 4"}, &c4)
	g.step(2*time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &outcome{})
	g.step(3*time.Minute, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Løst."}, &resolved)
	g.env.RegisterDelayedCallback(func() { g.env.CancelWorkflow() }, time.Hour)
	in := input()
	in.Continued = true
	g.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "continued-run"})
	g.run(in)

	if c4.err != nil || resolved.err != nil {
		t.Fatalf("continued run: comment %v, resolve %v", c4.err, resolved.err)
	}
	c := resolved.view.Case
	if c.Status != helpdesk.StatusResolved || c.Reference != "BH-2026-000001" || len(c.Comments) != 4 {
		t.Fatalf("continued case: status %s, reference %s, %d comments", c.Status, c.Reference, len(c.Comments))
	}
	for i, cm := range c.Comments {
		if want := fmt.Sprintf("kommentar %d", i+1); cm.Body != want {
			t.Errorf("comment %d = %q, want %q", i, cm.Body, want)
		}
	}
	var types []string
	for _, e := range g.events(t) {
		types = append(types, e.Type)
	}
	if int64(len(types)) != c.Revision+1 {
		t.Errorf("stream has %d events, case revision %d", len(types), c.Revision)
	}
}

// A continued run of a case with thousands of comments loads its stream
// page by page (no activity result near Temporal's 2 MB payload limit)
// and folds every comment back, in order.
func TestAContinuedRunLoadsALongStreamPageByPage(t *testing.T) {
	f := newFixture(t)
	var opened outcome
	f.step(time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: ola, Body: "kommentar 0"}, &opened)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, 2*time.Minute)
	f.run(input())
	if opened.err != nil {
		t.Fatal(opened.err)
	}

	// 2,500 more comments, ~300 bytes each, straight into the record.
	const more = 2500
	head, err := f.store.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var batch []eventstore.EventData
	for i := 1; i <= more; i++ {
		b, _ := json.Marshal(helpdesk.CommentAdded{CommentID: uuid.NewString(), Body: fmt.Sprintf("kommentar %d %s", i, strings.Repeat("x", 250))})
		batch = append(batch, eventstore.EventData{ID: uuid.New(), Type: "CommentAdded", Data: b, Metadata: []byte(`{"actor":"ola"}`)})
	}
	// In appends of 500: one append may carry at most 1 MiB
	// (eventstore.MaxAppendSize), on every backend.
	exp := eventstore.Exact(head[len(head)-1].Revision)
	for chunk := range slices.Chunk(batch, 500) {
		res, err := f.store.Append(t.Context(), helpdesk.Stream(caseID), exp, chunk...)
		if err != nil {
			t.Fatal(err)
		}
		exp = res.NextExpected
	}

	g := newFixtureOn(t, f.store)
	var pages []int
	g.env.SetOnActivityCompletedListener(func(info *activity.Info, result converter.EncodedValue, err error) {
		if info.ActivityType.Name == "LoadStreamPage" {
			var evs []activities.StoredEvent
			if result.Get(&evs) == nil {
				pages = append(pages, len(evs))
			}
		}
	})
	var last outcome
	g.step(time.Minute, workflows.UpdateComment, workflows.StepInput{Actor: per, Body: "siste"}, &last)
	g.env.RegisterDelayedCallback(func() { g.env.CancelWorkflow() }, time.Hour)
	in := input()
	in.Continued = true
	g.run(in)

	if last.err != nil {
		t.Fatal(last.err)
	}
	if want := []int{1000, 1000, len(head) + more - 2000}; !slices.Equal(pages, want) {
		t.Errorf("pages loaded %v, want %v", pages, want)
	}
	c := last.view.Case
	if len(c.Comments) != more+2 || c.Comments[0].Body != "kommentar 0" || c.Comments[more+1].Body != "siste" ||
		!strings.HasPrefix(c.Comments[1234].Body, "kommentar 1234 ") {
		t.Errorf("%d comments folded back; first %q, last %q", len(c.Comments), c.Comments[0].Body, c.Comments[len(c.Comments)-1].Body)
	}
}
