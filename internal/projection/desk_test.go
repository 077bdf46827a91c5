package projection

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// world is a help desk's record and a read model built from it, written
// the way the activities write: real domain events, JSON, metadata.
type world struct {
	t       *testing.T
	store   *sqlitestore.Store
	rm      *readmodel.DB
	rmPath  string
	clock   time.Time
	refs    uint64
	lastPos uint64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlitestore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w := &world{t: t, store: store, rmPath: filepath.Join(dir, "readmodel.db"),
		clock: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	w.rm = w.openReadModel(w.rmPath)
	return w
}

func (w *world) openReadModel(path string) *readmodel.DB {
	w.t.Helper()
	rm, err := readmodel.Open(context.Background(), readmodeltest.DSN(w.t, path))
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { rm.Close() })
	return rm
}

// append writes one raw event and remembers the head position.
func (w *world) append(stream string, expected eventstore.ExpectedRevision, typ string, data, meta []byte) eventstore.RecordedEvent {
	w.t.Helper()
	res, err := w.store.Append(context.Background(), stream, expected, eventstore.EventData{ID: uuid.New(), Type: typ, Data: data, Metadata: meta})
	if err != nil {
		w.t.Fatalf("append %s to %s: %v", typ, stream, err)
	}
	w.lastPos = res.Position
	evs, err := w.store.ReadAll(context.Background(), res.Position-1, 1, eventstore.Filter{})
	if err != nil || len(evs) != 1 {
		w.t.Fatalf("read back %d: %v", res.Position, err)
	}
	return evs[0]
}

func (w *world) meta(actor, correlation string) []byte {
	w.clock = w.clock.Add(time.Minute)
	b, err := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: w.clock, CorrelationID: correlation})
	if err != nil {
		w.t.Fatal(err)
	}
	return b
}

// deskCase is one case being written.
type deskCase struct {
	w      *world
	id     string
	ref    string
	stream string
	rev    int64 // revision of the last event; -1 before the first
	tasks  int   // tasks opened so far
}

// open allocates a reference (in the reference stream, as the workflow
// does) and appends o as the case's first event.
func (w *world) open(o helpdesk.CaseOpened) *deskCase {
	w.t.Helper()
	w.refs++
	c := &deskCase{w: w, id: uuid.NewString(), ref: helpdesk.FormatReference(2026, w.refs), rev: -1}
	c.stream = helpdesk.Stream(c.id)
	expected := eventstore.NoStream()
	if w.refs > 1 {
		expected = eventstore.Exact(w.refs - 2)
	}
	data, _ := json.Marshal(helpdesk.ReferenceAllocated{CaseID: c.id, Reference: c.ref})
	w.append(helpdesk.ReferenceStream(2026), expected, helpdesk.ReferenceAllocated{}.EventType(), data, w.meta(o.CreatedBy, ""))
	o.CaseID, o.Reference = c.id, c.ref
	if o.Group == "" {
		o.Group = helpdesk.FirstLineGroup
	}
	c.then(o.CreatedBy, o)
	return c
}

// then appends events by actor. Task events without a task ID get one
// as the workflow numbers them: a new one for TaskOpened, the last opened
// one for the others.
func (c *deskCase) then(actor string, events ...helpdesk.Event) *deskCase {
	c.w.t.Helper()
	for _, e := range events {
		switch t := e.(type) {
		case helpdesk.TaskOpened:
			if t.TaskID == "" {
				c.tasks++
				t.TaskID = helpdesk.TaskID(c.id, c.tasks)
			}
			e = t
		case helpdesk.TaskEscalated:
			if t.TaskID == "" {
				t.TaskID = helpdesk.TaskID(c.id, c.tasks)
			}
			e = t
		case helpdesk.TaskCompleted:
			if t.TaskID == "" {
				t.TaskID = helpdesk.TaskID(c.id, c.tasks)
			}
			e = t
		}
		data, err := json.Marshal(e)
		if err != nil {
			c.w.t.Fatal(err)
		}
		c.raw(e.EventType(), data, c.w.meta(actor, ""))
	}
	return c
}

// raw appends an event as given, however wrong.
func (c *deskCase) raw(typ string, data, meta []byte) eventstore.RecordedEvent {
	c.w.t.Helper()
	expected := eventstore.NoStream()
	if c.rev >= 0 {
		expected = eventstore.Exact(uint64(c.rev))
	}
	ev := c.w.append(c.stream, expected, typ, data, meta)
	c.rev++
	return ev
}

// desk is the scenario most tests share.
type desk struct {
	printer, outlook, vpn, laptop, monitor, screen, ownReview, ownApproval *deskCase
}

func seedDesk(w *world) desk {
	var d desk
	sla := func() helpdesk.SLAStarted {
		due := w.clock.Add(4 * time.Hour)
		return helpdesk.SLAStarted{Priority: helpdesk.PriorityNormal, ResponseTarget: time.Hour, ResolutionTarget: 8 * time.Hour,
			ResponseDue: due, ResolutionDue: due.Add(4 * time.Hour)}
	}
	d.printer = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skriveren på rom 214 virker ikke",
		Description: "Papirstopp hele tiden", Priority: helpdesk.PriorityHigh, Reporter: "ola", CreatedBy: "ola"}).
		then("ola", sla()).
		then("per", helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.SLAResponded{WithinTarget: true},
			helpdesk.CommentAdded{CommentID: "c1", Body: "Bestiller ny valse", Internal: true})
	d.outlook = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindGuidance, Title: "Hjelp med Outlook-signatur",
		Description: "Hvordan lager jeg en signatur?", Priority: helpdesk.PriorityNormal, Reporter: "eva", CreatedBy: "eva"}).
		then("eva", sla())
	d.vpn = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "VPN faller ut", Description: "Hjemmekontor, hver time",
		Priority: helpdesk.PriorityNormal, Reporter: "ola", CreatedBy: "ola"}).
		then("ola", sla()).
		then("per", helpdesk.CaseAssigned{Assignee: "lise", Group: helpdesk.FirstLineGroup}).
		then("lise", helpdesk.SLAResponded{WithinTarget: true}, helpdesk.CaseResolved{Resolution: "Ny VPN-profil"}, helpdesk.SLAStopped{}).
		then("ola", helpdesk.CaseReopened{Reason: "Faller fortsatt ut"}, helpdesk.SLAResumed{ResolutionDue: w.clock.Add(time.Hour)}).
		then("lise", helpdesk.CaseResolved{Resolution: "Byttet ruter"}, helpdesk.SLAStopped{}).
		then("ola", helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	// Kari orders for her unit: IT review by the service group is done,
	// Jon (not her) accepts the cost.
	d.laptop = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Ny bærbar til Ola", Reporter: "kari", CreatedBy: "kari"}).
		then("system", helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: "tjeneste", Title: "IT-vurdering"}).
		then("lise", helpdesk.TaskCompleted{Outcome: helpdesk.OutcomeApproved, DecidedBy: "lise"}).
		then("system", helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "jon", Fallback: "nina",
			CostNOK: 14000, Title: "Godkjenn kostnaden"})
	// Ola orders; Kari decides the cost, it escalated to Nina; the IT
	// review waits for the service group.
	d.monitor = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Dyr skjerm", Reporter: "ola", CreatedBy: "ola"}).
		then("system", helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "kari", Fallback: "nina", Title: "Godkjenn kostnaden"},
			helpdesk.TaskEscalated{From: "kari", To: "nina"},
			helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: "tjeneste", Title: "IT-vurdering"})
	// Per registers a case for Eva, with fulfilment tasks for three groups.
	d.screen = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skjermen flimrer (ÆØÅ-test)", Description: "Etter oppdateringen",
		Priority: helpdesk.PriorityLow, Reporter: "eva", CreatedBy: "per"}).
		then("per", helpdesk.CaseClaimed{Assignee: "per"},
			helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "deliver", Group: helpdesk.FirstLineGroup, Title: "Lever skjerm"},
			helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "dispose", Title: "Kast den gamle"},
			helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "archive", Group: "arkiv", Title: "Arkiver kvitteringen"})
	// Lise's own order: her group reviews it, but never she.
	d.ownReview = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Lisens til Lise", Reporter: "lise", CreatedBy: "lise"}).
		then("system", helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: "tjeneste", Title: "IT-vurdering"})
	// Kari's own order with herself as budget holder: neither she nor her
	// deputy may decide it.
	d.ownApproval = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Stol til Kari", Reporter: "kari", CreatedBy: "kari"}).
		then("system", helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "kari", Fallback: "nina", Title: "Godkjenn kostnaden"})
	// Per comments on the printer last: it is the most recently updated.
	d.printer.then("per", helpdesk.CommentAdded{CommentID: "c2", Body: "Valsen er byttet", Internal: false})
	return d
}

// fold folds a case straight from its stream, as the API does.
func (w *world) fold(c *deskCase) helpdesk.Case {
	w.t.Helper()
	evs, err := w.store.ReadStream(context.Background(), c.stream, 0, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	out := helpdesk.NewCase()
	for _, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			continue // the projection skips or poisons these too
		}
		var m helpdesk.Metadata
		if json.Unmarshal(e.Metadata, &m) != nil {
			continue
		}
		out.Apply(ev, m, int64(e.Revision))
	}
	return out
}

// start runs a projector until the test ends or stop is called.
func (w *world) start(rm *readmodel.DB, fault func(context.Context, eventstore.RecordedEvent) error) (p *Projector, stop func()) {
	w.t.Helper()
	p, stop = w.startAs("", rm, fault)
	waitFor(w.t, "the projector to run", func() bool { return p.running.Load() })
	return p, stop
}

// startAs runs a projector named id (when not "") until the test ends or
// stop is called, without waiting for it to take the lease.
func (w *world) startAs(id string, rm *readmodel.DB, fault func(context.Context, eventstore.RecordedEvent) error) (p *Projector, stop func()) {
	w.t.Helper()
	p, err := New(w.store, rm, Options{
		ID:           id,
		LeaseRetry:   20 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(w.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		MaxRetries:   3,
		RetryInitial: time.Millisecond,
		RetryMax:     5 * time.Millisecond,
		// Small batches, so catching up (after a stop, in a rebuild) goes
		// through batches and the tests see them.
		BatchSize: 4,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	p.fault = fault
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			w.t.Errorf("projector Run: %v", err)
		}
	}
	w.t.Cleanup(stop)
	return p, stop
}

// caughtUp waits until rm has handled everything appended so far.
func (w *world) caughtUp(rm *readmodel.DB) {
	w.t.Helper()
	want := w.lastPos
	waitFor(w.t, "the read model to reach the head of the record", func() bool {
		cp, err := rm.Checkpoint(context.Background(), Cases)
		return err == nil && cp >= want
	})
}

// waitFor polls cond until it holds or 15 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
