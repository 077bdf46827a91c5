// Package eventstoretest is the conformance suite every eventstore backend
// must pass: one body of tests, run against each backend, so the embedded
// SQLite store and EventStoreDB behave the same for the rest of the system.
//
// The suite only writes to streams with a prefix unique to the subtest, so
// it can run against a server that already holds events. Its tampering
// cases leave broken chains behind, which would fail every later
// VerifyAll there: a wrapper for a shared server skips them
// (CheckTampering).
package eventstoretest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/google/uuid"
)

// Tamperer is implemented by a test's wrapper around a backend whose stored
// events can be edited behind the store's back, as an attacker with access
// to the storage could. The tamper-detection subtests are skipped for a
// store that does not implement it (EventStoreDB cannot edit events).
type Tamperer interface {
	// Rewrite replaces the stored events of stream with what edit returns,
	// storing every field as given (revision, hashes, data, position)
	// without any check. An event with Position 0 gets a new position.
	Rewrite(ctx context.Context, stream string, edit func([]eventstore.RecordedEvent) []eventstore.RecordedEvent) error
}

// Skipper is implemented by a test's wrapper around a backend that cannot
// do something the suite asks for because its server does not allow it.
// SkipReason returns why the named check cannot pass, or "" to run it.
// Every use is a documented difference between the backends.
type Skipper interface {
	SkipReason(check string) string
}

// Intruder is implemented by a test's wrapper around a backend that can
// be written to by a client other than the store, as someone with the
// database's credentials (not its files) could: EventStoreDB through its
// own API, SQLite through SQL. The intruder subtests are skipped for a
// store that does not implement it.
type Intruder interface {
	// AppendForeign appends events at the end of stream (a new stream if
	// there is none) the way another application would: without the
	// store's hash chain.
	AppendForeign(ctx context.Context, stream string, events ...eventstore.EventData) error
	// DeleteStream deletes a stream: EventStoreDB's (soft) delete, a SQL
	// DELETE of its rows.
	DeleteStream(ctx context.Context, stream string) error
}

// Outager is implemented by a test's wrapper around a backend whose
// storage can be made unavailable for a while: a server stopped, a file
// locked by another process. The outage subtest is skipped for a store
// that does not implement it.
type Outager interface {
	// Outage makes the storage unavailable until end is called.
	Outage(t *testing.T) (end func())
}

// Checks a Skipper may name.
const (
	// CheckIDReusedAtHead: an ID already stored earlier in the stream,
	// appended again at the stream's current revision, must fail with
	// ErrIDConflict. Every backend passes it now; the name stays for
	// wrappers that still mention it.
	CheckIDReusedAtHead = "id reused at head"
	// CheckIDReusedInAnotherStream: an ID stored in one stream, appended
	// to another, must fail with ErrIDConflict.
	CheckIDReusedInAnotherStream = "id reused in another stream"
	// CheckTampering: the intruder subtests that leave a broken chain
	// (foreign events in a stream of the store's, a deleted stream)
	// behind. On a shared server that would make VerifyAll fail for every
	// later run.
	CheckTampering = "tampering"
)

// Run runs the suite. newStore must return a ready store and arrange for
// it to be closed (t.Cleanup); the tamper subtests need it to be empty.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newStore func(t *testing.T) eventstore.Store)
	}{
		{"conflicts", testConflicts},
		{"idempotency", testIdempotency},
		{"per-stream order", testStreamOrder},
		{"hash chain", testHashChain},
		{"global position", testGlobalPosition},
		{"read-all filter", testReadAllFilter},
		{"subscription", testSubscription},
		{"large events", testLargeEvents},
		{"many streams", testManyStreams},
		{"cancellation", testCancellation},
		{"concurrent appenders", testConcurrentAppenders},
		{"stream not found", testStreamNotFound},
		{"invalid events", testInvalidEvents},
		{"size limit", testSizeLimit},
		{"tamper detection", testTamper},
		{"intruder", testIntruder},
		{"outage", testOutage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore)
		})
	}
}

// testCtx bounds every subtest, so a hung backend fails instead of
// stalling the whole run.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// prefix returns a stream-name prefix no other test run uses.
func prefix() string {
	return "t" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12] + "-"
}

func newEvent(typ string, fields map[string]any) eventstore.EventData {
	data, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: data}
}

func numbered(i int) eventstore.EventData {
	e := newEvent("Numbered", map[string]any{"n": i})
	e.Metadata = []byte(fmt.Sprintf(`{"actor":"tester","n":%d}`, i))
	return e
}

func mustAppend(t *testing.T, ctx context.Context, s eventstore.Store, stream string, exp eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx, stream, exp, events...)
	if err != nil {
		t.Fatalf("Append(%q, %s, %d events) = %v, want success", stream, exp, len(events), err)
	}
	return res
}

func mustRead(t *testing.T, ctx context.Context, s eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		t.Fatalf("ReadStream(%q) = %v, want success", stream, err)
	}
	return events
}

// streamLen is the number of events in stream, 0 if it does not exist.
func streamLen(t *testing.T, ctx context.Context, s eventstore.Store, stream string) int {
	t.Helper()
	events, err := s.ReadStream(ctx, stream, 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return 0
	}
	if err != nil {
		t.Fatalf("ReadStream(%q) = %v, want success", stream, err)
	}
	return len(events)
}

// readPrefix reads every event under a stream prefix, in global order.
func readPrefix(t *testing.T, ctx context.Context, s eventstore.Store, p string) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: []string{p}})
	if err != nil {
		t.Fatalf("ReadAll(prefix %q) = %v, want success", p, err)
	}
	return events
}

func wantErr(t *testing.T, what string, err error, want ...error) {
	t.Helper()
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Errorf("%s = %v, want %v", what, err, want)
}

func skipIf(t *testing.T, s eventstore.Store, check string) {
	t.Helper()
	if sk, ok := s.(Skipper); ok {
		if reason := sk.SkipReason(check); reason != "" {
			t.Skipf("%s: %s", check, reason)
		}
	}
}

func testConflicts(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()

	t.Run("no-stream twice", func(t *testing.T) {
		stream := p + "a"
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0))
		_, err := s.Append(ctx, stream, eventstore.NoStream(), numbered(1))
		wantErr(t, "second Append(NoStream)", err, eventstore.ErrWrongExpectedRevision)
		if n := streamLen(t, ctx, s, stream); n != 1 {
			t.Errorf("stream has %d events, want 1", n)
		}
	})
	t.Run("wrong exact", func(t *testing.T) {
		stream := p + "b"
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0), numbered(1), numbered(2))
		for _, rev := range []uint64{0, 1, 3, 10} {
			_, err := s.Append(ctx, stream, eventstore.Exact(rev), numbered(3))
			wantErr(t, fmt.Sprintf("Append(Exact(%d)) on a stream at 2", rev), err, eventstore.ErrWrongExpectedRevision)
		}
		if n := streamLen(t, ctx, s, stream); n != 3 {
			t.Errorf("stream has %d events, want 3", n)
		}
		res := mustAppend(t, ctx, s, stream, eventstore.Exact(2), numbered(3))
		if got, want := res.NextExpected, eventstore.Exact(3); got != want {
			t.Errorf("NextExpected = %s, want %s", got, want)
		}
	})
	t.Run("exact on missing stream", func(t *testing.T) {
		_, err := s.Append(ctx, p+"missing", eventstore.Exact(0), numbered(0))
		wantErr(t, "Append(Exact(0)) on a missing stream", err, eventstore.ErrWrongExpectedRevision)
		if n := streamLen(t, ctx, s, p+"missing"); n != 0 {
			t.Errorf("stream has %d events, want 0", n)
		}
	})
}

func testIdempotency(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()

	t.Run("same ids same revision", func(t *testing.T) {
		stream := p + "retry"
		batch := []eventstore.EventData{numbered(0), numbered(1), numbered(2)}
		first := mustAppend(t, ctx, s, stream, eventstore.NoStream(), batch...)
		fourth := numbered(3)
		next := mustAppend(t, ctx, s, stream, first.NextExpected, fourth)

		again, err := s.Append(ctx, stream, eventstore.NoStream(), batch...)
		if err != nil {
			t.Fatalf("retried Append = %v, want success", err)
		}
		if again != first {
			t.Errorf("retried Append = %+v, want %+v (the first result)", again, first)
		}
		if againNext := mustAppend(t, ctx, s, stream, first.NextExpected, fourth); againNext != next {
			t.Errorf("retried later Append = %+v, want %+v", againNext, next)
		}
		if n := streamLen(t, ctx, s, stream); n != 4 {
			t.Errorf("stream has %d events after retries, want 4", n)
		}
		if n := len(readPrefix(t, ctx, s, p+"retry")); n != 4 {
			t.Errorf("ReadAll finds %d events after retries, want 4", n)
		}
	})
	t.Run("single event retried", func(t *testing.T) {
		stream := p + "single"
		e := numbered(0)
		first := mustAppend(t, ctx, s, stream, eventstore.NoStream(), e)
		for range 3 {
			again := mustAppend(t, ctx, s, stream, eventstore.NoStream(), e)
			if again != first {
				t.Errorf("retried Append = %+v, want %+v", again, first)
			}
		}
		if n := streamLen(t, ctx, s, stream); n != 1 {
			t.Errorf("stream has %d events, want 1", n)
		}
	})
	t.Run("id reused with other content", func(t *testing.T) {
		stream := p + "content"
		e := numbered(0)
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), e, numbered(1))

		changed := e
		changed.Data = []byte(`{"n":"changed"}`)
		_, err := s.Append(ctx, stream, eventstore.NoStream(), changed)
		wantErr(t, "Append of a stored id with other data", err, eventstore.ErrIDConflict)

		retyped := e
		retyped.Type = "Other"
		_, err = s.Append(ctx, stream, eventstore.NoStream(), retyped)
		wantErr(t, "Append of a stored id with another type", err, eventstore.ErrIDConflict)

		remeta := e
		remeta.Metadata = []byte(`{"actor":"someone else"}`)
		_, err = s.Append(ctx, stream, eventstore.NoStream(), remeta)
		wantErr(t, "Append of a stored id with other metadata", err, eventstore.ErrIDConflict)

		if n := streamLen(t, ctx, s, stream); n != 2 {
			t.Errorf("stream has %d events, want 2", n)
		}
	})
	t.Run("same ids at another revision", func(t *testing.T) {
		stream := p + "moved"
		a, b := numbered(0), numbered(1)
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), a)
		mustAppend(t, ctx, s, stream, eventstore.Exact(0), b)
		// a is stored at revision 0; asking for it at revision 1 (where b
		// is) is not a retry. EventStoreDB reports this as a wrong expected
		// revision, SQLite as an ID conflict: both refuse.
		_, err := s.Append(ctx, stream, eventstore.Exact(0), a)
		wantErr(t, "Append of id stored at 0 as revision 1", err, eventstore.ErrIDConflict, eventstore.ErrWrongExpectedRevision)
		// A longer batch than the one stored is not a retry either.
		_, err = s.Append(ctx, stream, eventstore.NoStream(), a, b, numbered(2))
		wantErr(t, "Append of stored ids plus a new one", err, eventstore.ErrIDConflict, eventstore.ErrWrongExpectedRevision)
		if n := streamLen(t, ctx, s, stream); n != 2 {
			t.Errorf("stream has %d events, want 2", n)
		}
	})
	t.Run("id reused at head", func(t *testing.T) {
		skipIf(t, s, CheckIDReusedAtHead)
		stream := p + "head"
		a := numbered(0)
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), a, numbered(1))
		_, err := s.Append(ctx, stream, eventstore.Exact(1), a)
		wantErr(t, "Append of an id stored at 0 at the head", err, eventstore.ErrIDConflict)
		_, err = s.Append(ctx, stream, eventstore.Exact(1), numbered(2), a)
		wantErr(t, "Append of a new id and a stored one at the head", err, eventstore.ErrIDConflict)
		if n := streamLen(t, ctx, s, stream); n != 2 {
			t.Errorf("stream has %d events, want 2", n)
		}
		// What a caller does after a lost answer: read the head, which
		// others have moved, and append its event there again.
		mustAppend(t, ctx, s, stream, eventstore.Exact(1), numbered(2))
		mustAppend(t, ctx, s, stream, eventstore.Exact(2), numbered(3))
		_, err = s.Append(ctx, stream, eventstore.Exact(3), a)
		wantErr(t, "Append of an id stored at 0 at a moved head", err, eventstore.ErrIDConflict)
		if n := streamLen(t, ctx, s, stream); n != 4 {
			t.Errorf("stream has %d events, want 4", n)
		}
	})
	t.Run("id reused in another stream", func(t *testing.T) {
		skipIf(t, s, CheckIDReusedInAnotherStream)
		stream, other := p+"first", p+"other"
		a := numbered(0)
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), a)
		_, err := s.Append(ctx, other, eventstore.NoStream(), a)
		wantErr(t, "Append of an id stored in another stream", err, eventstore.ErrIDConflict)
		if n := streamLen(t, ctx, s, other); n != 0 {
			t.Errorf("other stream has %d events, want 0", n)
		}
	})
}

func testStreamOrder(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	stream := prefix() + "order"

	var want []eventstore.EventData
	exp := eventstore.NoStream()
	for i := 0; i < 30; {
		// Batches of 1, 2, 3... events, so order holds within and across.
		var batch []eventstore.EventData
		for j := 0; j <= len(want)%4 && i < 30; j++ {
			batch = append(batch, numbered(i))
			i++
		}
		res := mustAppend(t, ctx, s, stream, exp, batch...)
		want = append(want, batch...)
		if got := res.NextExpected; got != eventstore.Exact(uint64(len(want)-1)) {
			t.Fatalf("NextExpected = %s, want %d", got, len(want)-1)
		}
		exp = res.NextExpected
	}

	got := mustRead(t, ctx, s, stream)
	if len(got) != len(want) {
		t.Fatalf("ReadStream returned %d events, want %d", len(got), len(want))
	}
	for i, e := range got {
		w := want[i]
		if e.Revision != uint64(i) || e.ID != w.ID || e.Type != w.Type || string(e.Data) != string(w.Data) ||
			string(e.Metadata) != string(w.Metadata) || e.Stream != stream {
			t.Errorf("event %d = {rev %d id %s type %s data %s meta %s stream %s}, want {rev %d id %s type %s data %s meta %s stream %s}",
				i, e.Revision, e.ID, e.Type, e.Data, e.Metadata, e.Stream, i, w.ID, w.Type, w.Data, w.Metadata, stream)
		}
		if i > 0 && e.Position <= got[i-1].Position {
			t.Errorf("event %d position %d, not after %d", i, e.Position, got[i-1].Position)
		}
		if age := time.Since(e.RecordedAt); age < -time.Minute || age > time.Minute {
			t.Errorf("event %d RecordedAt %v, want about now", i, e.RecordedAt)
		}
	}

	page, err := s.ReadStream(ctx, stream, 10, 5)
	if err != nil {
		t.Fatalf("ReadStream(from 10, limit 5) = %v", err)
	}
	if len(page) != 5 || page[0].Revision != 10 || page[4].Revision != 14 {
		t.Errorf("ReadStream(from 10, limit 5) gave %d events starting at %v, want 5 from revision 10", len(page), revisions(page))
	}
	tail, err := s.ReadStream(ctx, stream, 25, 100)
	if err != nil || len(tail) != 5 {
		t.Errorf("ReadStream(from 25, limit 100) = %d events, %v; want 5, nil", len(tail), err)
	}
	beyond, err := s.ReadStream(ctx, stream, 30, 0)
	if err != nil || len(beyond) != 0 {
		t.Errorf("ReadStream(from 30) past the end = %d events, %v; want 0, nil", len(beyond), err)
	}
}

func revisions(events []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(events))
	for i, e := range events {
		out[i] = e.Revision
	}
	return out
}

func testHashChain(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	stream := prefix() + "chain"
	mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0), numbered(1))
	empty := newEvent("NoMetadata", map[string]any{})
	mustAppend(t, ctx, s, stream, eventstore.Exact(1), empty)
	mustAppend(t, ctx, s, stream, eventstore.Exact(2), numbered(3))

	events := mustRead(t, ctx, s, stream)
	prev := ""
	for _, e := range events {
		if e.PrevHash != prev {
			t.Errorf("revision %d PrevHash = %q, want %q", e.Revision, e.PrevHash, prev)
		}
		if want := eventstore.ChainHash(prev, stream, e.Revision, e.Type, e.Data, e.Metadata); e.Hash != want {
			t.Errorf("revision %d Hash = %q, want %q", e.Revision, e.Hash, want)
		}
		prev = e.Hash
	}
	res, err := s.Verify(ctx, stream)
	if err != nil || !res.OK || res.Events != 4 || res.FirstBadRevision != nil {
		t.Errorf("Verify = %+v, %v; want ok with 4 events", res, err)
	}
	all, err := s.VerifyAll(ctx)
	if err != nil || !all.OK || all.Events < 4 {
		t.Errorf("VerifyAll = %+v, %v; want ok with at least 4 events", all, err)
	}
}

func testGlobalPosition(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()

	// Positions are opaque (EventStoreDB's are byte offsets), so the
	// reads below start from a real event's position, never arithmetic.
	marker := mustAppend(t, ctx, s, p+"marker", eventstore.NoStream(), numbered(-1))
	var results []eventstore.AppendResult
	for i := range 10 {
		stream := fmt.Sprintf("%s%d", p, i%3)
		exp := eventstore.NoStream()
		if i >= 3 {
			exp = eventstore.Exact(uint64(i/3 - 1))
		}
		results = append(results, mustAppend(t, ctx, s, stream, exp, numbered(i)))
	}
	for i := 1; i < len(results); i++ {
		if results[i].Position <= results[i-1].Position {
			t.Errorf("append %d landed at position %d, not after %d", i, results[i].Position, results[i-1].Position)
		}
	}

	// ReadAll without a filter, from just before our first event: ours come
	// in order at the positions Append reported, maybe among others'.
	all, err := s.ReadAll(ctx, marker.Position, 0, eventstore.Filter{})
	if err != nil {
		t.Fatalf("ReadAll = %v", err)
	}
	var ours []eventstore.RecordedEvent
	for i, e := range all {
		if i > 0 && e.Position <= all[i-1].Position {
			t.Errorf("ReadAll: position %d after %d", e.Position, all[i-1].Position)
		}
		if e.Position <= marker.Position {
			t.Errorf("ReadAll(after %d) returned position %d", marker.Position, e.Position)
		}
		if strings.HasPrefix(e.Stream, p) && e.Stream != p+"marker" {
			ours = append(ours, e)
		}
	}
	if len(ours) != len(results) {
		t.Fatalf("ReadAll found %d of our events, want %d", len(ours), len(results))
	}
	for i, e := range ours {
		if e.Position != results[i].Position {
			t.Errorf("event %d at position %d, Append said %d", i, e.Position, results[i].Position)
		}
	}

	after, err := s.ReadAll(ctx, results[4].Position, 3, eventstore.Filter{StreamPrefixes: []string{p}})
	if err != nil {
		t.Fatalf("ReadAll(after, limit 3) = %v", err)
	}
	if len(after) != 3 || after[0].Position != results[5].Position || after[2].Position != results[7].Position {
		t.Errorf("ReadAll(after %d, limit 3) = %d events at %v, want positions %d..%d",
			results[4].Position, len(after), positions(after), results[5].Position, results[7].Position)
	}

	// A multi-event append reports the position of its last event.
	res := mustAppend(t, ctx, s, p+"batch", eventstore.NoStream(), numbered(0), numbered(1), numbered(2))
	batch := mustRead(t, ctx, s, p+"batch")
	if res.Position != batch[2].Position || batch[0].Position <= results[9].Position {
		t.Errorf("batch Append at position %d, events at %v; want the last event's position, after %d",
			res.Position, positions(batch), results[9].Position)
	}
}

func positions(events []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(events))
	for i, e := range events {
		out[i] = e.Position
	}
	return out
}

func testReadAllFilter(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()
	cases, notices, other := p+"case-", p+"announcement-", p+"casefile-"
	for i := range 5 {
		mustAppend(t, ctx, s, fmt.Sprintf("%s%d", cases, i), eventstore.NoStream(), numbered(i))
		mustAppend(t, ctx, s, fmt.Sprintf("%s%d", notices, i), eventstore.NoStream(), numbered(i))
		mustAppend(t, ctx, s, fmt.Sprintf("%s%d", other, i), eventstore.NoStream(), numbered(i))
	}

	for _, tc := range []struct {
		prefixes []string
		want     int
	}{
		{[]string{cases}, 5},
		{[]string{notices}, 5},
		{[]string{cases, notices}, 10},
		{[]string{p + "case"}, 10}, // case- and casefile-
		{[]string{p}, 15},
		{[]string{p + "nothing-"}, 0},
	} {
		got, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: tc.prefixes})
		if err != nil {
			t.Fatalf("ReadAll(%v) = %v", tc.prefixes, err)
		}
		if len(got) != tc.want {
			t.Errorf("ReadAll(%v) = %d events, want %d", tc.prefixes, len(got), tc.want)
		}
		for i, e := range got {
			if !hasAnyPrefix(e.Stream, tc.prefixes) {
				t.Errorf("ReadAll(%v) returned stream %q", tc.prefixes, e.Stream)
			}
			if i > 0 && e.Position <= got[i-1].Position {
				t.Errorf("ReadAll(%v): position %d after %d", tc.prefixes, e.Position, got[i-1].Position)
			}
		}
	}
	limited, err := s.ReadAll(ctx, 0, 2, eventstore.Filter{StreamPrefixes: []string{notices}})
	if err != nil || len(limited) != 2 || !strings.HasPrefix(limited[0].Stream, notices) {
		t.Errorf("ReadAll(limit 2) = %d events, %v; want 2 announcements", len(limited), err)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func testSubscription(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)

	t.Run("catch-up then live", func(t *testing.T) {
		p := prefix()
		const stored, writers, perWriter = 40, 4, 30
		exp := eventstore.NoStream()
		want := map[uuid.UUID]bool{}
		for i := 0; i < stored; i += 4 {
			batch := []eventstore.EventData{numbered(i), numbered(i + 1), numbered(i + 2), numbered(i + 3)}
			exp = mustAppend(t, ctx, s, p+"stored", exp, batch...).NextExpected
			for _, e := range batch {
				want[e.ID] = true
			}
		}

		sub, err := s.Subscribe(ctx, 0, eventstore.Filter{StreamPrefixes: []string{p}})
		if err != nil {
			t.Fatalf("Subscribe = %v", err)
		}
		defer sub.Close()

		// Writers run while the subscription catches up and goes live,
		// alongside a writer the filter must keep out.
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			errs   []error
			stop   = make(chan struct{})
			others = prefix()
		)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				exp := eventstore.NoStream()
				for i := range perWriter {
					e := numbered(i)
					mu.Lock()
					want[e.ID] = true
					mu.Unlock()
					res, err := s.Append(ctx, fmt.Sprintf("%sw%d", p, w), exp, e)
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					exp = res.NextExpected
				}
			}()
		}
		go func() {
			exp := eventstore.NoStream()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := s.Append(ctx, others+"noise", exp, numbered(0))
				if err != nil {
					return
				}
				exp = res.NextExpected
			}
		}()
		defer close(stop)

		total := stored + writers*perWriter
		seen := map[uuid.UUID]bool{}
		lastRev := map[string]int64{}
		var last uint64
		for len(seen) < total {
			e, err := sub.Recv(ctx)
			if err != nil {
				t.Fatalf("Recv after %d of %d events = %v", len(seen), total, err)
			}
			if !strings.HasPrefix(e.Stream, p) {
				t.Fatalf("Recv delivered stream %q, outside the filter %q", e.Stream, p)
			}
			if seen[e.ID] {
				t.Fatalf("Recv delivered %s (%s@%d) twice", e.ID, e.Stream, e.Revision)
			}
			seen[e.ID] = true
			if e.Position <= last {
				t.Fatalf("Recv delivered position %d after %d", e.Position, last)
			}
			last = e.Position
			if prev, ok := lastRev[e.Stream]; (ok && int64(e.Revision) != prev+1) || (!ok && e.Revision != 0) {
				t.Fatalf("Recv delivered %s@%d after revision %d", e.Stream, e.Revision, prev)
			}
			lastRev[e.Stream] = int64(e.Revision)
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("writers failed: %v", errs)
		}
		mu.Lock()
		for id := range want {
			if !seen[id] {
				t.Errorf("event %s was never delivered", id)
			}
		}
		mu.Unlock()

		// Nothing more is pending: the next event is the next one written.
		end := mustAppend(t, ctx, s, p+"end", eventstore.NoStream(), numbered(0))
		e, err := sub.Recv(ctx)
		if err != nil || e.Position != end.Position {
			t.Errorf("Recv after all = %s@%d at %d, %v; want the new event at %d", e.Stream, e.Revision, e.Position, err, end.Position)
		}
	})

	t.Run("from a position", func(t *testing.T) {
		p := prefix()
		var results []eventstore.AppendResult
		exp := eventstore.NoStream()
		for i := range 10 {
			res := mustAppend(t, ctx, s, p+"s", exp, numbered(i))
			results = append(results, res)
			exp = res.NextExpected
		}
		sub, err := s.Subscribe(ctx, results[6].Position, eventstore.Filter{StreamPrefixes: []string{p}})
		if err != nil {
			t.Fatalf("Subscribe = %v", err)
		}
		defer sub.Close()
		for i := 7; i < 10; i++ {
			e, err := sub.Recv(ctx)
			if err != nil || e.Revision != uint64(i) || e.Position != results[i].Position {
				t.Fatalf("Recv = revision %d at %d, %v; want revision %d at %d", e.Revision, e.Position, err, i, results[i].Position)
			}
		}
	})

	t.Run("close and cancel end recv", func(t *testing.T) {
		idle := eventstore.Filter{StreamPrefixes: []string{prefix()}}
		sub, err := s.Subscribe(ctx, 0, idle)
		if err != nil {
			t.Fatalf("Subscribe = %v", err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := sub.Recv(ctx)
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		sub.Close()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("Recv after Close = nil error, want an error")
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Recv still blocked 10s after Close")
		}

		sub2, err := s.Subscribe(ctx, 0, idle)
		if err != nil {
			t.Fatalf("Subscribe = %v", err)
		}
		defer sub2.Close()
		rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err = sub2.Recv(rctx)
		wantErr(t, "Recv with an expiring ctx", err, context.DeadlineExceeded)

		sctx, scancel := context.WithCancel(ctx)
		sub3, err := s.Subscribe(sctx, 0, idle)
		if err != nil {
			t.Fatalf("Subscribe = %v", err)
		}
		defer sub3.Close()
		go func() {
			_, err := sub3.Recv(ctx)
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		scancel()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("Recv after the Subscribe ctx ended = nil error, want an error")
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Recv still blocked 10s after the Subscribe ctx ended")
		}
	})
}

// largeSize is about 1 MiB, kept under EventStoreDB's default 1 MiB limit
// on one append (data, metadata and our hash envelope together).
const largeSize = 1<<20 - 16<<10

func testLargeEvents(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	stream := prefix() + "large"

	body := make([]byte, largeSize-16)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	data, _ := json.Marshal(map[string]string{"blob": string(body)})
	e := eventstore.EventData{ID: uuid.New(), Type: "Attachment", Data: data}
	res := mustAppend(t, ctx, s, stream, eventstore.NoStream(), e)
	if again := mustAppend(t, ctx, s, stream, eventstore.NoStream(), e); again != res {
		t.Errorf("retried large Append = %+v, want %+v", again, res)
	}
	mustAppend(t, ctx, s, stream, res.NextExpected, numbered(1))

	got := mustRead(t, ctx, s, stream)
	if len(got) != 2 || string(got[0].Data) != string(data) {
		t.Fatalf("ReadStream = %d events, first with %d bytes of data; want 2 events, %d bytes", len(got), len(got[0].Data), len(data))
	}
	if v, err := s.Verify(ctx, stream); err != nil || !v.OK {
		t.Errorf("Verify = %+v, %v; want ok", v, err)
	}
}

func testManyStreams(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()
	const streams, workers = 1000, 16

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < streams; i += workers {
				if _, err := s.Append(ctx, fmt.Sprintf("%s%04d", p, i), eventstore.NoStream(), numbered(i)); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("appends failed: %v", errs)
	}
	all := readPrefix(t, ctx, s, p)
	if len(all) != streams {
		t.Fatalf("ReadAll found %d events, want %d", len(all), streams)
	}
	names := map[string]bool{}
	for _, e := range all {
		names[e.Stream] = true
	}
	if len(names) != streams {
		t.Errorf("ReadAll found %d streams, want %d", len(names), streams)
	}
	for _, i := range []int{0, 499, 999} {
		stream := fmt.Sprintf("%s%04d", p, i)
		events := mustRead(t, ctx, s, stream)
		if len(events) != 1 || events[0].Revision != 0 || string(events[0].Data) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("ReadStream(%q) = %d events, want 1 with n=%d", stream, len(events), i)
		}
	}
	if v, err := s.VerifyAll(ctx); err != nil || !v.OK || v.Events < streams {
		t.Errorf("VerifyAll = %+v, %v; want ok with at least %d events", v, err, streams)
	}
}

func testCancellation(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Append(cancelled, p+"a", eventstore.NoStream(), numbered(0))
	wantErr(t, "Append with a cancelled ctx", err, context.Canceled)
	if n := streamLen(t, ctx, s, p+"a"); n != 0 {
		t.Errorf("stream has %d events after a cancelled Append, want 0", n)
	}

	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	_, err = s.Append(expired, p+"b", eventstore.NoStream(), numbered(0))
	wantErr(t, "Append with an expired ctx", err, context.DeadlineExceeded)
	if n := streamLen(t, ctx, s, p+"b"); n != 0 {
		t.Errorf("stream has %d events after an expired Append, want 0", n)
	}

	mustAppend(t, ctx, s, p+"c", eventstore.NoStream(), numbered(0))
	if _, err := s.ReadStream(cancelled, p+"c", 0, 0); err == nil {
		t.Errorf("ReadStream with a cancelled ctx = nil error, want an error")
	}
	if _, err := s.ReadAll(cancelled, 0, 0, eventstore.Filter{StreamPrefixes: []string{p}}); err == nil {
		t.Errorf("ReadAll with a cancelled ctx = nil error, want an error")
	}
	if sub, err := s.Subscribe(cancelled, 0, eventstore.Filter{}); err == nil {
		_, err = sub.Recv(ctx)
		sub.Close()
		if err == nil {
			t.Errorf("Subscribe and Recv with a cancelled ctx = nil error, want an error")
		}
	}

	// The store is still fine afterwards.
	mustAppend(t, ctx, s, p+"a", eventstore.NoStream(), numbered(0))
}

func testConcurrentAppenders(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()
	const goroutines, rounds = 16, 5

	t.Run("same stream", func(t *testing.T) {
		stream := p + "contended"
		exp := eventstore.NoStream()
		for round := range rounds {
			var (
				wg       sync.WaitGroup
				start    = make(chan struct{})
				results  = make([]eventstore.AppendResult, goroutines)
				errs     = make([]error, goroutines)
				attempts = make([]eventstore.EventData, goroutines)
			)
			for g := range goroutines {
				attempts[g] = numbered(g)
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[g], errs[g] = s.Append(ctx, stream, exp, attempts[g])
				}()
			}
			close(start)
			wg.Wait()

			winner := -1
			for g, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Fatalf("round %d: goroutines %d and %d both appended at %s", round, winner, g, exp)
				case err == nil:
					winner = g
				case !errors.Is(err, eventstore.ErrWrongExpectedRevision):
					t.Errorf("round %d goroutine %d: Append = %v, want ErrWrongExpectedRevision", round, g, err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: no goroutine appended at %s", round, exp)
			}
			events := mustRead(t, ctx, s, stream)
			if len(events) != round+1 || events[round].ID != attempts[winner].ID {
				t.Fatalf("round %d: stream has %d events, last %s; want %d, last the winner's %s",
					round, len(events), events[len(events)-1].ID, round+1, attempts[winner].ID)
			}
			exp = results[winner].NextExpected
		}
	})

	t.Run("different streams", func(t *testing.T) {
		const each = 10
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				exp := eventstore.NoStream()
				for i := range each {
					res, err := s.Append(ctx, fmt.Sprintf("%sown-%d", p, g), exp, numbered(i))
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					exp = res.NextExpected
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("appends to own streams failed: %v", errs)
		}
		for g := range goroutines {
			stream := fmt.Sprintf("%sown-%d", p, g)
			events := mustRead(t, ctx, s, stream)
			if len(events) != each {
				t.Errorf("stream %q has %d events, want %d", stream, len(events), each)
			}
			if v, err := s.Verify(ctx, stream); err != nil || !v.OK {
				t.Errorf("Verify(%q) = %+v, %v; want ok", stream, v, err)
			}
		}
	})
}

func testStreamNotFound(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	missing := prefix() + "missing"
	_, err := s.ReadStream(ctx, missing, 0, 0)
	wantErr(t, "ReadStream of a missing stream", err, eventstore.ErrStreamNotFound)
	_, err = s.ReadStream(ctx, missing, 5, 10)
	wantErr(t, "ReadStream(from 5) of a missing stream", err, eventstore.ErrStreamNotFound)
	_, err = s.Verify(ctx, missing)
	wantErr(t, "Verify of a missing stream", err, eventstore.ErrStreamNotFound)
	got, err := s.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: []string{missing}})
	if err != nil || len(got) != 0 {
		t.Errorf("ReadAll of a missing prefix = %d events, %v; want 0, nil", len(got), err)
	}
}

func testInvalidEvents(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()
	good := func() eventstore.EventData { return numbered(0) }
	dup := good()

	for _, tc := range []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"nil id", p + "a", []eventstore.EventData{{Type: "T", Data: []byte(`{}`)}}},
		{"empty type", p + "a", []eventstore.EventData{{ID: uuid.New(), Data: []byte(`{}`)}}},
		{"data not json", p + "a", []eventstore.EventData{{ID: uuid.New(), Type: "T", Data: []byte(`{"a":`)}}},
		{"empty data", p + "a", []eventstore.EventData{{ID: uuid.New(), Type: "T"}}},
		{"metadata not json", p + "a", []eventstore.EventData{{ID: uuid.New(), Type: "T", Data: []byte(`{}`), Metadata: []byte(`nope`)}}},
		{"bad event after good ones", p + "a", []eventstore.EventData{good(), good(), {ID: uuid.New(), Type: "", Data: []byte(`{}`)}}},
		{"id twice in one append", p + "a", []eventstore.EventData{dup, dup}},
		{"no events", p + "a", nil},
		{"empty stream name", "", []eventstore.EventData{good()}},
		{"nul in type", p + "a", []eventstore.EventData{{ID: uuid.New(), Type: "A\x00B", Data: []byte(`{}`)}}},
		{"nul in stream name", p + "a\x00b", []eventstore.EventData{good()}},
		{"reserved stream name", "$" + p, []eventstore.EventData{good()}},
	} {
		_, err := s.Append(ctx, tc.stream, eventstore.NoStream(), tc.events...)
		wantErr(t, "Append with "+tc.name, err, eventstore.ErrInvalidEvent)
	}
	if n := len(readPrefix(t, ctx, s, p)); n != 0 {
		t.Errorf("%d events were written by invalid appends, want 0", n)
	}
}

func testTamper(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	type edit = func([]eventstore.RecordedEvent) []eventstore.RecordedEvent
	for _, tc := range []struct {
		name    string
		edit    edit
		wantBad uint64
	}{
		{"changed data", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			ev[1].Data = []byte(`{"n":"forged"}`)
			return ev
		}, 1},
		{"changed metadata", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			ev[2].Metadata = []byte(`{"actor":"someone else"}`)
			return ev
		}, 2},
		{"changed data and its own hash", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			// The forger fixes the edited event's hash; the next event
			// still chains to the old one.
			e := &ev[1]
			e.Data = []byte(`{"n":"forged"}`)
			e.Hash = eventstore.ChainHash(e.PrevHash, e.Stream, e.Revision, e.Type, e.Data, e.Metadata)
			return ev
		}, 2},
		{"deleted event", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			return append(ev[:1:1], ev[2:]...)
		}, 1},
		{"deleted event, later ones renumbered", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			out := append(ev[:1:1], ev[2:]...)
			for i := range out {
				out[i].Revision = uint64(i)
			}
			return out
		}, 1},
		{"inserted event", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			// A careful forger hashes the inserted event onto the chain;
			// the event after it still chains to the one before.
			forged := eventstore.RecordedEvent{
				ID: uuid.New(), Stream: ev[0].Stream, Type: "Numbered", Revision: 1,
				Data: []byte(`{"n":"forged"}`), RecordedAt: ev[0].RecordedAt, PrevHash: ev[0].Hash,
			}
			forged.Hash = eventstore.ChainHash(forged.PrevHash, forged.Stream, 1, forged.Type, forged.Data, nil)
			out := append([]eventstore.RecordedEvent{ev[0], forged}, ev[1:]...)
			for i := range out {
				out[i].Revision = uint64(i)
			}
			return out
		}, 2},
		{"reordered events", func(ev []eventstore.RecordedEvent) []eventstore.RecordedEvent {
			// Swap the content of revisions 1 and 2, keeping their slots.
			a, b := ev[1], ev[2]
			a.Revision, a.Position, b.Revision, b.Position = b.Revision, b.Position, a.Revision, a.Position
			ev[1], ev[2] = b, a
			return ev
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			s := newStore(t)
			tam, ok := s.(Tamperer)
			if !ok {
				t.Skip("backend cannot edit stored events")
			}
			stream := prefix() + "audit"
			mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0), numbered(1))
			mustAppend(t, ctx, s, stream, eventstore.Exact(1), numbered(2), numbered(3))
			mustAppend(t, ctx, s, prefix()+"bystander", eventstore.NoStream(), numbered(0))
			if v, err := s.Verify(ctx, stream); err != nil || !v.OK {
				t.Fatalf("Verify before tampering = %+v, %v; want ok", v, err)
			}

			if err := tam.Rewrite(ctx, stream, tc.edit); err != nil {
				t.Fatalf("Rewrite = %v", err)
			}
			v, err := s.Verify(ctx, stream)
			if err != nil || v.OK || v.FirstBadRevision == nil || *v.FirstBadRevision != tc.wantBad {
				t.Errorf("Verify after tampering = %s, %v; want not ok, first bad revision %d", fmtResult(v), err, tc.wantBad)
			}
			all, err := s.VerifyAll(ctx)
			if err != nil || all.OK || all.FirstBadStream != stream || all.FirstBadRevision == nil || *all.FirstBadRevision != tc.wantBad {
				t.Errorf("VerifyAll after tampering = %s, %v; want not ok, first bad %s@%d", fmtResult(all), err, stream, tc.wantBad)
			}
		})
	}
}

func fmtResult(v eventstore.VerifyResult) string {
	bad := "none"
	if v.FirstBadRevision != nil {
		bad = fmt.Sprint(*v.FirstBadRevision)
	}
	return fmt.Sprintf("{ok %v events %d first bad %q@%s}", v.OK, v.Events, v.FirstBadStream, bad)
}

// sized returns an event whose size, as eventstore.AppendSize counts it,
// is n bytes.
func sized(n int) eventstore.EventData {
	e := eventstore.EventData{ID: uuid.New(), Type: "Sized", Data: []byte(`{"p":""}`)}
	pad := n - eventstore.AppendSize([]eventstore.EventData{e})
	e.Data = []byte(`{"p":"` + strings.Repeat("x", pad) + `"}`)
	return e
}

func testSizeLimit(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	p := prefix()

	// The largest append is taken by every backend (on EventStoreDB, it
	// fits under the server's own limit with the store's envelope)...
	largest := sized(eventstore.MaxAppendSize)
	mustAppend(t, ctx, s, p+"largest", eventstore.NoStream(), largest)
	if got := mustRead(t, ctx, s, p+"largest"); len(got) != 1 || len(got[0].Data) != len(largest.Data) {
		t.Errorf("the largest append reads back as %d events", len(got))
	}
	// ...one byte more is refused by every backend, before anything is
	// written, as an error no retry can mend.
	_, err := s.Append(ctx, p+"over", eventstore.NoStream(), sized(eventstore.MaxAppendSize+1))
	wantErr(t, "Append one byte over the limit", err, eventstore.ErrInvalidEvent)
	if n := streamLen(t, ctx, s, p+"over"); n != 0 {
		t.Errorf("an append over the limit wrote %d events", n)
	}
	// The limit is on the append, not the event.
	quarter := eventstore.MaxAppendSize/4 + 1
	batch := []eventstore.EventData{sized(quarter), sized(quarter), sized(quarter), sized(quarter)}
	_, err = s.Append(ctx, p+"batch", eventstore.NoStream(), batch...)
	wantErr(t, "Append of four events together over the limit", err, eventstore.ErrInvalidEvent)
	if n := streamLen(t, ctx, s, p+"batch"); n != 0 {
		t.Errorf("a batch over the limit wrote %d events", n)
	}
	res := mustAppend(t, ctx, s, p+"batch", eventstore.NoStream(), batch[:2]...)
	mustAppend(t, ctx, s, p+"batch", res.NextExpected, batch[2:]...)
	if v, err := s.Verify(ctx, p+"batch"); err != nil || !v.OK || v.Events != 4 {
		t.Errorf("Verify of the batch in two appends = %+v, %v; want ok with 4 events", v, err)
	}
}

func intruder(t *testing.T, s eventstore.Store) Intruder {
	t.Helper()
	in, ok := s.(Intruder)
	if !ok {
		t.Skip("backend cannot be written to behind the store's back")
	}
	return in
}

func testIntruder(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	t.Run("foreign stream", func(t *testing.T) {
		ctx := testCtx(t)
		s := newStore(t)
		in := intruder(t, s)
		p := prefix()
		mustAppend(t, ctx, s, p+"ours", eventstore.NoStream(), numbered(0), numbered(1))
		before, err := s.VerifyAll(ctx)
		if err != nil {
			t.Fatalf("VerifyAll = %v", err)
		}
		if err := in.AppendForeign(ctx, p+"theirs", numbered(0), numbered(1), numbered(2)); err != nil {
			t.Fatalf("AppendForeign = %v", err)
		}
		// Another application's stream reads like any other...
		theirs := mustRead(t, ctx, s, p+"theirs")
		if len(theirs) != 3 || theirs[0].Hash != "" {
			t.Fatalf("the foreign stream reads back as %d events, first hash %q; want 3 without hashes", len(theirs), theirs[0].Hash)
		}
		// ...is not of the record when asked about by name...
		if v, err := s.Verify(ctx, p+"theirs"); err != nil || v.OK || v.FirstBadRevision == nil || *v.FirstBadRevision != 0 {
			t.Errorf("Verify of the foreign stream = %s, %v; want not ok at revision 0", fmtResult(v), err)
		}
		// ...and VerifyAll passes over it, saying so.
		all, err := s.VerifyAll(ctx)
		if err != nil || (before.OK && !all.OK) || all.ForeignStreams < before.ForeignStreams+1 {
			t.Errorf("VerifyAll with a foreign stream = %s (%d foreign), %v; before it %s (%d foreign)",
				fmtResult(all), all.ForeignStreams, err, fmtResult(before), before.ForeignStreams)
		}
	})
	t.Run("foreign event in a stream", func(t *testing.T) {
		ctx := testCtx(t)
		s := newStore(t)
		in := intruder(t, s)
		skipIf(t, s, CheckTampering)
		stream := prefix() + "audit"
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0), numbered(1), numbered(2))
		before, _ := s.VerifyAll(ctx)
		if err := in.AppendForeign(ctx, stream, numbered(3)); err != nil {
			t.Fatalf("AppendForeign = %v", err)
		}
		if v, err := s.Verify(ctx, stream); err != nil || v.OK || v.FirstBadRevision == nil || *v.FirstBadRevision != 3 {
			t.Errorf("Verify after a foreign append = %s, %v; want not ok at revision 3", fmtResult(v), err)
		}
		all, err := s.VerifyAll(ctx)
		if err != nil || all.OK {
			t.Errorf("VerifyAll after a foreign append = %s, %v; want not ok", fmtResult(all), err)
		} else if before.OK && (all.FirstBadStream != stream || all.FirstBadRevision == nil || *all.FirstBadRevision != 3) {
			t.Errorf("VerifyAll after a foreign append = %s; want first bad %s@3", fmtResult(all), stream)
		}
		// The record goes on; the break stays visible.
		mustAppend(t, ctx, s, stream, eventstore.Exact(3), numbered(4))
		if v, err := s.Verify(ctx, stream); err != nil || v.OK || *v.FirstBadRevision != 3 {
			t.Errorf("Verify after the store appended again = %s, %v; want not ok at revision 3", fmtResult(v), err)
		}
	})
	t.Run("deleted stream", func(t *testing.T) {
		ctx := testCtx(t)
		s := newStore(t)
		in := intruder(t, s)
		skipIf(t, s, CheckTampering)
		stream := prefix() + "deleted"
		mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0), numbered(1), numbered(2))
		before, _ := s.VerifyAll(ctx)
		if err := in.DeleteStream(ctx, stream); err != nil {
			t.Fatalf("DeleteStream = %v", err)
		}
		_, err := s.ReadStream(ctx, stream, 0, 0)
		wantErr(t, "ReadStream of a deleted stream", err, eventstore.ErrStreamNotFound)
		_, err = s.Verify(ctx, stream)
		wantErr(t, "Verify of a deleted stream", err, eventstore.ErrStreamNotFound)
		_, err = s.Append(ctx, stream, eventstore.Exact(2), numbered(3))
		wantErr(t, "Append at the deleted stream's old head", err, eventstore.ErrWrongExpectedRevision)
		all, err := s.VerifyAll(ctx)
		if err != nil || all.OK {
			t.Errorf("VerifyAll after a deletion = %s, %v; want not ok", fmtResult(all), err)
		} else if before.OK && all.FirstBadStream != "" && all.FirstBadStream != stream {
			t.Errorf("VerifyAll after a deletion = %s; want the deleted stream (or none) named", fmtResult(all))
		}
		// A new stream of the same name: EventStoreDB would put it after
		// the old revisions, so the store refuses it there; SQLite has
		// forgotten the name and takes it. Either way no append ever
		// claims revisions it did not get.
		fresh := numbered(9)
		res, err := s.Append(ctx, stream, eventstore.NoStream(), fresh)
		switch {
		case errors.Is(err, eventstore.ErrWrongExpectedRevision):
			if n := streamLen(t, ctx, s, stream); n != 0 {
				t.Errorf("a refused append wrote %d events", n)
			}
		case err != nil:
			t.Errorf("Append(NoStream) on a deleted stream = %v, want success or ErrWrongExpectedRevision", err)
		default:
			got := mustRead(t, ctx, s, stream)
			if res.NextExpected != eventstore.Exact(0) || len(got) != 1 || got[0].ID != fresh.ID || got[0].Revision != 0 {
				t.Errorf("Append(NoStream) on a deleted stream = %+v, stream %v; want the event alone at revision 0", res, revisions(got))
			}
			if v, err := s.Verify(ctx, stream); err != nil || !v.OK {
				t.Errorf("Verify of the stream started again = %s, %v; want ok", fmtResult(v), err)
			}
		}
	})
}

// final are the errors that tell a caller not to try again.
var final = []error{eventstore.ErrClosed, eventstore.ErrWrongExpectedRevision, eventstore.ErrIDConflict, eventstore.ErrInvalidEvent}

func testOutage(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	ctx := testCtx(t)
	s := newStore(t)
	o, ok := s.(Outager)
	if !ok {
		t.Skip("backend's storage cannot be taken away in a test")
	}
	p := prefix()
	stream := p + "s"
	first := mustAppend(t, ctx, s, stream, eventstore.NoStream(), numbered(0))
	sub, err := s.Subscribe(ctx, first.Position, eventstore.Filter{StreamPrefixes: []string{p}})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	defer sub.Close()

	end := o.Outage(t)
	attempt := numbered(1)
	// While the storage is away appends fail, each within its deadline,
	// with an error to try again on — not one that says stop.
	for until := time.Now().Add(2 * time.Second); time.Now().Before(until); time.Sleep(100 * time.Millisecond) {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		began := time.Now()
		_, err := s.Append(actx, stream, eventstore.Exact(0), attempt)
		cancel()
		if err == nil {
			t.Fatal("Append during the outage succeeded")
		}
		for _, f := range final {
			if errors.Is(err, f) {
				t.Fatalf("Append during the outage = %v: a final error, want one to try again on", err)
			}
		}
		if took := time.Since(began); took > 10*time.Second {
			t.Fatalf("Append during the outage took %s, far past its 2s deadline", took)
		}
	}
	end()

	// Once it is back, the same append goes through (retried as an
	// activity is), and nothing was written twice.
	var res eventstore.AppendResult
	for until := time.Now().Add(30 * time.Second); ; {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res, err = s.Append(actx, stream, eventstore.Exact(0), attempt)
		cancel()
		if err == nil {
			break
		}
		for _, f := range final {
			if errors.Is(err, f) {
				t.Fatalf("Append after the outage = %v: a final error", err)
			}
		}
		if time.Now().After(until) {
			t.Fatalf("the store still fails 30s after the outage ended: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := mustRead(t, ctx, s, stream)
	if len(got) != 2 || got[1].ID != attempt.ID || res.NextExpected != eventstore.Exact(1) {
		t.Fatalf("after the outage the stream holds %d events (result %+v), want 2, the second the retried one", len(got), res)
	}

	// The subscription went on, or failed with an error to retry on;
	// opened again from the last event it delivered, it goes on.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	e, err := sub.Recv(rctx)
	if err != nil {
		for _, f := range final {
			if errors.Is(err, f) {
				t.Fatalf("subscription after the outage = %v: a final error", err)
			}
		}
		again, err := s.Subscribe(ctx, first.Position, eventstore.Filter{StreamPrefixes: []string{p}})
		if err != nil {
			t.Fatalf("Subscribe after the outage = %v", err)
		}
		defer again.Close()
		if e, err = again.Recv(rctx); err != nil {
			t.Fatalf("Recv of a subscription opened after the outage = %v", err)
		}
	}
	if e.ID != attempt.ID {
		t.Errorf("subscription after the outage delivered %s@%d, want the retried event", e.Stream, e.Revision)
	}
}
