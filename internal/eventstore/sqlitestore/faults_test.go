package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/google/uuid"
)

// bigEvent is an event of about 3 KiB, so a few fill a page or more.
func bigEvent(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Big", Data: fmt.Appendf(nil, `{"n":%d,"pad":%q}`, n, strings.Repeat("x", 3000))}
}

// A full disk, simulated with SQLite's max_page_count on the writer's
// connection (SQLite then fails exactly as on ENOSPC, with SQLITE_FULL):
// every append of the batch fails with a "disk full" error, nothing of it
// is written (no half batch, no half append), and once space is freed the
// same appends go through and the chain verifies.
func TestDiskFullWritesNothingAndRecovers(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	if _, err := s.Append(ctx, "case-1", eventstore.NoStream(), event(0)); err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wconn.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}

	// Several appenders at once, so they share a transaction: a small one
	// that would fit, and large multi-event ones that do not.
	small := []eventstore.EventData{event(1)}
	var large [][]eventstore.EventData
	for i := range 4 {
		var evs []eventstore.EventData
		for j := range 20 {
			evs = append(evs, bigEvent(100*i+j))
		}
		large = append(large, evs)
	}
	errs := make([]error, 1+len(large))
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = s.Append(ctx, "case-1", eventstore.Exact(0), small...) })
	for i, evs := range large {
		wg.Go(func() { _, errs[1+i] = s.Append(ctx, fmt.Sprintf("big-%d", i), eventstore.NoStream(), evs...) })
	}
	wg.Wait()
	full := 0
	for i, err := range errs {
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "nothing written") {
			t.Errorf("append %d: %v, want a 'disk full ... nothing written' error", i, err)
		}
		full++
	}
	if full == 0 {
		t.Fatal("no append hit the full disk")
	}
	// What failed left nothing; what succeeded (if it went in another
	// transaction) is whole.
	for i, evs := range large {
		got, err := s.ReadStream(ctx, fmt.Sprintf("big-%d", i), 0, 0)
		switch {
		case errs[1+i] != nil && !errors.Is(err, eventstore.ErrStreamNotFound):
			t.Errorf("big-%d failed but has %d events (%v)", i, len(got), err)
		case errs[1+i] == nil && len(got) != len(evs):
			t.Errorf("big-%d succeeded with %d of %d events", i, len(got), len(evs))
		}
	}
	head, err := s.ReadStream(ctx, "case-1", 0, 0)
	if err != nil || (errs[0] != nil && len(head) != 1) || (errs[0] == nil && len(head) != 2) {
		t.Errorf("case-1 has %d events (%v) after its append said %v", len(head), err, errs[0])
	}

	// Space is freed: the failed appends, retried as they were, succeed.
	if _, err := s.wconn.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	for i, evs := range large {
		if errs[1+i] == nil {
			continue
		}
		if _, err := s.Append(ctx, fmt.Sprintf("big-%d", i), eventstore.NoStream(), evs...); err != nil {
			t.Errorf("big-%d after space was freed: %v", i, err)
		}
	}
	if res, err := s.VerifyAll(ctx); err != nil || !res.OK {
		t.Errorf("VerifyAll = %+v, %v", res, err)
	}
}

// Another process holding the write lock longer than busy_timeout gets a
// clear "locked" error for every append of the batch, nothing written (see
// also TestBusy); one that lets go within busy_timeout only delays the
// append.
func TestBusyLockReleasedWithinTimeoutOnlyDelays(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := Open(path, WithBusyTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
	}()
	start := time.Now()
	if _, err := s.Append(ctx, "case-1", eventstore.NoStream(), event(0), event(1)); err != nil {
		t.Fatalf("Append while briefly locked = %v, want success after the lock", err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("Append returned after %v, before the lock was released", waited)
	}
	if got, err := s.ReadStream(ctx, "case-1", 0, 0); err != nil || len(got) != 2 {
		t.Errorf("case-1: %d events, %v; want 2", len(got), err)
	}
}
