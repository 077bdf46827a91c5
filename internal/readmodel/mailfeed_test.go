package readmodel_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// TestMailFeedSkipsWhatIsTooOldToMail: the mail dispatcher asks the feed
// for the notifications after its cursor that are young enough to mail.
// Years of older ones before them are passed over (the feed starts at
// the first young one), those after the cursor come in feed order, an
// old one among the young is still left out, and with none young enough
// the answer is empty.
func TestMailFeedSkipsWhatIsTooOldToMail(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	since := now.Add(-24 * time.Hour)
	const n = 600
	var want []string
	if err := db.ProjectBatch(ctx, "cases", func(ctx context.Context, b *readmodel.Batch) error {
		for pos := uint64(1); pos <= n; pos++ {
			created := now.AddDate(-2, 0, 0).Add(time.Duration(pos) * time.Hour) // old
			young := pos > n-40 && pos%7 != 0                                    // the last ones, but every seventh
			if young {
				created = now.Add(-time.Duration(n-pos) * time.Minute)
			}
			id := fmt.Sprintf("note-%04d", pos)
			if young {
				want = append(want, id)
			}
			if _, err := b.Step(ctx, pos, func(ctx context.Context, tx *readmodel.Tx) error {
				return tx.QueueNotification(ctx, readmodel.Notification{ID: id, Recipient: "ola", CaseID: "c", CaseReference: "BH-2026-000001",
					Kind: "case-updated", Title: "endret", TitleEn: "changed", CreatedAt: created, Position: pos, EventID: fmt.Sprintf("event-%d", pos)})
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(cur readmodel.FeedCursor, since time.Time, limit int) []string {
		t.Helper()
		notes, err := db.NotificationsAfter(ctx, cur, since, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range notes {
			out = append(out, m.ID)
		}
		return out
	}
	count := func(cur readmodel.FeedCursor, since time.Time) int {
		t.Helper()
		c, err := db.CountNotificationsAfter(ctx, cur, since)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Where the young ones begin is found by their time, not by a walk of
	// the feed's order from its start.
	var traced [][2]any
	db.TraceQueries(func(q string, args []any) { traced = append(traced, [2]any{q, args}) })
	got := ids(readmodel.FeedCursor{}, since, 100)
	db.TraceQueries(nil)
	if len(traced) == 0 {
		t.Fatal("no query of the feed's start was traced")
	}
	for _, q := range traced {
		plan, err := db.ExplainPlan(ctx, q[0].(string), q[1].([]any))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, "notifications_feed") || !strings.Contains(plan, "notifications_recent") {
			t.Errorf("the feed's start is not sought by time:\n%s\nquery: %s", plan, q[0])
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("from the start: %v, want %v", got, want)
	}
	if got := count(readmodel.FeedCursor{}, since); got != len(want) {
		t.Fatalf("count from the start: %d, want %d", got, len(want))
	}
	// After the fifth young one, in pages of three.
	var paged []string
	cur := readmodel.FeedCursor{Position: uint64(n - 40 + 5), ID: want[4]} // the fifth young one
	for {
		notes, err := db.NotificationsAfter(ctx, cur, since, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) == 0 {
			break
		}
		for _, m := range notes {
			paged = append(paged, m.ID)
		}
		cur = notes[len(notes)-1].Cursor()
	}
	if !slices.Equal(paged, want[5:]) {
		t.Fatalf("after the fifth, in pages of three: %v, want %v", paged, want[5:])
	}
	// Without an age limit every notification counts.
	if got := count(readmodel.FeedCursor{}, time.Time{}); got != n {
		t.Fatalf("count without an age limit: %d, want %d", got, n)
	}
	if got := ids(readmodel.FeedCursor{}, now.Add(time.Hour), 100); len(got) != 0 {
		t.Fatalf("none young enough: %v, want none", got)
	}
}
