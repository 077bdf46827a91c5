package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/catalog"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

var (
	kari = helpdesk.Actor{Username: "kari", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleManager, helpdesk.RoleBudgetHolder}}
	jon  = helpdesk.Actor{Username: "jon", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleManager, helpdesk.RoleBudgetHolder}}
	nina = helpdesk.Actor{Username: "nina", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleServiceOwner}}
)

func orderInput(t *testing.T, items ...helpdesk.OrderItem) workflows.CaseInput {
	t.Helper()
	req := helpdesk.OrderRequest{Kind: helpdesk.KindOrder, Title: "Utstyr til ny lærer", Items: items, CostCenter: "opplaering"}
	order, err := req.Price(catalog.Default(), func(u string) bool { return u == "opplaering" })
	if err != nil {
		t.Fatal(err)
	}
	in := input()
	in.Request = helpdesk.OpenRequest{}
	in.Order = &workflows.OrderInput{Request: req, Order: order, BudgetHolder: "kari", Fallback: "nina"}
	return in
}

func nonStandard(desc string, cost int64, qty int) helpdesk.OrderItem {
	return helpdesk.OrderItem{Description: desc, EstimatedCostNOK: &cost, Quantity: qty}
}

func complete(f *fixture, at time.Duration, actor helpdesk.Actor, task int, outcome, comment string, out *outcome) {
	f.step(at, workflows.UpdateCompleteTask, workflows.StepInput{Actor: actor, TaskID: helpdesk.TaskID(caseID, task),
		Completion: helpdesk.CompleteRequest{Outcome: outcome, Comment: comment}}, out)
}

func TestStandardOrderGoesStraightToFulfilment(t *testing.T) {
	f := newFixture(t)
	var ordered, wrongGroup, failed, delivered outcome
	complete(f, time.Hour, per, 1, helpdesk.OutcomeDone, "Bestilt hos leverandør", &ordered)
	complete(f, 2*time.Hour, arne, 2, helpdesk.OutcomeDone, "", &wrongGroup)
	complete(f, 3*time.Hour, lise, 2, helpdesk.OutcomeFailed, "Feil modell levert", &failed)
	complete(f, 26*time.Hour, lise, 3, helpdesk.OutcomeDone, "Levert på kontoret", &delivered)
	f.run(orderInput(t, helpdesk.OrderItem{CatalogItem: "laptop-standard", Quantity: 1}, helpdesk.OrderItem{CatalogItem: "monitor-24", Quantity: 2}))

	for name, o := range map[string]outcome{"ordered": ordered, "failed delivery": failed, "delivered": delivered} {
		if !o.succeeded {
			t.Fatalf("%s: %v", name, o.err)
		}
	}
	if wrongGroup.succeeded || errorCode(t, wrongGroup.err) != helpdesk.CodeForbidden {
		t.Errorf("a caseworker outside the group completed a delivery: %v", wrongGroup.err)
	}
	if c := ordered.view.Case; c.Status != helpdesk.StatusInProgress || len(c.Tasks) != 2 || c.Tasks[1].Type != "deliver" {
		t.Errorf("after ordering: status %s, tasks %+v", c.Status, c.Tasks)
	}
	if c := delivered.view.Case; c.Status != helpdesk.StatusResolved || c.Order.TotalNOK != 12000+2*2500 || c.Order.NeedsApproval() {
		t.Errorf("after delivery: status %s, order %+v", c.Status, c.Order)
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusClosed || len(final.Tasks) != 3 || final.Tasks[1].Outcome != helpdesk.OutcomeFailed {
		t.Errorf("final: status %s, tasks %+v", final.Status, final.Tasks)
	}
	for _, tk := range final.Tasks {
		if tk.Kind != helpdesk.TaskFulfilment {
			t.Errorf("a standard order needed a %s task %q", tk.Kind, tk.Type)
		}
	}
}

var arne = helpdesk.Actor{Username: "arne", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker, helpdesk.RoleESAOwner}, Groups: []string{"arkiv"}}

func TestNonStandardOrderNeedsReviewAndCostAcceptance(t *testing.T) {
	f := newFixture(t)
	var perReview, liseReview, jonCost, kariCost outcome
	complete(f, time.Hour, per, 1, helpdesk.OutcomeApproved, "", &perReview) // not in tjeneste
	complete(f, 2*time.Hour, lise, 1, helpdesk.OutcomeApproved, "Lisens kan kjøpes", &liseReview)
	complete(f, 3*time.Hour, jon, 2, helpdesk.OutcomeApproved, "", &jonCost) // not the budget holder
	complete(f, 4*time.Hour, kari, 2, helpdesk.OutcomeApproved, "OK for opplæring", &kariCost)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, 5*time.Hour)
	f.run(orderInput(t, nonStandard("Adobe Acrobat Pro", 3000, 2), helpdesk.OrderItem{CatalogItem: "headset", Quantity: 1}))

	if perReview.succeeded || errorCode(t, perReview.err) != helpdesk.CodeForbidden {
		t.Errorf("per (not in tjeneste) reviewed: %v", perReview.err)
	}
	if jonCost.succeeded || errorCode(t, jonCost.err) != helpdesk.CodeForbidden {
		t.Errorf("jon (not the budget holder) accepted the cost: %v", jonCost.err)
	}
	if !liseReview.succeeded || !kariCost.succeeded {
		t.Fatalf("review %v, cost %v", liseReview.err, kariCost.err)
	}
	if c := liseReview.view.Case; c.Status != helpdesk.StatusAwaitingApproval || c.Tasks[1].Approver != "kari" || c.Tasks[1].CostNOK != 6000 {
		t.Errorf("after review: status %s, cost task %+v", c.Status, c.Tasks[1])
	}
	c := kariCost.view.Case
	if c.Status != helpdesk.StatusInProgress || len(c.Tasks) != 3 || c.Tasks[2].Type != "order" || c.Tasks[1].DecidedBy != "kari" {
		t.Errorf("after cost acceptance: status %s, tasks %+v", c.Status, c.Tasks)
	}
	if c.Order.NonStandardNOK != 6000 || c.Order.TotalNOK != 6900 {
		t.Errorf("costs recorded = %+v, want 6000 non-standard of 6900", c.Order)
	}
}

func TestRejectedCostEndsTheOrder(t *testing.T) {
	f := newFixture(t)
	var review, reporterDecides, cost outcome
	complete(f, time.Hour, lise, 1, helpdesk.OutcomeApproved, "", &review)
	complete(f, 2*time.Hour, ola, 2, helpdesk.OutcomeApproved, "", &reporterDecides)
	complete(f, 3*time.Hour, kari, 2, helpdesk.OutcomeRejected, "Ikke budsjett i år", &cost)
	f.run(orderInput(t, nonStandard("3D-skriver", 25000, 1)))

	if reporterDecides.succeeded || errorCode(t, reporterDecides.err) != helpdesk.CodeForbidden {
		t.Errorf("the reporter decided on their own order: %v", reporterDecides.err)
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusRejected || !strings.Contains(final.Order.RejectedReason, "Ikke budsjett i år") {
		t.Errorf("final: status %s, reason %q; want rejected with kari's comment", final.Status, final.Order.RejectedReason)
	}
	for _, tk := range final.Tasks {
		if tk.Kind == helpdesk.TaskFulfilment {
			t.Errorf("a rejected order got fulfilment task %q", tk.Type)
		}
	}
}

func TestApprovalRemindsEscalatesAndExpires(t *testing.T) {
	f := newFixture(t)
	var review outcome
	complete(f, time.Hour, lise, 1, helpdesk.OutcomeApproved, "", &review) // Tue 10:00
	f.run(orderInput(t, nonStandard("Skjermlupe", 1500, 1)))

	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	var got []recorded
	for _, e := range f.events(t) {
		if strings.HasPrefix(e.Type, "Task") || e.Type == "CaseRejected" {
			got = append(got, e)
		}
	}
	want := []recorded{
		{Type: "TaskOpened", At: oslo(11, 24, 9, 0, 0)},     // IT review
		{Type: "TaskCompleted", At: oslo(11, 24, 10, 0, 0)}, // lise approves
		{Type: "TaskOpened", At: oslo(11, 24, 10, 0, 0)},    // cost to kari
		{Type: "TaskReminded", At: oslo(11, 25, 10, 0, 0)},  // 1 service day
		{Type: "TaskEscalated", At: oslo(11, 26, 10, 0, 0)}, // 2 service days: to nina
		{Type: "TaskCompleted", At: oslo(12, 1, 10, 0, 0)},  // 5 service days: expired
		{Type: "CaseRejected", At: oslo(12, 1, 10, 0, 0)},
	}
	if len(got) != len(want) {
		t.Fatalf("task events %v, want %d", got, len(want))
	}
	for i := range want {
		if got[i].Type != want[i].Type || !got[i].At.Equal(want[i].At) {
			t.Errorf("event %d: got %s at %v, want %s at %v", i, got[i].Type, got[i].At.In(helpdesk.Oslo), want[i].Type, want[i].At)
		}
	}
	if final.Status != helpdesk.StatusRejected || final.Tasks[1].Outcome != helpdesk.OutcomeExpired || !final.Tasks[1].Escalated {
		t.Errorf("final: status %s, cost task %+v", final.Status, final.Tasks[1])
	}
}

func TestFallbackAndDeputyDecide(t *testing.T) {
	for _, tt := range []struct {
		name       string
		actor      helpdesk.Actor
		at         time.Duration
		onBehalfOf string
		ok         bool
	}{
		{"fallback before escalation", nina, 2 * time.Hour, "", false},
		{"fallback after escalation", nina, after(oslo(11, 26, 11, 0, 0)), "", true},
		{"deputy of the approver", helpdesk.Actor{Username: "jon", Roles: jon.Roles, Deputising: []string{"kari"}}, 2 * time.Hour, "kari", true},
		{"deputy of someone else", helpdesk.Actor{Username: "jon", Roles: jon.Roles, Deputising: []string{"eva"}}, 2 * time.Hour, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var review, cost outcome
			complete(f, time.Hour, lise, 1, helpdesk.OutcomeApproved, "", &review)
			complete(f, tt.at, tt.actor, 2, helpdesk.OutcomeApproved, "", &cost)
			f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, tt.at+time.Hour)
			f.run(orderInput(t, nonStandard("Skjermlupe", 1500, 1)))
			if cost.succeeded != tt.ok {
				t.Fatalf("decided = %v (%v), want %v", cost.succeeded, cost.err, tt.ok)
			}
			if !tt.ok {
				return
			}
			task := cost.view.Case.Tasks[1]
			if task.DecidedBy != tt.actor.Username || task.OnBehalfOf != tt.onBehalfOf {
				t.Errorf("recorded decided by %q on behalf of %q, want %q on behalf of %q", task.DecidedBy, task.OnBehalfOf, tt.actor.Username, tt.onBehalfOf)
			}
		})
	}
}

func TestReporterCancelsOrderAwaitingApproval(t *testing.T) {
	f := newFixture(t)
	var cancel, late outcome
	f.step(time.Hour, workflows.UpdateCancel, workflows.StepInput{Actor: ola, Reason: "Trenger det ikke lenger"}, &cancel)
	complete(f, 2*time.Hour, lise, 1, helpdesk.OutcomeApproved, "", &late)
	f.run(orderInput(t, nonStandard("Skjermlupe", 1500, 1)))
	if !cancel.succeeded {
		t.Fatal(cancel.err)
	}
	if late.succeeded {
		t.Error("a task of a cancelled order was completed")
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusCancelled {
		t.Errorf("final status %s, want cancelled", final.Status)
	}
}
