package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/google/uuid"
)

func event(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "Numbered", Data: fmt.Appendf(nil, `{"n":%d}`, n)}
}

func open(t *testing.T, path string, opts ...sqlitestore.Option) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(path, opts...)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		opts []sqlitestore.Option
	}{
		{"", nil},
		{filepath.Join(dir, "a?b.db"), nil},
		{filepath.Join(dir, "c.db"), []sqlitestore.Option{sqlitestore.WithSynchronous("OFF")}},
		{filepath.Join(dir, "d.db"), []sqlitestore.Option{sqlitestore.WithReadConns(0)}},
		{filepath.Join(dir, "no-such-dir", "e.db"), nil},
	} {
		if s, err := sqlitestore.Open(tc.path, tc.opts...); err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error, want an error", tc.path)
		}
	}
}

// The chain and the positions continue where they were after a restart.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlitestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Append(ctx, "case-1", eventstore.NoStream(), event(0), event(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}

	s = open(t, path)
	sub, err := s.Subscribe(ctx, first.Position, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	res, err := s.Append(ctx, "case-1", first.NextExpected, event(2))
	if err != nil {
		t.Fatalf("Append after reopen = %v", err)
	}
	if res.Position != first.Position+1 || res.NextExpected != eventstore.Exact(2) {
		t.Errorf("Append after reopen = %+v, want position %d, next expected 2", res, first.Position+1)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if e, err := sub.Recv(rctx); err != nil || e.Position != res.Position {
		t.Errorf("Recv after reopen = position %d, %v; want %d", e.Position, err, res.Position)
	}
	if v, err := s.VerifyAll(ctx); err != nil || !v.OK || v.Events != 3 {
		t.Errorf("VerifyAll = %+v, %v; want ok with 3 events", v, err)
	}
}

func TestClose(t *testing.T) {
	ctx := t.Context()
	s, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscribe(ctx, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	recvErr := make(chan error, 1)
	go func() {
		_, err := sub.Recv(ctx)
		recvErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	select {
	case err := <-recvErr:
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("Recv during Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Recv still blocked 5s after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := s.Append(ctx, "x", eventstore.NoStream(), event(0)); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Subscribe(ctx, 0, eventstore.Filter{}); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
}

// Another process holding the write lock past the busy timeout makes the
// append fail clearly, with nothing written; it succeeds once the lock is
// gone.
func TestBusy(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "events.db")
	s := open(t, path, sqlitestore.WithBusyTimeout(100*time.Millisecond))

	other, err := rawDB(t, path).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	e := event(0)
	_, err = s.Append(ctx, "case-1", eventstore.NoStream(), e, event(1))
	if err == nil || !strings.Contains(err.Error(), "locked") || !strings.Contains(err.Error(), "nothing written") {
		t.Errorf("Append while locked = %v, want a 'locked ... nothing written' error", err)
	}
	if _, err := other.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, "case-1", 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("ReadStream after the failed append = %v, want ErrStreamNotFound", err)
	}
	if _, err := s.Append(ctx, "case-1", eventstore.NoStream(), e, event(1)); err != nil {
		t.Errorf("Append after the lock is gone = %v, want success", err)
	}
}

// A deleted last event leaves no break in its stream's chain, but it leaves
// a hole in the positions (or a sequence beyond the last row), which
// VerifyAll reports.
func TestVerifyAllFindsDeletedLastEvent(t *testing.T) {
	ctx := t.Context()
	for _, victim := range []string{"case-a", "case-b"} { // b holds the globally last event
		t.Run(victim, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.db")
			s := open(t, path)
			for _, stream := range []string{"case-a", "case-b"} {
				if _, err := s.Append(ctx, stream, eventstore.NoStream(), event(0), event(1)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rawDB(t, path).ExecContext(ctx,
				`DELETE FROM events WHERE stream = ? AND revision = 1`, victim); err != nil {
				t.Fatal(err)
			}
			if v, err := s.Verify(ctx, victim); err != nil || !v.OK || v.Events != 1 {
				t.Errorf("Verify(%s) = %+v, %v; want ok with 1 event (a chain cannot see its lost head)", victim, v, err)
			}
			if v, err := s.VerifyAll(ctx); err != nil || v.OK {
				t.Errorf("VerifyAll = %+v, %v; want not ok", v, err)
			}
		})
	}
}
