package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/google/uuid"
)

func openTest(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "events.db"), opts...)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func event(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Numbered", Data: fmt.Appendf(nil, `{"n":%d}`, n)}
}

func request(ctx context.Context, stream string, exp eventstore.ExpectedRevision, events ...eventstore.EventData) *appendReq {
	return &appendReq{ctx: ctx, stream: stream, expected: exp, events: events, done: make(chan struct{})}
}

// One transaction carries appends that succeed, fail, and fail halfway; each
// gets its own answer and only the failures leave nothing behind.
func TestBatchIsolatesFailures(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	y0 := event(0)
	if _, err := s.Append(ctx, "a", eventstore.NoStream(), event(0)); err != nil {
		t.Fatal(err)
	}
	first, err := s.Append(ctx, "b", eventstore.NoStream(), y0)
	if err != nil {
		t.Fatal(err)
	}
	commitsBefore := s.commits.Load()

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	clash := y0 // y0's id, in another stream
	clash.Data = []byte(`{"n":"clash"}`)
	withdrawn := request(ctx, "w", eventstore.NoStream(), event(0))
	withdrawn.state.Store(reqWithdrawn)
	batch := []*appendReq{
		request(ctx, "a", eventstore.Exact(0), event(1)),
		request(ctx, "a", eventstore.Exact(0), event(1)),          // lost the race to the one above
		request(ctx, "c", eventstore.NoStream(), event(0), clash), // fails at its second event
		request(ctx, "a", eventstore.Exact(1), event(2)),          // sees the first, same transaction
		request(ctx, "b", eventstore.NoStream(), y0),              // a retry
		request(cancelled, "d", eventstore.NoStream(), event(0)),  // caller gone before the writer got to it
		withdrawn, // caller withdrew it
		request(ctx, "e", eventstore.NoStream(), event(0), event(1)), // fine
	}
	s.commitBatch(batch)

	wantErrs := []error{nil, eventstore.ErrWrongExpectedRevision, eventstore.ErrIDConflict, nil, nil, context.Canceled}
	for i, want := range wantErrs {
		r := batch[i]
		<-r.done
		if (want == nil) != (r.err == nil) || (want != nil && !errors.Is(r.err, want)) {
			t.Errorf("request %d (%s at %s): err = %v, want %v", i, r.stream, r.expected, r.err, want)
		}
	}
	if got := batch[4].res; got != first {
		t.Errorf("retry result = %+v, want the first result %+v", got, first)
	}
	if got, want := batch[3].res.NextExpected, eventstore.Exact(2); got != want {
		t.Errorf("second append to a: NextExpected = %s, want %s", got, want)
	}
	select {
	case <-withdrawn.done:
		t.Errorf("withdrawn request was answered; the writer should have dropped it")
	default:
	}
	if got := s.commits.Load() - commitsBefore; got != 1 {
		t.Errorf("batch took %d commits, want 1", got)
	}
	for stream, want := range map[string]int{"a": 3, "b": 1, "c": 0, "d": 0, "w": 0, "e": 2} {
		events, err := s.ReadStream(ctx, stream, 0, 0)
		if len(events) != want || (want == 0) != errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("stream %s: %d events, %v; want %d", stream, len(events), err, want)
		}
	}
	// The rolled-back savepoint gave its positions back: VerifyAll would
	// see a hole otherwise.
	if v, err := s.VerifyAll(ctx); err != nil || !v.OK || v.Events != 6 {
		t.Errorf("VerifyAll = %+v, %v; want ok with 6 events", v, err)
	}
}

// Concurrent appenders share transactions.
func TestGroupCommit(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	const goroutines, each = 32, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exp := eventstore.NoStream()
			for i := range each {
				res, err := s.Append(ctx, fmt.Sprintf("s%d", g), exp, event(i))
				if err != nil {
					errs <- err
					return
				}
				exp = res.NextExpected
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append = %v", err)
	}
	if commits := s.commits.Load(); commits >= goroutines*each {
		t.Errorf("%d appends took %d commits, want fewer (group commit)", goroutines*each, commits)
	} else {
		t.Logf("%d appends in %d commits", goroutines*each, commits)
	}
}
