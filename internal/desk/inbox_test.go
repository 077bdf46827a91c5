package desk

import (
	"context"
	"slices"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

const olasESA = "7d3c5a0e-8f1b-4c2d-9e3f-000000000020"

func TestInboxSaysWhatIsAskedByWhenAndForWhom(t *testing.T) {
	opened := osloAt(2026, 12, 22, 9, 0) // Tuesday; jon deputises for kari over Christmas
	tasks := []readmodel.TaskItem{
		{ID: olasTaskID, CaseID: olasOrder, Kind: helpdesk.TaskApproval, Approver: "kari", Fallback: "nina"},
		{ID: olasESA + ".t1", CaseID: olasESA, Kind: helpdesk.TaskApproval, Approver: "arne", Fallback: "nina"},
	}
	td := newDeskAt(t, lists{tasks: tasks}, opened.Add(2*60*60*1e9))
	td.seed(t, helpdesk.Stream(olasOrder), "ola", opened,
		helpdesk.CaseOpened{CaseID: olasOrder, Reference: "BH-2026-000002", Kind: helpdesk.KindOrder, Title: "Lisens", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"},
		helpdesk.OrderPlaced{Order: helpdesk.Order{CostCenter: "opplaering", TotalNOK: 4500, NonStandardNOK: 4500,
			Lines: []helpdesk.OrderLine{{Description: "Adobe Acrobat Pro", Quantity: 1, UnitCostNOK: 4500}}}},
		helpdesk.TaskOpened{TaskID: olasTaskID, Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden", Approver: "kari", Fallback: "nina", CostNOK: 4500})
	td.seed(t, helpdesk.Stream(olasESA), "kari", opened,
		helpdesk.CaseOpened{CaseID: olasESA, Reference: "BH-2026-000020", Kind: helpdesk.KindESAAccess, Title: "ESA-tilgang for ola: saksbehandler", Reporter: "kari", CreatedBy: "kari", Group: "arkiv"},
		helpdesk.AccessRequested{Access: helpdesk.ESAAccess{Employee: "ola", Role: "saksbehandler", Units: []string{"opplaering"}, AccessCodes: []string{"A", "p"}, Sensitive: true, Manager: "kari"}},
		helpdesk.TaskOpened{TaskID: olasESA + ".t1", Kind: helpdesk.TaskApproval, Type: "esa-owner-approval", Title: "Godkjenn ESA-tilgang for ola", Approver: "arne", Fallback: "nina"})
	ctx := context.Background()
	dir := directory.Demo()
	actor := func(name string) helpdesk.Actor {
		a, err := td.Actor(ctx, mustUser(t, dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	cal, _ := td.calendar()
	_, wantEscalate, wantDecide := workflows.ApprovalSchedule(cal, td.CasePolicy(), opened, true)
	for _, who := range []struct{ name, onBehalfOf string }{{"kari", ""}, {"jon", "kari"}} {
		items, err := td.Inbox(ctx, actor(who.name))
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 {
			t.Fatalf("%s's inbox: %+v", who.name, items)
		}
		it := items[0]
		if it.Task.ID != olasTaskID || !it.MayDecide || it.OnBehalfOf != who.onBehalfOf || it.Case.Order == nil || it.Case.Order.TotalNOK != 4500 || it.Case.Reporter != "ola" {
			t.Errorf("%s's inbox item: got %+v, on behalf of %q, want %q", who.name, it, it.OnBehalfOf, who.onBehalfOf)
		}
		if !it.EscalateAt.Equal(wantEscalate) || !it.DecideBy.Equal(wantDecide) || !it.EscalateAt.Equal(osloAt(2026, 12, 28, 9, 0)) {
			t.Errorf("%s: escalate at %s, decide by %s; want %s (Christmas Eve is closed) and %s", who.name, it.EscalateAt, it.DecideBy, wantEscalate, wantDecide)
		}
	}
	items, err := td.Inbox(ctx, actor("arne"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Case.Access == nil || !slices.Equal(items[0].Sensitive, []string{"P"}) {
		t.Errorf("arne's inbox: %+v", items)
	}
	if items, _ := td.Inbox(ctx, actor("eva")); len(items) != 0 {
		t.Errorf("eva's inbox: %+v", items)
	}
	if _, err := td.InboxTask(ctx, actor("eva"), olasTaskID); !IsKind(err, NotFound) {
		t.Errorf("eva opens kari's task: %v", err)
	}
	if it, err := td.InboxTask(ctx, actor("ola"), olasTaskID); err != nil || it.MayDecide {
		t.Errorf("ola opens the approval of his own order: %+v, %v; he may see it, never decide it", it, err)
	}

	// The contract keeps a decision's comment optional (API.md section 5):
	// the web page asks for a reason to reject, the desk takes either.
	jon := actor("jon")
	if _, err := td.CompleteTask(ctx, jon, olasTaskID, helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeRejected, Comment: "Ikke budsjett i år"}); err != nil {
		t.Fatalf("a rejection with a reason: %v", err)
	}
	if _, err := td.CompleteTask(ctx, actor("kari"), olasTaskID, helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeApproved}); err != nil {
		t.Fatalf("an approval needs no reason: %v", err)
	}
	if calls := td.engine.taken(); len(calls) != 2 {
		t.Errorf("the engine was asked %v, want the rejection and the approval", calls)
	}
}

func mustUser(t *testing.T, dir *directory.Directory, name string) directory.User {
	t.Helper()
	u, ok := dir.User(name)
	if !ok {
		t.Fatalf("no user %s", name)
	}
	return u
}
