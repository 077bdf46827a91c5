package projection

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// crashChildEnv names the data dir a child process projects and then dies in.
const crashChildEnv = "PROJECTION_KILL_CHILD_DIR"

// The projector process is killed (SIGKILL, no deferred rollback, no
// clean close) after it has written the reopened case row and its
// notifications but before the transaction commits. After a restart the
// read model holds exactly what was committed before the kill, and catching
// up applies every case event exactly once: counts are exact. (See
// TestAStopMidTransactionResumesWithoutDoubleCounting for the same cut
// inside one process.)
func TestProcessKilledBeforeCommitLeavesExactCounts(t *testing.T) {
	w := newWorld(t)
	seedDesk(w)
	dir := filepath.Dir(w.rmPath)
	reopens, err := w.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{StreamPrefixes: []string{caseStreamPrefix}})
	if err != nil {
		t.Fatal(err)
	}
	var reopen eventstore.RecordedEvent
	for _, e := range reopens {
		if e.Type == (helpdesk.CaseReopened{}).EventType() {
			reopen = e
		}
	}
	if reopen.Position == 0 {
		t.Fatal("the desk has no reopened case")
	}

	child := exec.Command(os.Args[0], "-test.run=^TestProjectorChildThatIsKilled$", "-test.v")
	child.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := child.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want it killed by SIGKILL; output:\n%s", err, out)
	}

	// After the restart: nothing of the reopen's transaction is there.
	rm := w.openReadModel(w.rmPath)
	cp, err := rm.Checkpoint(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if cp == 0 || cp >= reopen.Position {
		t.Fatalf("checkpoint %d after the kill inside the transaction of %d, want after some events but before it", cp, reopen.Position)
	}
	if reopened, status := vpnState(t, rm); reopened != 0 || status != helpdesk.StatusResolved {
		t.Errorf("after the kill: vpn reopened %d, status %s; want the state before the reopen (0, resolved)", reopened, status)
	}

	w.start(rm, nil)
	w.caughtUp(rm)
	if reopened, status := vpnState(t, rm); reopened != 1 || status != helpdesk.StatusClosed {
		t.Errorf("after resuming: vpn reopened %d, status %s; want once, closed", reopened, status)
	}
	st, err := rm.Stats(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if want := caseEvents(t, w); st.Applied != want || st.Poisoned != 0 {
		t.Errorf("stats %+v, want %d applied (none twice, none lost) and nothing poisoned", st, want)
	}
	// The same read model as a rebuild from scratch: nothing extra.
	fresh := w.openReadModel(filepath.Join(t.TempDir(), "fresh.db"))
	w.start(fresh, nil)
	w.caughtUp(fresh)
	all := readmodel.Filter{Visibility: readmodel.Visibility{All: true}}
	if got, want := list(t, rm, all), list(t, fresh, all); !slices.Equal(got, want) {
		t.Errorf("cases after the kill %v, rebuilt %v", got, want)
	}
}

// TestProjectorChildThatIsKilled is the child of
// TestProcessKilledBeforeCommitLeavesExactCounts: it projects the record
// and kills itself inside the reopen's transaction.
func TestProjectorChildThatIsKilled(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("run by TestProcessKilledBeforeCommitLeavesExactCounts")
	}
	store, err := sqlitestore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	rm, err := readmodel.Open(context.Background(), filepath.Join(dir, "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(store, rm, Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	p.fault = func(ctx context.Context, ev eventstore.RecordedEvent) error {
		if ev.Type == (helpdesk.CaseReopened{}).EventType() {
			// The row and the notifications are written; the checkpoint
			// and the commit are not.
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = p.Run(ctx)
	t.Fatal("the projector ran to the end without meeting the reopen")
}
