package projection

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// catchUpInto builds rm from the whole record offline, as "brukerhjelp
// projections rebuild" does.
func (w *world) catchUpInto(rm *readmodel.DB) readmodel.Stats {
	w.t.Helper()
	p, err := New(w.store, rm, Options{Logger: slog.New(slog.NewTextHandler(w.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), BatchSize: 4})
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := p.CatchUp(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

func compare(t *testing.T, live, rebuilt *readmodel.DB) (int, []string) {
	t.Helper()
	var diffs []string
	rows, _, err := readmodel.Compare(context.Background(), live, rebuilt, func(d readmodel.Difference) { diffs = append(diffs, d.String()) })
	if err != nil {
		t.Fatal(err)
	}
	return rows, diffs
}

func TestVerifyFindsWhatDiffersFromARebuild(t *testing.T) {
	w := newWorld(t)
	_, stop := w.start(w.rm, nil)
	d := seedDesk(w)
	w.caughtUp(w.rm)
	stop()

	// An offline rebuild equals the live read model, row by row, even
	// though it went in batches and the live one event by event.
	fresh := w.openReadModel(w.rmPath + ".fresh")
	if st := w.catchUpInto(fresh); st.Position != w.lastPos || st.Applied != caseEvents(t, w) {
		t.Fatalf("offline rebuild stats %+v, want position %d and %d applied", st, w.lastPos, caseEvents(t, w))
	}
	rows, diffs := compare(t, w.rm, fresh)
	if len(diffs) != 0 || rows < 20 {
		t.Fatalf("an untouched read model: %d rows compared, differences %q; want none", rows, diffs)
	}

	// Someone edits the live read model by hand: each change is found.
	dsn := readmodeltest.DSN(t, w.rmPath)
	printer := w.fold(d.printer)
	readmodeltest.Exec(t, dsn, `UPDATE cases SET status = 'closed' WHERE id = '`+printer.ID+`'`)
	readmodeltest.Exec(t, dsn, `DELETE FROM notifications WHERE id IN (SELECT id FROM notifications ORDER BY id LIMIT 1)`)
	readmodeltest.Exec(t, dsn, `UPDATE checkpoints SET applied = applied + 1`)
	_, diffs = compare(t, w.rm, fresh)
	got := strings.Join(diffs, "\n")
	for _, want := range []string{
		"cases " + printer.ID + ": status is closed, rebuilt " + string(printer.Status),
		"notifications ",
		"in the rebuilt read model, missing from the live one",
		"checkpoints cases: applied is",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("differences:\n%s\nwant one saying %q", got, want)
		}
	}
	if len(diffs) != 3 {
		t.Errorf("%d differences, want 3:\n%s", len(diffs), got)
	}

	// A rebuild in place (Reset, then the record) makes it exact again.
	if err := w.rm.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.catchUpInto(w.rm)
	if _, diffs := compare(t, w.rm, fresh); len(diffs) != 0 {
		t.Errorf("after a rebuild in place: %q", diffs)
	}
}

// TestARebuildInLargeBatchesEqualsTheLiveReadModel: an offline rebuild
// whose batches hold many new cases at once (on PostgreSQL written by
// COPY, readmodel/postgres.go) leaves the read model the live projector
// left, event by event, row for row: cases, tasks, notifications and the
// checkpoint's counts.
func TestARebuildInLargeBatchesEqualsTheLiveReadModel(t *testing.T) {
	w := newWorld(t)
	_, stop := w.startNotifying(w.rm, nil)
	seedDesk(w)
	for i := range 40 {
		c := w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: fmt.Sprintf("Ny skjerm %d", i), Reporter: "kari", CreatedBy: "kari"}).
			then("system", helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "jon", Fallback: "nina",
				CostNOK: int64(4000 + i), Title: "Godkjenn kostnaden"})
		if i%3 == 0 {
			c.then("jon", helpdesk.TaskCompleted{Outcome: helpdesk.OutcomeApproved, DecidedBy: "jon"})
		}
	}
	w.caughtUp(w.rm)
	stop()

	fresh := w.openReadModel(w.rmPath + ".batches")
	p, err := New(w.store, fresh, Options{Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Groups: directory.Demo(), BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := p.CatchUp(context.Background()); err != nil || st.Position != w.lastPos || st.Poisoned != 0 {
		t.Fatalf("rebuild: %+v, %v; want position %d, nothing poisoned", st, err, w.lastPos)
	}
	rows, diffs := compare(t, w.rm, fresh)
	if len(diffs) != 0 || rows < 40*3 {
		t.Fatalf("%d rows compared, differences:\n%s", rows, strings.Join(diffs, "\n"))
	}
}
