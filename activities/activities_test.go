package activities

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func newStore(t *testing.T) eventstore.Store {
	t.Helper()
	s, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
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
	store := newStore(t)
	// Two Activities values stand for two worker processes with their own
	// caches over the same store.
	p1, _ := New(store)
	p2, _ := New(store)
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
}

// An attempt whose acknowledgement was lost is retried: it must get the
// number it already has, not a second one.
func TestReferenceRetryKeepsItsNumber(t *testing.T) {
	store := newStore(t)
	p, _ := New(store)
	other, _ := New(store)
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
	cold, _ := New(store)
	for name, proc := range map[string]*Activities{"warm": p, "cold": cold} {
		again, err := proc.allocateReference(t.Context(), id, in)
		if err != nil {
			t.Fatalf("%s retry: %v", name, err)
		}
		if again != first {
			t.Errorf("%s retry got %s, want %s", name, again, first)
		}
	}
	evs, err := store.ReadStream(t.Context(), helpdesk.ReferenceStream(2027), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Errorf("reference stream has %d events, want 2", len(evs))
	}
}

func isNonRetryable(err error, errType string) bool {
	appErr, ok := err.(*temporal.ApplicationError)
	return ok && appErr.NonRetryable() && appErr.Type() == errType
}
