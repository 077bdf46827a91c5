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

// A group's queue holds the cases nobody holds; sorted by deadline it
// lists the soonest resolution deadline first, cases without one last,
// and pages in that order without repeating or skipping a case.
func TestTheUnassignedQueueByDeadline(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "rm.db"))
	now := time.Now().Truncate(time.Second)
	due := func(h int) *helpdesk.SLA {
		d := now.Add(time.Duration(h) * time.Hour)
		return &helpdesk.SLA{ResponseDue: &d, ResolutionDue: &d}
	}
	cases := []struct {
		assignee string
		sla      *helpdesk.SLA
	}{
		{"", due(5)},    // 1
		{"per", due(1)}, // 2: held, not in the queue
		{"", nil},       // 3: no SLA: last
		{"", due(2)},    // 4
		{"", due(9)},    // 5
		{"", due(2)},    // 6: the same deadline as 4: by id
	}
	for i, c := range cases {
		k := newCase(i+1, helpdesk.StatusNew, c.assignee, now.Add(time.Duration(i)*time.Minute))
		k.SLA = c.sla
		put(t, db, uint64(i+1), k)
	}
	want := []string{"BH-2026-000004", "BH-2026-000006", "BH-2026-000001", "BH-2026-000005", "BH-2026-000003"}
	var got []string
	f := readmodel.Filter{Visibility: readmodel.Visibility{All: true}, Unassigned: true, SortDue: true, Limit: 2}
	for range 5 {
		page, err := db.ListCases(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("the unassigned queue by deadline, two a page: %v, want %v", got, want)
	}
	page, err := db.ListCases(context.Background(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}, Unassigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(page.Items); !slices.Equal(got, []string{"BH-2026-000006", "BH-2026-000005", "BH-2026-000004", "BH-2026-000003", "BH-2026-000001"}) {
		t.Errorf("the unassigned queue, newest first: %v", got)
	}
}
