package activities

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func newStore(t *testing.T) eventstore.Store {
	t.Helper()
	return sqliteStores(t, 1)[0]
}

// sqliteStores is one SQLite store, n times: one file has one writer.
func sqliteStores(t *testing.T, n int) []eventstore.Store {
	t.Helper()
	s, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return slices.Repeat([]eventstore.Store{s}, n)
}

// esdbStores is n EventStoreDB stores, as n processes would have, on one
// model server (esdbfake): the server takes an event ID again at a
// stream's head, so these show whether the code relies on a check only
// the store makes.
func esdbStores(t *testing.T, n int) []eventstore.Store {
	t.Helper()
	srv := esdbfake.New()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	out := make([]eventstore.Store, n)
	for i := range out {
		s, err := esdbstore.Open(srv.URL(), esdbstore.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// onEveryBackend runs fn with stores of each backend the record can be
// kept in.
func onEveryBackend(t *testing.T, fn func(t *testing.T, stores func(n int) []eventstore.Store)) {
	for name, open := range map[string]func(*testing.T, int) []eventstore.Store{"sqlite": sqliteStores, "esdb-model": esdbStores} {
		t.Run(name, func(t *testing.T) {
			fn(t, func(n int) []eventstore.Store { return open(t, n) })
		})
	}
}

// A retried activity execution has the same workflow, run and activity IDs,
// so it appends the same event IDs: the store must write nothing twice.
func TestAppendEventsRetryWritesOnce(t *testing.T) {
	store := newStore(t)
	acts, err := New(store)
	if err != nil {
		t.Fatal(err)
	}
	x := execution{"case-x", "run-1", "7"}
	in := AppendInput{Stream: "case-x", ExpectedRevision: -1, Events: []NewEvent{
		{Type: "CaseClaimed", Data: json.RawMessage(`{"assignee":"per"}`), Metadata: helpdesk.Metadata{Actor: "per", OccurredAt: time.Unix(1, 0).UTC()}},
		{Type: "SLAResponded", Data: json.RawMessage(`{"withinTarget":true}`), Metadata: helpdesk.Metadata{Actor: "per", OccurredAt: time.Unix(1, 0).UTC()}},
	}}
	var outs []AppendOutput
	for attempt := 0; attempt < 3; attempt++ {
		out, err := acts.appendEvents(t.Context(), in, x)
		if err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		outs = append(outs, out)
	}
	evs, err := store.ReadStream(t.Context(), "case-x", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d events after 3 attempts, want 2", len(evs))
	}
	for i, o := range outs {
		if o.LastRevision != 1 {
			t.Errorf("attempt %d: last revision %d, want 1", i, o.LastRevision)
		}
	}
	// The same execution with other content, or another execution at a
	// stale revision, is a permanent refusal the workflow must not retry.
	in.Events[0].Data = json.RawMessage(`{"assignee":"lise"}`)
	if _, err := acts.appendEvents(t.Context(), in, x); !isNonRetryable(err, ErrTypeIDConflict) {
		t.Errorf("same IDs, other content: got %v, want non-retryable %s", err, ErrTypeIDConflict)
	}
	if _, err := acts.appendEvents(t.Context(), in, execution{"case-x", "run-1", "8"}); !isNonRetryable(err, ErrTypeWrongExpectedRevision) {
		t.Errorf("stale revision: got %v, want non-retryable %s", err, ErrTypeWrongExpectedRevision)
	}
}

func TestReferencesAreUniqueAcrossProcesses(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		// Two Activities values stand for two worker processes with their
		// own caches (and, on EventStoreDB, their own connections).
		s := stores(2)
		p1, _ := New(s[0])
		p2, _ := New(s[1])
		const perProcess = 25
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 2*perProcess)
		for pi, p := range []*Activities{p1, p2} {
			for i := 0; i < perProcess; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					caseID := fmt.Sprintf("case-%d-%d", pi, i)
					ref, err := p.allocateReference(t.Context(), uuid.NewSHA1(uuid.NameSpaceOID, []byte(caseID)),
						AllocateReferenceInput{CaseID: caseID, Year: 2026})
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if other, dup := seen[ref]; dup {
						errs <- fmt.Errorf("%s given to both %s and %s", ref, other, caseID)
					}
					seen[ref] = caseID
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for n := 1; n <= 2*perProcess; n++ {
			if _, ok := seen[helpdesk.FormatReference(2026, uint64(n))]; !ok {
				t.Errorf("reference %d was skipped", n)
			}
		}
	})
}

// An attempt whose acknowledgement was lost is retried: it must get the
// number it already has, not a second one. The warm retry finds the head
// moved past its event and appends there again: only the store's refusal
// of the ID (ErrIDConflict) tells it an earlier attempt landed — on
// EventStoreDB too, whose server would write the ID a second time.
func TestReferenceRetryKeepsItsNumber(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		s := stores(3)
		p, _ := New(s[0])
		other, _ := New(s[1])
		id := uuid.New()
		in := AllocateReferenceInput{CaseID: "c1", Year: 2027}
		first, err := p.allocateReference(t.Context(), id, in)
		if err != nil {
			t.Fatal(err)
		}
		// Someone else allocates in between; then the retry comes, from a
		// process whose cache is cold and one whose cache is warm.
		if _, err := other.allocateReference(t.Context(), uuid.New(), AllocateReferenceInput{CaseID: "c2", Year: 2027}); err != nil {
			t.Fatal(err)
		}
		cold, _ := New(s[2])
		for _, tc := range []struct {
			name string
			proc *Activities
		}{{"warm", p}, {"cold", cold}} {
			again, err := tc.proc.allocateReference(t.Context(), id, in)
			if err != nil {
				t.Fatalf("%s retry: %v", tc.name, err)
			}
			if again != first {
				t.Errorf("%s retry got %s, want %s", tc.name, again, first)
			}
		}
		evs, err := s[0].ReadStream(t.Context(), helpdesk.ReferenceStream(2027), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Errorf("reference stream has %d events, want 2", len(evs))
		}
	})
}

func isNonRetryable(err error, errType string) bool {
	appErr, ok := err.(*temporal.ApplicationError)
	return ok && appErr.NonRetryable() && appErr.Type() == errType
}
