package readmodel_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// The inbox reads a task's case from the task's own row: it shows the
// case's title and kind as the case has them now (its personal data
// erased, say), and still keeps an approval from the person who reported
// the case, a deputy's too.
func TestTheInboxShowsTheCaseAsItIsNow(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := newCase(1, helpdesk.StatusAwaitingApproval, "", at)
	c.Kind, c.Title, c.Reporter = helpdesk.KindOrder, "Skjerm til Ola Nordmann", "kari"
	c.Tasks = []helpdesk.Task{
		{ID: c.ID + ".t1", Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden", Status: helpdesk.TaskStatusOpen,
			Approver: "kari", Fallback: "nina", CreatedAt: at},
		{ID: c.ID + ".t2", Kind: helpdesk.TaskFulfilment, Type: "order", Title: "Bestill varene", Status: helpdesk.TaskStatusOpen,
			Group: helpdesk.FirstLineGroup, CreatedAt: at.Add(time.Minute)},
	}
	put(t, db, 1, c)
	inbox := func(a helpdesk.Actor) []readmodel.TaskItem {
		t.Helper()
		items, err := db.ListTasks(ctx, readmodel.TaskFilter{OpenOnly: true, For: &a})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	per := helpdesk.Actor{Username: "per", Roles: []helpdesk.Role{helpdesk.RoleCaseworker}, Groups: []string{helpdesk.FirstLineGroup}}
	if got := inbox(per); len(got) != 1 || got[0].CaseTitle != "Skjerm til Ola Nordmann" || got[0].CaseKind != helpdesk.KindOrder {
		t.Fatalf("per's inbox = %+v, want the order's task with its title", got)
	}
	// The reporter approves nothing of their own, nor does their deputy.
	if got := inbox(helpdesk.Actor{Username: "kari"}); len(got) != 0 {
		t.Errorf("kari's inbox holds %+v of the case she reported", got)
	}
	if got := inbox(helpdesk.Actor{Username: "eva", Deputising: []string{"kari"}}); len(got) != 0 {
		t.Errorf("kari's deputy's inbox holds %+v of the case kari reported", got)
	}
	c.Title, c.Revision, c.UpdatedAt = "[slettet]", 1, at.Add(time.Hour)
	put(t, db, 2, c)
	if got := inbox(per); len(got) != 1 || got[0].CaseTitle != "[slettet]" {
		t.Errorf("after the title changed, per's inbox = %+v", got)
	}
	// Someone else's case: kari's deputy decides it.
	c.Reporter, c.Revision = "ola", 2
	put(t, db, 3, c)
	if got := inbox(helpdesk.Actor{Username: "eva", Deputising: []string{"kari"}}); len(got) != 1 || got[0].Type != "cost-approval" {
		t.Errorf("kari's deputy's inbox = %+v, want the approval", got)
	}
}
