package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// fault is what faultyStore does to one append.
type fault int

const (
	failBefore fault = iota + 1 // fails without writing (a dropped connection)
	failAfter                   // writes and commits, then reports an error (a lost acknowledgement)
	hang                        // hangs until the call's own deadline passes
	// lostAttempt: an earlier attempt of the same workflow task appended
	// the same events (same IDs, its own time in the metadata), and the
	// process died before the task completed, so the history does not
	// know; then this append comes.
	lostAttempt
)

// faultyStore wraps the real store and spoils the appends listed in plan,
// in order (append number → fault); every other call goes through. It
// has no atomic append, so a case opens with two appends (reference,
// then opening), as on EventStoreDB; atomicFaultyStore has one.
type faultyStore struct {
	eventstore.Store
	mu      sync.Mutex
	n       int
	plan    map[int]fault
	applied []string // what was done, for the log
}

var errInjected = errors.New("injected: connection reset by peer")

func (s *faultyStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	switch s.next("to " + stream) {
	case failBefore:
		return eventstore.AppendResult{}, errInjected
	case failAfter:
		if _, err := s.Store.Append(ctx, stream, expected, events...); err != nil {
			return eventstore.AppendResult{}, err
		}
		return eventstore.AppendResult{}, errInjected
	case lostAttempt:
		earlier, err := earlierAttempt(events)
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		if _, err := s.Store.Append(ctx, stream, expected, earlier...); err != nil {
			return eventstore.AppendResult{}, err
		}
	case hang:
		// The store answers nothing; the call gives up at its deadline,
		// as a driver with a statement timeout does.
		hctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		<-hctx.Done()
		return eventstore.AppendResult{}, fmt.Errorf("append: %w", hctx.Err())
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

// closedIncidentRecord reads the case's stream from store and fails t
// unless it holds an incident's seven events from opening to closing, in
// order, each ID once; why says what a mismatch breaks.
func closedIncidentRecord(t *testing.T, store eventstore.Store, why string) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := store.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	ids := map[uuid.UUID]bool{}
	for _, e := range evs {
		types = append(types, e.Type)
		if ids[e.ID] {
			t.Errorf("event ID %s written twice", e.ID)
		}
		ids[e.ID] = true
	}
	want := []string{"CaseOpened", "SLAStarted", "CaseClaimed", "SLAResponded", "CaseResolved", "SLAStopped", "CaseClosed"}
	if !slices.Equal(types, want) {
		t.Fatalf("event types = %v, want %v (%s)", types, want, why)
	}
	return evs
}

// earlierAttempt is events as an attempt a second earlier recorded them.
func earlierAttempt(events []eventstore.EventData) ([]eventstore.EventData, error) {
	earlier := make([]eventstore.EventData, len(events))
	for i, e := range events {
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return nil, err
		}
		m.OccurredAt = m.OccurredAt.Add(-time.Second)
		e.Metadata, _ = json.Marshal(m)
		earlier[i] = e
	}
	return earlier, nil
}

// next counts an append and returns its fault.
func (s *faultyStore) next(what string) fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	f := s.plan[s.n]
	if f != 0 {
		s.applied = append(s.applied, fmt.Sprintf("append %d, %s: fault %d", s.n, what, f))
	}
	return f
}

// takenNumber: another process allocates the next reference just
// before this atomic append, which then expects a stale revision.
const takenNumber fault = 100

// atomicFaultyStore is a faultyStore over a store with atomic appends
// (SQLite): an atomic append (a case's reference and opening, OpenCase)
// counts as one append of the plan and is spoiled as a whole.
type atomicFaultyStore struct{ *faultyStore }

func (s atomicFaultyStore) AppendAtomic(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	inner := s.Store.(eventstore.AtomicAppender)
	switch s.next("atomic") {
	case failBefore:
		return nil, errInjected
	case failAfter:
		if _, err := inner.AppendAtomic(ctx, appends); err != nil {
			return nil, err
		}
		return nil, errInjected
	case lostAttempt:
		earlier := make([]eventstore.StreamAppend, len(appends))
		for i, a := range appends {
			evs, err := earlierAttempt(a.Events)
			if err != nil {
				return nil, err
			}
			earlier[i] = eventstore.StreamAppend{Stream: a.Stream, Expected: a.Expected, Events: evs}
		}
		if _, err := inner.AppendAtomic(ctx, earlier); err != nil {
			return nil, err
		}
	case takenNumber:
		ref := appends[0]
		data, _ := json.Marshal(helpdesk.ReferenceAllocated{CaseID: "another", Reference: helpdesk.FormatReference(2026, ref.Expected.Next()+1)})
		taken := eventstore.EventData{ID: eventstore.DeterministicID("another", "process", "ref", 0), Type: "ReferenceAllocated", Data: data}
		if _, err := s.Store.Append(ctx, ref.Stream, ref.Expected, taken); err != nil {
			return nil, err
		}
	}
	return inner.AppendAtomic(ctx, appends)
}

// A case opens with one atomic append of its reference and its opening
// (OpenCase) when the store has them. When that append fails before or
// after it committed, when a lost workflow task made it already, or when
// another process took the number first, the case still opens once, with
// one reference that its CaseOpened holds, and runs to the end.
func TestAnAtomicOpeningSurvivesStoreFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		plan map[int]fault
		ref  string
	}{
		"fails before":     {map[int]fault{1: failBefore, 2: failBefore}, "BH-2026-000001"},
		"fails after":      {map[int]fault{1: failAfter}, "BH-2026-000001"},
		"a lost task":      {map[int]fault{1: lostAttempt}, "BH-2026-000001"},
		"the number taken": {map[int]fault{1: takenNumber}, "BH-2026-000002"},
	} {
		t.Run(name, func(t *testing.T) {
			base := newFixture(t)
			store := atomicFaultyStore{&faultyStore{Store: base.store, plan: tc.plan}}
			f := newFixtureOn(t, store)
			var claimed, resolved outcome
			f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claimed)
			f.step(2*time.Hour, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Byttet toner."}, &resolved)
			f.step(26*time.Hour, workflows.UpdateConfirm, workflows.StepInput{Actor: ola}, &outcome{})
			f.run(input())
			if err := f.env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow error: %v", err)
			}
			if len(store.applied) != len(tc.plan) {
				t.Fatalf("faults applied: %v; want all %d of the plan", store.applied, len(tc.plan))
			}
			if claimed.err != nil || resolved.err != nil || resolved.view.Case.Reference != tc.ref {
				t.Errorf("claim %v, resolve %v as %q; want both done on %s", claimed.err, resolved.err, resolved.view.Case.Reference, tc.ref)
			}
			evs := closedIncidentRecord(t, base.store, "opened once")
			var opened helpdesk.CaseOpened
			if err := json.Unmarshal(evs[0].Data, &opened); err != nil || opened.Reference != tc.ref {
				t.Errorf("the record opened the case as %q (%v), want %s", opened.Reference, err, tc.ref)
			}
			refs, err := base.store.ReadStream(t.Context(), helpdesk.ReferenceStream(2026), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ours []string
			for _, e := range refs {
				var ra helpdesk.ReferenceAllocated
				if json.Unmarshal(e.Data, &ra) == nil && ra.CaseID == caseID {
					ours = append(ours, ra.Reference)
				}
			}
			if !slices.Equal(ours, []string{tc.ref}) {
				t.Errorf("the case's references in the record: %v, want %s once", ours, tc.ref)
			}
			if res, err := base.store.VerifyAll(t.Context()); err != nil || !res.OK {
				t.Errorf("verify = %+v, %v", res, err)
			}
		})
	}
}

// An event store that fails, hangs, or fails after committing inside the
// AppendEvents and AllocateReference activities: the activities are
// retried, every fact is recorded exactly once (deterministic event IDs
// and the expected revision make a retry of a committed append a no-op),
// and the case runs to the end as if nothing had happened.
func TestStoreFailuresInsideActivitiesAreRetriedWithoutDuplicates(t *testing.T) {
	base := newFixture(t)
	// Appends in order, retries included: 1 the reference (its retry
	// finds the number it already has without appending), 2–4 open,
	// 5–6 claim, 7–9 resolve, 10–11 confirm.
	store := &faultyStore{Store: base.store, plan: map[int]fault{
		1:  failAfter,  // the reference is taken, the activity hears an error
		2:  failBefore, // open fails twice, then lands
		3:  failBefore,
		5:  failAfter, // claim: committed, acknowledgement lost
		7:  hang,      // resolve: the store hangs,
		8:  failAfter, // then commits but the acknowledgement is lost
		10: failAfter, // confirm: committed, acknowledgement lost
	}}
	f := newFixtureOn(t, store)
	var claimed, resolved, confirmed outcome
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claimed)
	f.step(2*time.Hour, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Byttet toner."}, &resolved)
	f.step(26*time.Hour, workflows.UpdateConfirm, workflows.StepInput{Actor: ola}, &confirmed)
	f.run(input())

	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	for name, o := range map[string]outcome{"claim": claimed, "resolve": resolved, "confirm": confirmed} {
		if o.err != nil {
			t.Errorf("%s: %v", name, o.err)
		}
	}
	if len(store.applied) != len(store.plan) {
		t.Fatalf("faults applied: %v; want all %d of the plan", store.applied, len(store.plan))
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusClosed || final.Reference != "BH-2026-000001" || final.Revision != 6 {
		t.Errorf("final case = status %q reference %q revision %d, want closed BH-2026-000001 6", final.Status, final.Reference, final.Revision)
	}
	closedIncidentRecord(t, base.store, "no duplicates, nothing lost")
	if res, err := base.store.Verify(t.Context(), helpdesk.Stream(caseID)); err != nil || !res.OK || res.Events != 7 {
		t.Errorf("verify = %+v, %v; want ok with 7 events", res, err)
	}
	refs, err := base.store.ReadStream(t.Context(), helpdesk.ReferenceStream(2026), 0, 0)
	if err != nil || len(refs) != 1 {
		t.Errorf("reference stream: %d events, %v; want exactly one reference taken", len(refs), err)
	}
}

// A local append (workflows/record.go) can land in the record while the
// workflow task that made it is lost (kill -9 before the task completed):
// the retried task or the next step then appends at a revision the record
// has passed. The workflow adopts what the record has, so the opening and
// a step recorded by a lost attempt are recorded once and answered as
// done, and the case runs on.
func TestWhatALostWorkflowTaskRecordedIsAdoptedNotRepeated(t *testing.T) {
	base := newFixture(t)
	// Appends in order: 1 the reference, 2 open, 3 claim (its answer is
	// the adoption's), 4 resolve, 5 confirm.
	store := &faultyStore{Store: base.store, plan: map[int]fault{2: lostAttempt, 3: lostAttempt}}
	f := newFixtureOn(t, store)
	var claimed, resolved, confirmed outcome
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claimed)
	f.step(2*time.Hour, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Byttet toner."}, &resolved)
	f.step(26*time.Hour, workflows.UpdateConfirm, workflows.StepInput{Actor: ola}, &confirmed)
	f.run(input())

	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	for name, o := range map[string]outcome{"claim": claimed, "resolve": resolved, "confirm": confirmed} {
		if o.err != nil {
			t.Errorf("%s: %v", name, o.err)
		}
	}
	if got := claimed.view.Case.Assignee; got != "per" {
		t.Errorf("claim answered assignee %q, want per", got)
	}
	if len(store.applied) != len(store.plan) {
		t.Fatalf("faults applied: %v; want all %d of the plan", store.applied, len(store.plan))
	}
	var final helpdesk.Case
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != helpdesk.StatusClosed || final.Reference != "BH-2026-000001" || final.Revision != 6 {
		t.Errorf("final case = status %q reference %q revision %d, want closed BH-2026-000001 6", final.Status, final.Reference, final.Revision)
	}
	evs := closedIncidentRecord(t, base.store, "the lost attempts' events once, nothing twice")
	// The record keeps the lost attempt's time, and so does the case.
	var m helpdesk.Metadata
	if err := json.Unmarshal(evs[2].Metadata, &m); err != nil {
		t.Fatal(err)
	}
	if claimedAt := time.Date(2026, 11, 24, 9, 1, 0, 0, helpdesk.Oslo).Add(-time.Second); !m.OccurredAt.Equal(claimedAt) {
		t.Errorf("claim recorded at %v, want the lost attempt's %v", m.OccurredAt, claimedAt)
	}
	if res, err := base.store.Verify(t.Context(), helpdesk.Stream(caseID)); err != nil || !res.OK || res.Events != 7 {
		t.Errorf("verify = %+v, %v; want ok with 7 events", res, err)
	}
}

// otherClaimStore records, just before the workflow's first claim, the
// claim of another caseworker, as a lost workflow task of an update whose
// caller saw it fail would have.
type otherClaimStore struct {
	eventstore.Store
	by   string
	done bool
}

func (s *otherClaimStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if !s.done && len(events) > 0 && events[0].Type == "CaseClaimed" {
		s.done = true
		data, _ := json.Marshal(helpdesk.CaseClaimed{Assignee: s.by})
		var m helpdesk.Metadata
		if err := json.Unmarshal(events[0].Metadata, &m); err != nil {
			return eventstore.AppendResult{}, err
		}
		m.Actor = s.by
		meta, _ := json.Marshal(m)
		lost := eventstore.EventData{ID: eventstore.DeterministicID("lost", "task", s.by, 0), Type: "CaseClaimed", Data: data, Metadata: meta}
		if _, err := s.Store.Append(ctx, stream, expected, lost); err != nil {
			return eventstore.AppendResult{}, err
		}
	}
	return s.Store.Append(ctx, stream, expected, events...)
}

// When the record holds another step than this one (a lost task of
// another update), the step is decided again on the case as recorded:
// per's claim of a case lise holds is refused, and lise goes on with it.
func TestAStepIsDecidedAgainOnWhatALostWorkflowTaskRecorded(t *testing.T) {
	base := newFixture(t)
	f := newFixtureOn(t, &otherClaimStore{Store: base.store, by: "lise"})
	var perClaim, liseResolve outcome
	f.step(time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &perClaim)
	f.step(2*time.Hour, workflows.UpdateResolve, workflows.StepInput{Actor: lise, Resolution: "Byttet toner."}, &liseResolve)
	f.run(input())

	if perClaim.err == nil || errorCode(t, perClaim.err) != helpdesk.CodeConflict {
		t.Errorf("per's claim: %v, want a conflict (lise holds the case)", perClaim.err)
	}
	if liseResolve.err != nil {
		t.Fatalf("lise's resolve: %v", liseResolve.err)
	}
	if got := liseResolve.view.Case; got.Assignee != "lise" || got.Status != helpdesk.StatusResolved {
		t.Errorf("after the resolve: assignee %q status %q, want lise resolved", got.Assignee, got.Status)
	}
	evs, err := base.store.ReadStream(t.Context(), helpdesk.Stream(caseID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var claims int
	for _, e := range evs {
		if e.Type == "CaseClaimed" {
			claims++
		}
	}
	if claims != 1 {
		t.Errorf("%d claims in the record, want lise's alone", claims)
	}
}
