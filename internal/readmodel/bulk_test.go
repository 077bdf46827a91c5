package readmodel_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// TestBulkWritesEqualRowWrites: a catching-up batch on PostgreSQL writes
// its new cases, their tasks and its notifications by COPY (postgres.go);
// the read model it leaves is the one the row-by-row statements leave,
// row for row, for batches of new cases, of cases met before (updated,
// tasks rewritten) and of both.
func TestBulkWritesEqualRowWrites(t *testing.T) {
	if !readmodeltest.OnPostgres(t) {
		t.Skip("COPY is PostgreSQL's")
	}
	ctx := context.Background()
	dir := t.TempDir()
	const total = 90
	tasks := 0
	for i := range total {
		tasks += len(scaleCase(i, total).Tasks)
	}
	if tasks < 10 {
		t.Fatalf("the synthetic cases have %d tasks: too few to see them written", tasks)
	}
	// Three batches: cases 0–39 new; 20–69, half met before (now later
	// versions of themselves), half new; then 0–89, most met before.
	batches := [][2]int{{0, 40}, {20, 70}, {0, total}}
	write := func(db *readmodel.DB) {
		pos := uint64(0)
		for round, span := range batches {
			if err := db.ProjectBatch(ctx, "cases", func(ctx context.Context, b *readmodel.Batch) error {
				var ids []string
				for i := span[0]; i < span[1]; i++ {
					ids = append(ids, scaleCase(i, total).ID)
				}
				if err := b.Prefetch(ctx, ids[:len(ids)/2]); err != nil { // the rest read by Case
					return err
				}
				for i := span[0]; i < span[1]; i++ {
					pos++
					c := scaleCase(i, total)
					if _, err := b.Step(ctx, pos, func(ctx context.Context, tx *readmodel.Tx) error {
						_, seen, _, err := tx.Case(ctx, c.ID)
						if err != nil {
							return err
						}
						c.Revision = seen + 1
						c.UpdatedAt = c.UpdatedAt.Add(time.Duration(round) * time.Hour)
						if round > 0 && len(c.Tasks) > 0 {
							c.Tasks = c.Tasks[:len(c.Tasks)-1] // a task gone: its row must go
						}
						for _, to := range []string{c.Reporter, "per"} {
							if err := tx.QueueNotification(ctx, readmodel.Notification{ID: fmt.Sprintf("%s/%d/%s", c.ID, round, to),
								Recipient: to, CaseID: c.ID, CaseReference: c.Reference, Kind: "case-updated",
								Title: c.Reference + " er endret", TitleEn: c.Reference + " was changed",
								CreatedAt: c.UpdatedAt, Position: pos, EventID: fmt.Sprintf("event-%d", pos)}); err != nil {
								return err
							}
						}
						return tx.PutCase(ctx, c, c.Revision)
					}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}

	rows := open(t, filepath.Join(dir, "rows.db"))
	restore := readmodel.SetBulkMin(1 << 30)
	before := readmodel.Copied()
	write(rows)
	restore()
	if n := readmodel.Copied() - before; n != 0 {
		t.Fatalf("%d rows copied with COPY turned off", n)
	}
	bulk := open(t, filepath.Join(dir, "bulk.db"))
	before = readmodel.Copied()
	write(bulk)
	// New cases (90), their tasks, the notifications (2 a step, 180 steps).
	if n := readmodel.Copied() - before; n < total+2*(40+50+90) {
		t.Fatalf("%d rows copied: the bulk path did not run", n)
	}

	compared, diffs, err := readmodel.Compare(ctx, rows, bulk, func(d readmodel.Difference) { t.Error(d) })
	if err != nil {
		t.Fatal(err)
	}
	if diffs != 0 || compared < total+2*(40+50+90) {
		t.Fatalf("%d rows compared, %d differ; want the same read model", compared, diffs)
	}
	for _, db := range []*readmodel.DB{rows, bulk} {
		page, err := db.ListCases(ctx, readmodel.Filter{Visibility: readmodel.Visibility{All: true}, Limit: readmodel.MaxLimit})
		if err != nil || len(page.Items) != total {
			t.Fatalf("%d cases listed (%v), want %d", len(page.Items), err, total)
		}
	}
}
