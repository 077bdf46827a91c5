package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
)

// Several processes (api and worker replicas on one machine) may share one
// SQLite record. Two Stores on one file stand in for two processes: each
// has its own writer and its own idea of the head. A subscriber in one
// must see what the other appends, in order, with no gap or duplicate,
// and concurrent appends to one stream from both must keep its revisions
// and hash chain.
func TestTwoProcessesShareOneFile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "events.db")
	a, b := open(t, path), open(t, path)

	sub, err := a.Subscribe(ctx, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	// Both append to their own streams and race on a shared one.
	const each = 40
	var wg sync.WaitGroup
	for i, s := range []*sqlitestore.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				if _, err := s.Append(ctx, fmt.Sprintf("own-%d", i), expect(n), event(n)); err != nil {
					t.Errorf("process %d: append %d: %v", i, n, err)
					return
				}
				for {
					cur, err := s.ReadStream(ctx, "shared", 0, 1000)
					if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
						t.Errorf("read shared: %v", err)
						return
					}
					_, err = s.Append(ctx, "shared", expect(len(cur)), event(n))
					if err == nil {
						break
					}
					if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
						t.Errorf("process %d: append shared: %v", i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()

	var last uint64
	seen := map[string]int{}
	recv := func() {
		t.Helper()
		e, err := sub.Recv(ctx)
		if err != nil {
			t.Fatalf("after %v the subscriber in process a got %v", seen, err)
		}
		if e.Position <= last {
			t.Fatalf("position %d after %d", e.Position, last)
		}
		last = e.Position
		seen[e.Stream]++
	}
	for range 4 * each {
		recv()
	}
	// The subscriber has caught up and waits. Now only b appends: no
	// commit of a's wakes it.
	if _, err := b.Append(ctx, "last", eventstore.NoStream(), event(0)); err != nil {
		t.Fatal(err)
	}
	recv()
	if seen["own-0"] != each || seen["own-1"] != each || seen["shared"] != 2*each || seen["last"] != 1 {
		t.Errorf("the subscriber saw %v", seen)
	}
	total := 4*each + 1
	for _, s := range []*sqlitestore.Store{a, b} {
		if res, err := s.VerifyAll(ctx); err != nil || !res.OK || res.Events != total {
			t.Errorf("verify: %+v %v", res, err)
		}
	}
}

func expect(n int) eventstore.ExpectedRevision {
	if n == 0 {
		return eventstore.NoStream()
	}
	return eventstore.Exact(uint64(n - 1))
}
