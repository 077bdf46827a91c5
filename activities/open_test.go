package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// countingStore counts the appends that reach the store.
type countingStore struct {
	eventstore.Store
	mu              sync.Mutex
	appends, atomic int
}

func (s *countingStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	s.mu.Lock()
	s.appends++
	s.mu.Unlock()
	return s.Store.Append(ctx, stream, exp, evs...)
}

// countingAtomic is a countingStore over a store with atomic appends.
type countingAtomic struct{ *countingStore }

func (s countingAtomic) AppendAtomic(ctx context.Context, as []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	s.mu.Lock()
	s.atomic++
	s.mu.Unlock()
	return s.Store.(eventstore.AtomicAppender).AppendAtomic(ctx, as)
}

// counting wraps s, keeping whether it appends atomically.
func counting(s eventstore.Store) (eventstore.Store, *countingStore) {
	c := &countingStore{Store: s}
	if _, ok := s.(eventstore.AtomicAppender); ok {
		return countingAtomic{c}, c
	}
	return c, c
}

// openInput is what a case workflow asks OpenCase for: an incident with
// its SLA, the reference left out.
func openInput(t testing.TB, caseID string, year int) OpenCaseInput {
	t.Helper()
	opened, _ := json.Marshal(helpdesk.CaseOpened{CaseID: caseID, Kind: helpdesk.KindIncident, Title: "Skriveren står",
		Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"})
	sla, _ := json.Marshal(helpdesk.SLAStarted{})
	meta := helpdesk.Metadata{Actor: "ola", CorrelationID: "req-" + caseID}
	return OpenCaseInput{
		Reference: AllocateReferenceInput{CaseID: caseID, Year: year, Metadata: meta},
		Opening: AppendInput{Stream: helpdesk.Stream(caseID), ExpectedRevision: -1, Events: []NewEvent{
			{Type: "CaseOpened", Data: opened, Metadata: meta}, {Type: (helpdesk.SLAStarted{}).EventType(), Data: sla, Metadata: meta}}},
	}
}

func openIDs(caseID string) (uuid.UUID, execution) {
	return eventstore.DeterministicID(caseID, "run", "local:reference", 0), execution{caseID, "run", "local:revision:-1"}
}

// openedAs checks the case's stream holds its opening once, with ref in
// its CaseOpened, and the reference stream gives ref to the case.
func openedAs(t *testing.T, s eventstore.Store, caseID, ref string, year int) {
	t.Helper()
	evs, err := s.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("%s: %d events, %v; want the opening's 2", caseID, len(evs), err)
	}
	var o helpdesk.CaseOpened
	if err := json.Unmarshal(evs[0].Data, &o); err != nil || o.Reference != ref || o.Title != "Skriveren står" {
		t.Errorf("%s opened as %+v (%v), want reference %s", caseID, o, err, ref)
	}
	refs, err := s.ReadStream(t.Context(), helpdesk.ReferenceStream(year), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range refs {
		var ra helpdesk.ReferenceAllocated
		if json.Unmarshal(e.Data, &ra) == nil && ra.CaseID == caseID {
			n++
			if ra.Reference != ref {
				t.Errorf("the reference stream gives %s to %s, the case holds %s", ra.Reference, caseID, ref)
			}
		}
	}
	if n != 1 {
		t.Errorf("%s has %d references", caseID, n)
	}
}

// Cases opened at once from two processes get every number once, each
// in its CaseOpened; on SQLite each opening is one atomic append, on
// EventStoreDB two appends.
func TestOpenCaseGivesEachCaseItsOwnReference(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		s := stores(2)
		var procs []*Activities
		var counts []*countingStore
		for _, st := range s {
			c, n := counting(st)
			p, _ := New(c)
			procs, counts = append(procs, p), append(counts, n)
		}
		const perProcess = 20
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 2*perProcess)
		for pi, p := range procs {
			for i := range perProcess {
				wg.Go(func() {
					caseID := fmt.Sprintf("case-%d-%d", pi, i)
					refID, x := openIDs(caseID)
					out, err := p.openCase(t.Context(), refID, x, openInput(t, caseID, 2026))
					if err != nil {
						errs <- err
						return
					}
					if out.Opening.LastRevision != 1 {
						errs <- fmt.Errorf("%s: opening ends at revision %d, want 1", caseID, out.Opening.LastRevision)
					}
					mu.Lock()
					defer mu.Unlock()
					if other, dup := seen[out.Reference]; dup {
						errs <- fmt.Errorf("%s given to both %s and %s", out.Reference, other, caseID)
					}
					seen[out.Reference] = caseID
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for n := 1; n <= 2*perProcess; n++ {
			ref := helpdesk.FormatReference(2026, uint64(n))
			caseID, ok := seen[ref]
			if !ok {
				t.Errorf("reference %d was skipped", n)
				continue
			}
			openedAs(t, s[0], caseID, ref, 2026)
		}
		_, atomic := s[0].(eventstore.AtomicAppender)
		for i, c := range counts {
			switch {
			case atomic && (c.appends != 0 || c.atomic < perProcess):
				t.Errorf("process %d: %d appends and %d atomic ones, want only atomic ones", i, c.appends, c.atomic)
			case !atomic && (c.atomic != 0 || c.appends < 2*perProcess):
				t.Errorf("process %d: %d appends and %d atomic ones, want two appends an opening", i, c.appends, c.atomic)
			}
		}
	})
}

// An attempt whose acknowledgement was lost is retried, from a process
// that saw it (its cache is past the number) and from one that did not:
// the case keeps its number, the record its opening once.
func TestOpenCaseRetryKeepsItsNumber(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		s := stores(3)
		p, _ := New(s[0])
		other, _ := New(s[1])
		in := openInput(t, "c1", 2027)
		refID, x := openIDs("c1")
		first, err := p.openCase(t.Context(), refID, x, in)
		if err != nil {
			t.Fatal(err)
		}
		otherID, otherX := openIDs("c2")
		if _, err := other.openCase(t.Context(), otherID, otherX, openInput(t, "c2", 2027)); err != nil {
			t.Fatal(err)
		}
		cold, _ := New(s[2])
		for _, tc := range []struct {
			name string
			proc *Activities
		}{{"warm", p}, {"cold", cold}} {
			again, err := tc.proc.openCase(t.Context(), refID, x, in)
			if err != nil {
				t.Fatalf("%s retry: %v", tc.name, err)
			}
			if again != first {
				t.Errorf("%s retry got %+v, want %+v", tc.name, again, first)
			}
		}
		openedAs(t, s[0], "c1", first.Reference, 2027)
		openedAs(t, s[0], "c2", helpdesk.FormatReference(2027, 2), 2027)
	})
}

// A retry whose earlier attempt recorded other metadata (a lost workflow
// task, retried at a later time) keeps the number and is refused as an
// ID conflict: the workflow adopts what the record has.
func TestOpenCaseAfterALostTaskIsRefusedForAdoption(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		s := stores(1)
		p, _ := New(s[0])
		in := openInput(t, "c1", 2028)
		refID, x := openIDs("c1")
		first, err := p.openCase(t.Context(), refID, x, in)
		if err != nil {
			t.Fatal(err)
		}
		later := in
		later.Opening.Events = append([]NewEvent(nil), in.Opening.Events...)
		for i := range later.Opening.Events {
			later.Opening.Events[i].Metadata.CorrelationID = "a later attempt"
		}
		if _, err := p.openCase(t.Context(), refID, x, later); !isNonRetryable(err, ErrTypeIDConflict) {
			t.Errorf("the later attempt: %v, want a non-retryable %s", err, ErrTypeIDConflict)
		}
		openedAs(t, s[0], "c1", first.Reference, 2028)
	})
}

// An opening that is not a CaseOpened without reference is refused for
// good, and nothing is written.
func TestOpenCaseRefusesAMalformedOpening(t *testing.T) {
	s := newStore(t)
	p, _ := New(s)
	refID, x := openIDs("c1")
	for name, spoil := range map[string]func(*OpenCaseInput){
		"with a reference": func(in *OpenCaseInput) {
			in.Opening.Events[0].Data, _ = json.Marshal(helpdesk.CaseOpened{CaseID: "c1", Reference: "BH-2026-000009"})
		},
		"no CaseOpened first": func(in *OpenCaseInput) { in.Opening.Events = in.Opening.Events[1:] },
		"an existing stream":  func(in *OpenCaseInput) { in.Opening.ExpectedRevision = 0 },
	} {
		in := openInput(t, "c1", 2029)
		spoil(&in)
		if _, err := p.openCase(t.Context(), refID, x, in); !isNonRetryable(err, ErrTypeInvalidEvent) {
			t.Errorf("%s: %v, want a non-retryable %s", name, err, ErrTypeInvalidEvent)
		}
	}
	if all, _ := s.ReadAll(t.Context(), 0, 0, eventstore.Filter{}); len(all) != 0 {
		t.Errorf("the refused openings wrote %d events", len(all))
	}
}

// oneStreamAtATime hides a store's atomic append, as EventStoreDB has none.
type oneStreamAtATime struct{ eventstore.Store }

// BenchmarkOpenCase opens cases one after the other on a SQLite record
// on disk (synchronous=FULL, as dev runs it): with one atomic append of
// the reference and the opening, and with two appends as before.
func BenchmarkOpenCase(b *testing.B) {
	for _, mode := range []string{"atomic", "two-appends"} {
		b.Run(mode, func(b *testing.B) {
			s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "events.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			var store eventstore.Store = s
			if mode == "two-appends" {
				store = oneStreamAtATime{s}
			}
			p, _ := New(store)
			b.ResetTimer()
			for i := range b.N {
				caseID := fmt.Sprintf("case-%d", i)
				refID, x := openIDs(caseID)
				if _, err := p.openCase(b.Context(), refID, x, openInput(b, caseID, 2026)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
