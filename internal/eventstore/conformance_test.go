package eventstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/eventstoretest"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
)

// TestConformance runs the one suite against every backend.
func TestConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		eventstoretest.Run(t, func(t *testing.T) eventstore.Store {
			path := filepath.Join(t.TempDir(), "events.db")
			// NORMAL keeps the suite fast; durability is not under test. A
			// short busy timeout makes the outage case quick: nothing else
			// in the suite holds the file's write lock.
			s, err := sqlitestore.Open(path, sqlitestore.WithSynchronous(sqlitestore.SyncNormal), sqlitestore.WithBusyTimeout(time.Second))
			if err != nil {
				t.Fatalf("sqlitestore.Open = %v", err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close = %v", err)
				}
			})
			return &tamperableSQLite{Store: s, path: path}
		})
	})
	t.Run("esdb", func(t *testing.T) {
		url := os.Getenv("BRUKERHJELP_ESDB_URL")
		if url == "" {
			t.Skip("no EventStoreDB server: run `docker compose up eventstore`, then BRUKERHJELP_ESDB_URL=esdb://localhost:2113?tls=false go test ./internal/eventstore/...")
		}
		eventstoretest.Run(t, func(t *testing.T) eventstore.Store {
			s, err := esdbstore.Open(url)
			if err != nil {
				t.Fatalf("esdbstore.Open = %v", err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close = %v", err)
				}
			})
			return esdbUnderTest{s}
		})
	})
}

// esdbUnderTest names what the server cannot do.
type esdbUnderTest struct{ *esdbstore.Store }

func (esdbUnderTest) SkipReason(check string) string {
	switch check {
	case eventstoretest.CheckIDReusedAtHead:
		// The server checks IDs only when the expected revision is behind
		// the stream; at the head it writes them again. The store catches
		// the head event's own ID, not older ones.
		return "EventStoreDB does not refuse an event id stored earlier in the stream when appended at the head"
	case eventstoretest.CheckIDReusedInAnotherStream:
		return "EventStoreDB keeps no index of event IDs across streams"
	}
	return ""
}

// tamperableSQLite edits the store's file with raw SQL, as someone with
// access to the disk could.
type tamperableSQLite struct {
	*sqlitestore.Store
	path string
}

func (s *tamperableSQLite) Rewrite(ctx context.Context, stream string, edit func([]eventstore.RecordedEvent) []eventstore.RecordedEvent) error {
	events, err := s.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return err
	}
	events = edit(events)

	db, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE stream = ?`, stream); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	for _, e := range events {
		var pos any // NULL: a new position
		if e.Position != 0 {
			pos = int64(e.Position)
		}
		meta := e.Metadata
		if meta == nil {
			meta = []byte{}
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO events (position, stream, revision, id, type, data, metadata, recorded_at, hash, prev_hash)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			pos, e.Stream, int64(e.Revision), e.ID.String(), e.Type, e.Data, meta, e.RecordedAt.UnixNano(), e.Hash, e.PrevHash)
		if err != nil {
			return fmt.Errorf("insert %s@%d: %w", e.Stream, e.Revision, err)
		}
	}
	return tx.Commit()
}

// AppendForeign inserts rows without hashes, as another program writing
// the table would.
func (s *tamperableSQLite) AppendForeign(ctx context.Context, stream string, events ...eventstore.EventData) error {
	db, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	var head sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(revision) FROM events WHERE stream = ?`, stream).Scan(&head); err != nil {
		return err
	}
	rev := int64(0)
	if head.Valid {
		rev = head.Int64 + 1
	}
	for _, e := range events {
		meta := e.Metadata
		if meta == nil {
			meta = []byte{}
		}
		if _, err := db.ExecContext(ctx,
			`INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, '', '')`,
			stream, rev, e.ID.String(), e.Type, e.Data, meta, time.Now().UnixNano()); err != nil {
			return err
		}
		rev++
	}
	return nil
}

// DeleteStream deletes the stream's rows.
func (s *tamperableSQLite) DeleteStream(ctx context.Context, stream string) error {
	db, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `DELETE FROM events WHERE stream = ?`, stream)
	return err
}

// Outage holds the file's write lock from another connection, as another
// process could, until end.
func (s *tamperableSQLite) Outage(t *testing.T) func() {
	db, err := sql.Open("sqlite", s.path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatalf("conn: %v", err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("BEGIN IMMEDIATE: %v", err)
	}
	return func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
}
