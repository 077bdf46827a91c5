package projection

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// Two API processes share a PostgreSQL read model: one projector keeps
// it, the other stands by and takes over when the first stops.
func TestOneProjectorKeepsTheReadModel(t *testing.T) {
	if !readmodeltest.OnPostgres(t) {
		t.Skip("a SQLite read model belongs to one process; the lease is tested on PostgreSQL (TestPostgres)")
	}
	w := newWorld(t)
	var wroteA, wroteB atomic.Int64
	count := func(n *atomic.Int64) func(context.Context, eventstore.RecordedEvent) error {
		return func(context.Context, eventstore.RecordedEvent) error { n.Add(1); return nil }
	}
	a, stopA := w.startAs("projector-a", w.rm, count(&wroteA))
	waitFor(t, "a to take the lease", func() bool { return a.active.Load() })
	// b has a pool of its own, as another process would.
	rmB := w.openReadModel(w.rmPath)
	b, _ := w.startAs("projector-b", rmB, count(&wroteB))
	waitFor(t, "b to stand by", func() bool { return b.standby.Load() })

	d := seedDesk(w)
	w.caughtUp(w.rm)
	if wroteA.Load() == 0 || wroteB.Load() != 0 {
		t.Fatalf("while a keeps the read model: a applied %d events, b %d; want only a", wroteA.Load(), wroteB.Load())
	}
	st, err := b.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Standby || st.Active || st.ActiveProjector != "projector-a" || b.Ready(context.Background()) != nil {
		t.Errorf("b's status = %+v (ready: %v); want standing by, a active, ready", st, b.Ready(context.Background()))
	}

	// a stops (its connection, and so its lock, goes): b takes over from
	// a's checkpoint.
	stopA()
	waitFor(t, "b to take over", func() bool { return b.active.Load() })
	d.outlook.then("lise", helpdesk.CaseClaimed{Assignee: "lise"}, helpdesk.CaseResolved{Resolution: "Signatur laget"})
	w.caughtUp(rmB)
	if wroteB.Load() == 0 {
		t.Error("b took over but applied nothing")
	}
	st, err = b.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Active || st.ActiveProjector != "projector-b" {
		t.Errorf("after the takeover b's status = %+v; want b active", st)
	}
	// Exact: every case event applied once, by one or the other.
	if want := caseEvents(t, w); st.Applied != want || st.Poisoned != 0 || wroteA.Load()+wroteB.Load() != want {
		t.Errorf("applied %d (a %d + b %d), poisoned %d; want %d case events each applied once",
			st.Applied, wroteA.Load(), wroteB.Load(), st.Poisoned, want)
	}
	// And the read model equals one built from scratch.
	fresh := w.openReadModel(w.rmPath + ".fresh")
	w.start(fresh, nil)
	w.caughtUp(fresh)
	if got, want := everything(t, rmB), everything(t, fresh); got != want {
		t.Errorf("after the takeover the read model differs from a rebuild\ngot:\n%s\nwant:\n%s", got, want)
	}
}
