package sqlitestore

import (
	"errors"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

func appends(as ...eventstore.StreamAppend) []eventstore.StreamAppend { return as }

// An atomic append writes every stream in one commit, a retry of it
// writes nothing and gets the same answer, and a refusal of any part
// leaves every stream as it was.
func TestAppendAtomicIsAllOrNothing(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	if _, err := s.Append(ctx, "ref", eventstore.NoStream(), event(0)); err != nil {
		t.Fatal(err)
	}
	ref, opened, sla := event(1), event(2), event(3)
	both := appends(
		eventstore.StreamAppend{Stream: "ref", Expected: eventstore.Exact(0), Events: []eventstore.EventData{ref}},
		eventstore.StreamAppend{Stream: "case", Expected: eventstore.NoStream(), Events: []eventstore.EventData{opened, sla}},
	)
	before := s.commits.Load()
	res, err := s.AppendAtomic(ctx, both)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.commits.Load() - before; got != 1 {
		t.Errorf("the atomic append took %d commits, want 1", got)
	}
	if len(res) != 2 || res[0].NextExpected != eventstore.Exact(1) || res[1].NextExpected != eventstore.Exact(1) || res[1].Position != res[0].Position+2 {
		t.Errorf("results %+v, want ref at 1 and case at 1, positions in order", res)
	}
	again, err := s.AppendAtomic(ctx, both)
	if err != nil || len(again) != 2 || again[0] != res[0] || again[1] != res[1] {
		t.Errorf("retry: %+v, %v; want the first results %+v", again, err, res)
	}

	// The second part's revision is stale: the first is taken back.
	var ae *eventstore.AtomicError
	_, err = s.AppendAtomic(ctx, appends(
		eventstore.StreamAppend{Stream: "ref", Expected: eventstore.Exact(1), Events: []eventstore.EventData{event(4)}},
		eventstore.StreamAppend{Stream: "case", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(5)}},
	))
	if !errors.As(err, &ae) || ae.Index != 1 || !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Errorf("stale second part: %v; want an AtomicError at 1 with a wrong expected revision", err)
	}
	// The first part's ID is stored elsewhere; the second part fails
	// halfway in a batch of its own.
	clash := opened
	clash.Data = []byte(`{"n":"clash"}`)
	_, err = s.AppendAtomic(ctx, appends(
		eventstore.StreamAppend{Stream: "other", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(6), clash}},
		eventstore.StreamAppend{Stream: "ref", Expected: eventstore.Exact(1), Events: []eventstore.EventData{event(7)}},
	))
	if !errors.As(err, &ae) || ae.Index != 0 || !errors.Is(err, eventstore.ErrIDConflict) {
		t.Errorf("reused ID in the first part: %v; want an AtomicError at 0 with an ID conflict", err)
	}
	for stream, want := range map[string]int{"ref": 2, "case": 2, "other": 0} {
		evs, _ := s.ReadStream(ctx, stream, 0, 0)
		if len(evs) != want {
			t.Errorf("%s holds %d events, want %d", stream, len(evs), want)
		}
	}
	if v, err := s.VerifyAll(ctx); err != nil || !v.OK || v.Events != 4 {
		t.Errorf("VerifyAll = %+v, %v; want ok with 4 events", v, err)
	}
	if _, err := s.AppendAtomic(ctx, appends(eventstore.StreamAppend{Stream: "x", Expected: eventstore.NoStream(), Events: []eventstore.EventData{{Type: "x"}}})); !errors.Is(err, eventstore.ErrInvalidEvent) {
		t.Errorf("an event without ID: %v", err)
	}
}

// A refused atomic append in a batch leaves the batch's other appends
// alone, before and after it.
func TestAtomicRefusalStaysInItsRequest(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	if _, err := s.Append(ctx, "ref", eventstore.NoStream(), event(0)); err != nil {
		t.Fatal(err)
	}
	atomic, err := atomicRequest(ctx, appends(
		eventstore.StreamAppend{Stream: "case", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(1)}},
		eventstore.StreamAppend{Stream: "ref", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(2)}},
	))
	if err != nil {
		t.Fatal(err)
	}
	fine, err := atomicRequest(ctx, appends(
		eventstore.StreamAppend{Stream: "ref", Expected: eventstore.Exact(1), Events: []eventstore.EventData{event(5)}},
		eventstore.StreamAppend{Stream: "case2", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(6)}},
	))
	if err != nil {
		t.Fatal(err)
	}
	batch := []*appendReq{
		request(ctx, "a", eventstore.NoStream(), event(3)),
		atomic,
		request(ctx, "ref", eventstore.Exact(0), event(4)),
		fine,
	}
	s.commitBatch(batch)
	for i, r := range batch {
		<-r.done
		if (i == 1) != (r.err != nil) {
			t.Errorf("request %d (%s): err = %v", i, r.stream, r.err)
		}
	}
	if fine.many[0].NextExpected != eventstore.Exact(2) {
		t.Errorf("the atomic append after a plain one to its stream: %+v", fine.many)
	}
	for stream, want := range map[string]int{"a": 1, "case": 0, "ref": 3, "case2": 1} {
		evs, _ := s.ReadStream(ctx, stream, 0, 0)
		if len(evs) != want {
			t.Errorf("%s holds %d events, want %d", stream, len(evs), want)
		}
	}
	if v, err := s.VerifyAll(ctx); err != nil || !v.OK || v.Events != 5 {
		t.Errorf("VerifyAll = %+v, %v; want ok with 5 events", v, err)
	}
}
