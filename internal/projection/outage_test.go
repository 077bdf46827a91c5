package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// TestTheProjectorWaitsThroughAnEventStoreOutage: EventStoreDB (the model
// server) goes away for longer than its client's own reconnect, while the
// process's requests go on failing; the projector keeps running — it does not take the outage for a closed
// store — and once the server is back the case opened meanwhile shows in
// the lists, with no restart.
func TestTheProjectorWaitsThroughAnEventStoreOutage(t *testing.T) {
	srv := esdbfake.New()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	quiet := slog.New(slog.DiscardHandler)
	store, err := esdbstore.Open(srv.URL(), esdbstore.WithLogger(quiet),
		esdbstore.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond), esdbstore.WithConnectWait(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rm, err := readmodel.Open(context.Background(), readmodeltest.DSN(t, filepath.Join(t.TempDir(), "readmodel.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	p, err := New(store, rm, Options{Logger: quiet, LeaseRetry: 20 * time.Millisecond, RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("projector Run: %v", err)
		}
	})

	open := func(n int) error {
		id := uuid.NewString()
		data, _ := json.Marshal(helpdesk.CaseOpened{CaseID: id, Reference: helpdesk.FormatReference(2026, uint64(n)),
			Kind: helpdesk.KindIncident, Title: fmt.Sprintf("Sak %d", n), Priority: helpdesk.PriorityNormal,
			Reporter: "ola", CreatedBy: "ola", Group: helpdesk.FirstLineGroup})
		meta, _ := json.Marshal(helpdesk.Metadata{Actor: "ola", OccurredAt: time.Date(2026, 3, 2, 9, n, 0, 0, time.UTC)})
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		defer acancel()
		_, err := store.Append(actx, helpdesk.Stream(id), eventstore.NoStream(),
			eventstore.EventData{ID: uuid.New(), Type: helpdesk.CaseOpened{}.EventType(), Data: data, Metadata: meta})
		return err
	}
	listed := func() int {
		page, err := rm.ListCases(context.Background(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}, Limit: readmodel.MaxLimit})
		if err != nil {
			return -1
		}
		return len(page.Items)
	}
	// stopped reports whether Run returned, and with what; Run's answer
	// stays in done for the cleanup.
	stopped := func() (error, bool) {
		select {
		case err := <-done:
			done <- err
			return err, true
		default:
			return nil, false
		}
	}

	if err := open(1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first case in the lists", func() bool { return listed() == 1 })

	addr := srv.Addr()
	srv.Stop()
	// The API process shares the store: its requests go on meanwhile
	// (and drive the client into giving up its connection).
	for until := time.Now().Add(2500 * time.Millisecond); time.Now().Before(until); time.Sleep(200 * time.Millisecond) {
		if err := open(99); err == nil {
			t.Fatal("an append succeeded with the server down")
		}
	}
	if err, ok := stopped(); ok {
		t.Fatalf("the projector stopped during the outage: %v", err)
	}
	if err := srv.Start(addr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "an append once the server is back", func() bool { return open(2) == nil })
	deadline := time.Now().Add(30 * time.Second)
	for listed() != 2 {
		if err, ok := stopped(); ok {
			t.Fatalf("the projector stopped: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the case opened after the outage is not listed 30s on (%d listed)", listed())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !p.running.Load() {
		t.Error("the projector is not running after the outage")
	}
}

// awayStore is a store whose reads fail with ErrUnavailable while away is
// set, as EventStoreDB's store answers while it reconnects; appends (by
// the test) go through.
type awayStore struct {
	eventstore.Store
	away atomic.Bool
}

var errAway = fmt.Errorf("test: %w", eventstore.ErrUnavailable)

func (s *awayStore) ReadAll(ctx context.Context, after uint64, limit int, f eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	if s.away.Load() {
		return nil, errAway
	}
	return s.Store.ReadAll(ctx, after, limit, f)
}

func (s *awayStore) Subscribe(ctx context.Context, after uint64, f eventstore.Filter) (eventstore.Subscription, error) {
	if s.away.Load() {
		return nil, errAway
	}
	sub, err := s.Store.Subscribe(ctx, after, f)
	return awaySub{sub, s}, err
}

type awaySub struct {
	eventstore.Subscription
	s *awayStore
}

func (a awaySub) Recv(ctx context.Context) (eventstore.RecordedEvent, error) {
	for {
		if a.s.away.Load() {
			return eventstore.RecordedEvent{}, errAway
		}
		rctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		e, err := a.Subscription.Recv(rctx)
		cancel()
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return e, err
		}
	}
}

// TestTheProjectorStopsOnlyForAClosedStore: while the store answers
// ErrUnavailable the projector waits and tries again; once it answers,
// what was appended meanwhile is projected; a closed store (ErrClosed)
// ends it.
func TestTheProjectorStopsOnlyForAClosedStore(t *testing.T) {
	w := newWorld(t)
	store := &awayStore{Store: w.store}
	p, err := New(store, w.rm, Options{Logger: slog.New(slog.DiscardHandler), LeaseRetry: 20 * time.Millisecond,
		RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	listed := func() int {
		page, err := w.rm.ListCases(context.Background(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}, Limit: readmodel.MaxLimit})
		if err != nil {
			return -1
		}
		return len(page.Items)
	}
	opened := func(title string) helpdesk.CaseOpened {
		return helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: title, Priority: helpdesk.PriorityNormal, Reporter: "ola", CreatedBy: "ola"}
	}
	w.open(opened("Før"))
	waitFor(t, "the first case in the lists", func() bool { return listed() == 1 })

	store.away.Store(true)
	w.open(opened("Under"))
	select {
	case err := <-done:
		t.Fatalf("the projector stopped while the store was unavailable: %v", err)
	case <-time.After(2500 * time.Millisecond): // two of its pauses
	}
	if listed() != 1 {
		t.Fatalf("%d cases listed while the store was unavailable, want 1", listed())
	}
	store.away.Store(false)
	deadline := time.Now().Add(20 * time.Second)
	for listed() != 2 {
		select {
		case err := <-done:
			t.Fatalf("the projector stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the case opened while the store was unavailable is not listed 20s after it came back")
		}
		time.Sleep(10 * time.Millisecond)
	}

	w.store.Close()
	select {
	case err := <-done:
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("Run after the store closed = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the projector still runs 10s after its store closed")
	}
}
