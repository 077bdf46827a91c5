package desk

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestStepsOfferedAreTheStepsTaken: what a case page offers each user is
// what the desk would take from them, on cases in each state.
func TestStepsOfferedAreTheStepsTaken(t *testing.T) {
	dir := directory.Demo()
	today := time.Now().In(helpdesk.Oslo).Format(time.DateOnly)
	actor := func(name string) helpdesk.Actor { u, _ := dir.User(name); return dir.ActorOn(u, today) }
	base := helpdesk.Case{ID: olasCase, Reference: olasRef, Kind: helpdesk.KindIncident, Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"}
	with := func(f func(*helpdesk.Case)) helpdesk.Case { c := base; f(&c); return c }
	cases := map[string]helpdesk.Case{
		"new":      with(func(c *helpdesk.Case) { c.Status = helpdesk.StatusNew }),
		"per's":    with(func(c *helpdesk.Case) { c.Status, c.Assignee = helpdesk.StatusInProgress, "per" }),
		"waiting":  with(func(c *helpdesk.Case) { c.Status, c.Assignee = helpdesk.StatusWaitingForUser, "per" }),
		"resolved": with(func(c *helpdesk.Case) { c.Status, c.Assignee = helpdesk.StatusResolved, "per" }),
		"closed":   with(func(c *helpdesk.Case) { c.Status, c.Assignee = helpdesk.StatusClosed, "per" }),
	}
	want := map[string]map[string][]Step{
		"new": {"ola": {StepComment, StepCancel}, "per": {StepClaim, StepAssign, StepComment, StepLink},
			"siri": nil, "eva": {}},
		"per's": {"ola": {StepComment, StepCancel}, "per": {StepAssign, StepComment, StepRequestInfo, StepResolve, StepLink},
			"lise": {StepAssign, StepComment, StepLink}},
		"waiting":  {"ola": {StepComment, StepReply, StepCancel}, "per": {StepAssign, StepComment, StepResolve, StepLink}},
		"resolved": {"ola": {StepComment, StepConfirm, StepReopen}, "per": {StepComment}},
		"closed":   {"ola": nil, "per": nil, "siri": nil},
	}
	td := newTestDesk(t)
	for state, byUser := range want {
		for name, steps := range byUser {
			got := td.Steps(actor(name), cases[state])
			if name == "eva" {
				// eva may not see ola's case at all; a page never asks.
				continue
			}
			if !slices.Equal(got, steps) {
				t.Errorf("%s case, %s is offered %v, want %v", state, name, got, steps)
			}
		}
	}
	// Every step offered is taken by the desk (the engine here accepts
	// whatever reaches it): nothing offered is refused before the engine.
	seedWorld(t, td)
	c, err := td.Case(context.Background(), actor("per"), olasRef)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range td.Steps(actor("per"), c) {
		var err error
		switch s {
		case StepClaim:
			_, err = td.Claim(context.Background(), actor("per"), olasRef)
		case StepAssign:
			_, err = td.Assign(context.Background(), actor("per"), olasRef, Assignment{Group: "tjeneste"})
		case StepComment:
			_, err = td.Comment(context.Background(), actor("per"), olasRef, Note{Body: "Ser på det"})
		case StepLink:
			_, err = td.Link(context.Background(), actor("per"), olasRef, outageID)
		}
		if err != nil {
			t.Errorf("per is offered %s but the desk refuses it: %v", s, err)
		}
	}
}

func TestOpenTasksAreThoseTheActorMayComplete(t *testing.T) {
	dir := directory.Demo()
	actor := func(name, date string) helpdesk.Actor { u, _ := dir.User(name); return dir.ActorOn(u, date) }
	c := helpdesk.Case{ID: olasOrder, Kind: helpdesk.KindOrder, Reporter: "ola", Status: helpdesk.StatusAwaitingApproval,
		Tasks: []helpdesk.Task{
			{ID: olasTaskID, Kind: helpdesk.TaskApproval, Approver: "kari", Fallback: "nina", Status: helpdesk.TaskStatusOpen},
			{ID: olasOrder + ".t2", Kind: helpdesk.TaskFulfilment, Group: "brukerhjelp", Status: helpdesk.TaskStatusOpen},
			{ID: olasOrder + ".t3", Kind: helpdesk.TaskApproval, Approver: "kari", Status: helpdesk.TaskStatusCompleted},
		}}
	td := newTestDesk(t)
	ids := func(ts []helpdesk.Task) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	for _, tt := range []struct {
		who, date string
		want      []string
	}{
		{"kari", "2026-03-04", []string{olasTaskID}},
		{"jon", "2026-03-04", nil},
		{"jon", "2026-12-24", []string{olasTaskID}}, // deputy for kari at Christmas
		{"per", "2026-03-04", []string{olasOrder + ".t2"}},
		{"arne", "2026-03-04", nil}, // not in the task's group
		{"ola", "2026-03-04", nil},  // never his own
		{"siri", "2026-03-04", nil},
	} {
		if got := ids(td.OpenTasks(actor(tt.who, tt.date), c)); !slices.Equal(got, tt.want) {
			t.Errorf("%s on %s may complete %v, want %v", tt.who, tt.date, got, tt.want)
		}
	}
}

func TestPreviewOrderSaysWhoAcceptsTheCost(t *testing.T) {
	td := newTestDesk(t)
	dir := directory.Demo()
	actor := func(name string) helpdesk.Actor { u, _ := dir.User(name); return dir.ActorOn(u, "2026-03-04") }
	cost := int64(4500)
	req := helpdesk.OrderRequest{Title: "Lisens", CostCenter: "samferdsel", Items: []helpdesk.OrderItem{
		{Description: "Trafikkanalyse Pro", EstimatedCostNOK: &cost, Quantity: 1}, {CatalogItem: "headset", Quantity: 1}}}
	p, err := td.PreviewOrder(context.Background(), actor("eva"), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.BudgetHolder != "jon" || p.Order.NonStandardNOK != 4500 || p.Order.TotalNOK <= 4500 {
		t.Errorf("eva's order: %+v", p)
	}
	// Jon orders for his own unit: he never accepts his own cost.
	if p, err := td.PreviewOrder(context.Background(), actor("jon"), req); err != nil || p.BudgetHolder == "jon" || p.BudgetHolder == "" {
		t.Errorf("jon's order: %+v %v", p, err)
	}
	standard := helpdesk.OrderRequest{Title: "Hodesett", CostCenter: "samferdsel", Items: []helpdesk.OrderItem{{CatalogItem: "headset", Quantity: 2}}}
	if p, err := td.PreviewOrder(context.Background(), actor("eva"), standard); err != nil || p.BudgetHolder != "" {
		t.Errorf("a catalog order needs nobody's acceptance: %+v %v", p, err)
	}
	if _, err := td.PreviewOrder(context.Background(), actor("siri"), standard); !IsKind(err, Forbidden) {
		t.Errorf("siri previews an order: %v", err)
	}
	if calls := td.engine.taken(); len(calls) != 0 {
		t.Errorf("a preview reached the engine: %v", calls)
	}
}
