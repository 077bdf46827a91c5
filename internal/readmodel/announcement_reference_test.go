package readmodel_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// An announcement is found by its reference (DRIFT-…), which cannot be
// turned back into its id.
func TestAnnouncementIDsByReference(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "rm.db"))
	now := time.Now()
	ids := []string{"5de39d1c-0000-4000-8000-000000000001", "7a000000-0000-4000-8000-000000000002"}
	for i, id := range ids {
		a := helpdesk.NewAnnouncement()
		a.Apply(helpdesk.Publish(id, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage, Title: "ESA er nede"}, now, nil),
			helpdesk.Metadata{Actor: "tor", OccurredAt: now}, 0)
		if _, err := db.Project(context.Background(), "announcements", uint64(i+1), func(ctx context.Context, tx *readmodel.Tx) error {
			return tx.PutAnnouncement(ctx, a)
		}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.AnnouncementIDs(context.Background(), "DRIFT-5DE39D1C")
	if err != nil || !slices.Equal(got, ids[:1]) {
		t.Errorf("DRIFT-5DE39D1C names %v, %v; want %v", got, err, ids[:1])
	}
	if got, err := db.AnnouncementIDs(context.Background(), "DRIFT-00000000"); err != nil || len(got) != 0 {
		t.Errorf("an unknown reference names %v, %v", got, err)
	}
}

// A work queue lists the open statuses only.
func TestListCasesInAnyOfStatuses(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "rm.db"))
	now := time.Now()
	for i, st := range []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusClosed, helpdesk.StatusWaitingForUser, helpdesk.StatusResolved} {
		put(t, db, uint64(i+1), newCase(i+1, st, "", now.Add(time.Duration(i)*time.Minute)))
	}
	page, err := db.ListCases(context.Background(), readmodel.Filter{Visibility: readmodel.Visibility{All: true},
		Statuses: []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser}})
	if err != nil {
		t.Fatal(err)
	}
	var got []helpdesk.Status
	for _, c := range page.Items {
		got = append(got, c.Status)
	}
	if want := []helpdesk.Status{helpdesk.StatusWaitingForUser, helpdesk.StatusNew}; !slices.Equal(got, want) {
		t.Errorf("open cases %v, want %v", got, want)
	}
}
