package readmodel_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

func open(t *testing.T, path string) *readmodel.DB {
	t.Helper()
	db, err := readmodel.Open(context.Background(), readmodeltest.DSN(t, path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// put writes c as the projection step at position pos.
func put(t *testing.T, db *readmodel.DB, pos uint64, c helpdesk.Case) {
	t.Helper()
	applied, err := db.Project(context.Background(), "cases", pos, func(ctx context.Context, tx *readmodel.Tx) error {
		return tx.PutCase(ctx, c, c.Revision)
	})
	if err != nil || !applied {
		t.Fatalf("Project(%d) = %v, %v; want applied", pos, applied, err)
	}
}

// putBatch writes cases as one batch of projection steps at the
// positions after pos, and returns the last.
func putBatch(t testing.TB, db *readmodel.DB, pos uint64, cases []helpdesk.Case) uint64 {
	t.Helper()
	if err := db.ProjectBatch(context.Background(), "cases", func(ctx context.Context, b *readmodel.Batch) error {
		for i, c := range cases {
			if _, err := b.Step(ctx, pos+uint64(i)+1, func(ctx context.Context, tx *readmodel.Tx) error {
				return tx.PutCase(ctx, c, c.Revision)
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return pos + uint64(len(cases))
}

func newCase(n int, status helpdesk.Status, assignee string, updated time.Time) helpdesk.Case {
	return helpdesk.Case{
		ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Reference: helpdesk.FormatReference(2026, uint64(n)),
		Kind: helpdesk.KindIncident, Status: status, Title: fmt.Sprintf("Sak %d", n), Reporter: "ola", CreatedBy: "ola",
		Assignee: assignee, Group: helpdesk.FirstLineGroup, CreatedAt: updated, UpdatedAt: updated, Revision: 0,
	}
}

func ids(items []readmodel.CaseSummary) []string {
	out := make([]string, len(items))
	for i, c := range items {
		out[i] = c.Reference
	}
	return out
}

func TestPagingNeverRepeatsOrSkipsACase(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// Cases 3, 4 and 5 were updated at the same instant: the id breaks the tie.
	at := []time.Duration{1, 2, 3, 3, 3, 4, 5}
	for i, d := range at {
		put(t, db, uint64(i+1), newCase(i+1, helpdesk.StatusNew, "", base.Add(d*time.Minute)))
	}
	want := []string{"BH-2026-000007", "BH-2026-000006", "BH-2026-000005", "BH-2026-000004", "BH-2026-000003", "BH-2026-000002", "BH-2026-000001"}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatalf("paging does not end; so far %v", got)
		}
		page, err := db.ListCases(context.Background(), readmodel.Filter{Limit: 2, Cursor: cursor, Visibility: readmodel.Visibility{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages gave %v, want %v", got, want)
	}
}

func TestForeignCursorIsRefused(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	for _, c := range []string{"not base64!", "eA", "MTIz"} { // "x", "123"
		_, err := db.ListCases(context.Background(), readmodel.Filter{Cursor: c, Visibility: readmodel.Visibility{All: true}})
		if !errors.Is(err, readmodel.ErrBadCursor) {
			t.Errorf("cursor %q: error %v, want ErrBadCursor", c, err)
		}
	}
}

func TestZeroVisibilitySeesNothing(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	put(t, db, 1, newCase(1, helpdesk.StatusNew, "", time.Now()))
	page, err := db.ListCases(context.Background(), readmodel.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Errorf("a filter without visibility listed %v, want nothing", ids(page.Items))
	}
}

func TestAStepAtOrBeforeTheCheckpointIsNotRunAgain(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	ctx := context.Background()
	put(t, db, 5, newCase(1, helpdesk.StatusNew, "", time.Now()))
	for _, pos := range []uint64{5, 3} {
		ran := false
		applied, err := db.Project(ctx, "cases", pos, func(context.Context, *readmodel.Tx) error { ran = true; return nil })
		if err != nil || applied || ran {
			t.Errorf("Project(%d) after checkpoint 5 = applied %v, ran %v, err %v; want a no-op", pos, applied, ran, err)
		}
	}
	st, err := db.Stats(ctx, "cases")
	if err != nil {
		t.Fatal(err)
	}
	if st.Position != 5 || st.Applied != 1 {
		t.Errorf("stats = %+v, want position 5 with 1 applied", st)
	}
}

func TestAFailedStepLeavesNeitherRowNorCheckpoint(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	ctx := context.Background()
	boom := errors.New("crash before commit")
	_, err := db.Project(ctx, "cases", 1, func(ctx context.Context, tx *readmodel.Tx) error {
		if err := tx.PutCase(ctx, newCase(1, helpdesk.StatusNew, "", time.Now()), 0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Project error = %v, want %v", err, boom)
	}
	page, _ := db.ListCases(ctx, readmodel.Filter{Visibility: readmodel.Visibility{All: true}})
	cp, _ := db.Checkpoint(ctx, "cases")
	if len(page.Items) != 0 || cp != 0 {
		t.Errorf("after a failed step: cases %v, checkpoint %d; want none and 0", ids(page.Items), cp)
	}
}

func TestOpenCaseLoadCountsUnfinishedCasesPerCaseworker(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	now := time.Now()
	put(t, db, 1, newCase(1, helpdesk.StatusInProgress, "per", now))
	put(t, db, 2, newCase(2, helpdesk.StatusResolved, "per", now))
	put(t, db, 3, newCase(3, helpdesk.StatusClosed, "per", now))
	put(t, db, 4, newCase(4, helpdesk.StatusWaitingForUser, "lise", now))
	put(t, db, 5, newCase(5, helpdesk.StatusCancelled, "lise", now))
	got, err := db.OpenCaseLoad(context.Background(), []string{"per", "lise", "arne"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"per": 2, "lise": 1, "arne": 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("OpenCaseLoad = %v, want %v", got, want)
	}
}

func TestOpenRebuildsAReadModelOfAnotherVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "readmodel.db")
	db := open(t, path)
	put(t, db, 1, newCase(1, helpdesk.StatusNew, "", time.Now()))
	if db.Rebuilt() != "" {
		t.Errorf("a new file says rebuilt: %q", db.Rebuilt())
	}
	db.Close()

	readmodeltest.Exec(t, readmodeltest.DSN(t, path), `UPDATE meta SET value = '0-old' WHERE key = 'version'`)

	db = open(t, path)
	cp, err := db.Checkpoint(context.Background(), "cases")
	if err != nil {
		t.Fatal(err)
	}
	if db.Rebuilt() == "" || cp != 0 {
		t.Errorf("reopened a read model of version 0-old: rebuilt %q, checkpoint %d; want a reason and 0", db.Rebuilt(), cp)
	}

	db.Close()
	db = open(t, path)
	if db.Rebuilt() != "" {
		t.Errorf("reopened the current version: rebuilt %q, want it kept", db.Rebuilt())
	}
}

func TestABatchCommitsItsStepsAndCheckpointTogether(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	ctx := context.Background()
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := newCase(1, helpdesk.StatusNew, "", base)
	step := func(b *readmodel.Batch, pos uint64, status helpdesk.Status, assignee string) error {
		_, err := b.Step(ctx, pos, func(ctx context.Context, tx *readmodel.Tx) error {
			got, seen, ok, err := tx.Case(ctx, c.ID)
			if err != nil {
				return err
			}
			if ok && got.Status == "" {
				return errors.New("the batch lost the case it wrote")
			}
			got = c
			got.Status, got.Assignee, got.Revision = status, assignee, seen+1
			got.UpdatedAt = base.Add(time.Duration(pos) * time.Minute)
			return tx.PutCase(ctx, got, seen+1)
		})
		return err
	}
	// Three events of one case in one transaction: the last one wins, and
	// each step saw the one before (revision 0, 1, 2).
	if err := db.ProjectBatch(ctx, "cases", func(ctx context.Context, b *readmodel.Batch) error {
		for i, st := range []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusResolved} {
			if err := step(b, uint64(i+1), st, "per"); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	page, err := db.ListCases(ctx, readmodel.Filter{Visibility: readmodel.Visibility{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].Status != helpdesk.StatusResolved || page.Items[0].Revision != 2 {
		t.Fatalf("after a batch of three: %+v, want one case resolved at revision 2", page.Items)
	}
	if st, err := db.Stats(ctx, "cases"); err != nil || st.Position != 3 || st.Applied != 3 {
		t.Fatalf("stats after a batch of three = %+v, %v; want position 3, 3 applied", st, err)
	}

	// A batch that fails at its second step keeps nothing, not even its
	// first step; steps at or before the checkpoint are not run again.
	err = db.ProjectBatch(ctx, "cases", func(ctx context.Context, b *readmodel.Batch) error {
		if applied, err := b.Step(ctx, 3, func(context.Context, *readmodel.Tx) error { return errors.New("ran again") }); applied || err != nil {
			return fmt.Errorf("step 3 again: applied %v, %v", applied, err)
		}
		if err := step(b, 4, helpdesk.StatusClosed, "lise"); err != nil {
			return err
		}
		_, err := b.Step(ctx, 5, func(context.Context, *readmodel.Tx) error { return errors.New("disk full") })
		return err
	})
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("failing batch: %v, want disk full", err)
	}
	if st, err := db.Stats(ctx, "cases"); err != nil || st.Position != 3 || st.Applied != 3 {
		t.Errorf("stats after a failed batch = %+v, %v; want still position 3, 3 applied", st, err)
	}
	if load, err := db.OpenCaseLoad(ctx, []string{"per", "lise"}); err != nil || load["per"] != 1 || load["lise"] != 0 {
		t.Errorf("after a failed batch: load %v, %v; want the case still with per", load, err)
	}
}
