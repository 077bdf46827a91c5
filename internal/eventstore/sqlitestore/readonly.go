package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// ReadOnly reads an event store file without ever writing it: the offline
// audit tools (brukerhjelp audit) use it, also next to a running process
// that appends to the same file (WAL lets a reader see every committed
// append while the writer goes on).
type ReadOnly struct{ s *Store }

// OpenReadOnly opens the store at path for reading only: no writer, no
// schema change, and SQLite itself opened read-only.
func OpenReadOnly(path string) (*ReadOnly, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlitestore: bad path %q", path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlitestore: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s read-only: %w", path, err)
	}
	db.SetMaxOpenConns(2)
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'`).Scan(&n); err != nil || n != 1 {
		db.Close()
		if err == nil {
			err = errors.New("no events table: not an event store")
		}
		return nil, fmt.Errorf("sqlitestore: open %s read-only: %w", path, err)
	}
	// The read methods of Store use only its read pool.
	return &ReadOnly{s: &Store{readDB: db}}, nil
}

// ReadStream is Store.ReadStream.
func (r *ReadOnly) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	return r.s.ReadStream(ctx, stream, from, limit)
}

// ReadAll is Store.ReadAll.
func (r *ReadOnly) ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	return r.s.ReadAll(ctx, after, limit, filter)
}

// Verify is Store.Verify.
func (r *ReadOnly) Verify(ctx context.Context, stream string) (eventstore.VerifyResult, error) {
	return r.s.Verify(ctx, stream)
}

// VerifyAll is Store.VerifyAll.
func (r *ReadOnly) VerifyAll(ctx context.Context) (eventstore.VerifyResult, error) {
	return r.s.VerifyAll(ctx)
}

// Close closes the file.
func (r *ReadOnly) Close() error { return r.s.readDB.Close() }
