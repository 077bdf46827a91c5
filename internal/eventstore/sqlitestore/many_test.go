package sqlitestore

import (
	"errors"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// AppendMany writes the appends in the order given, each checked against
// its own expected revision, several to a transaction; a wrong revision
// fails that append only and is the error returned.
func TestAppendManyKeepsOrderAndRevisions(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	var batch []eventstore.StreamAppend
	for i := range 1200 {
		stream := []string{"a", "b", "c"}[i%3]
		exp := eventstore.NoStream()
		if i >= 3 {
			exp = eventstore.Exact(uint64(2*(i/3) - 1))
		}
		batch = append(batch, eventstore.StreamAppend{Stream: stream, Expected: exp, Events: []eventstore.EventData{event(i), event(i)}})
	}
	before := s.commits.Load()
	res, err := s.AppendMany(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if commits := s.commits.Load() - before; commits >= 1200 || commits == 0 {
		t.Errorf("1,200 appends took %d commits", commits)
	}
	all, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{})
	if err != nil || len(all) != 2400 {
		t.Fatalf("%d events, %v", len(all), err)
	}
	for i, e := range all {
		want := batch[i/2]
		if e.Stream != want.Stream || e.ID != want.Events[i%2].ID || e.Revision != want.Expected.Next()+uint64(i%2) {
			t.Fatalf("position %d holds %s@%d, want %s@%d in the order given", e.Position, e.Stream, e.Revision, want.Stream, want.Expected.Next()+uint64(i%2))
		}
	}
	if last := res[len(res)-1]; last.Position != all[len(all)-1].Position {
		t.Errorf("the last result is at %d, its event at %d", last.Position, all[len(all)-1].Position)
	}
	// A stale expected revision: that append fails, the others land.
	_, err = s.AppendMany(ctx, []eventstore.StreamAppend{
		{Stream: "d", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(1)}},
		{Stream: "a", Expected: eventstore.Exact(3), Events: []eventstore.EventData{event(2)}},
		{Stream: "e", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event(3)}},
	})
	if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Fatalf("stale revision: %v", err)
	}
	for _, stream := range []string{"d", "e"} {
		if evs, err := s.ReadStream(ctx, stream, 0, 0); err != nil || len(evs) != 1 {
			t.Errorf("%s: %d events, %v", stream, len(evs), err)
		}
	}
	if evs, _ := s.ReadStream(ctx, "a", 0, 0); len(evs) != 800 {
		t.Errorf("a holds %d events after the refused append, want 800", len(evs))
	}
	// Invalid input writes nothing.
	if _, err := s.AppendMany(ctx, []eventstore.StreamAppend{{Stream: "f", Expected: eventstore.NoStream(), Events: []eventstore.EventData{{Type: "x"}}}}); !errors.Is(err, eventstore.ErrInvalidEvent) {
		t.Errorf("an event without ID: %v", err)
	}
}
