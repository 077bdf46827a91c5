package eventstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
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
	t.Run("esdb-model", func(t *testing.T) {
		// The adapter against the model server (esdbfake), a fresh one per
		// store: proves the adapter's side, not the server's.
		eventstoretest.Run(t, func(t *testing.T) eventstore.Store {
			srv := esdbfake.New()
			if err := srv.Start("127.0.0.1:0"); err != nil {
				t.Fatalf("model server: %v", err)
			}
			t.Cleanup(srv.Stop)
			s, err := esdbstore.Open(srv.URL(), esdbstore.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond),
				esdbstore.WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatalf("esdbstore.Open = %v", err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close = %v", err)
				}
			})
			return &esdbModel{esdbUnderTest: esdbUnderTest{Store: s, raw: rawClient(t, srv.URL()), disposable: true}, srv: srv}
		})
	})
	t.Run("esdb", func(t *testing.T) {
		url := os.Getenv("BRUKERHJELP_ESDB_URL")
		if url == "" {
			t.Skip("no EventStoreDB server: run `docker compose up eventstore`, then BRUKERHJELP_ESDB_URL=esdb://localhost:2113?tls=false go test ./internal/eventstore/...")
		}
		disposable := os.Getenv("BRUKERHJELP_ESDB_DISPOSABLE") == "1"
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
			wctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if err := s.WaitConnected(wctx); err != nil {
				t.Fatalf("WaitConnected = %v", err)
			}
			return esdbUnderTest{Store: s, raw: rawClient(t, url), disposable: disposable}
		})
	})
}

// esdbUnderTest names what the server cannot do, and writes to it as
// another client would (the Intruder).
type esdbUnderTest struct {
	*esdbstore.Store
	raw *esdb.Client
	// disposable: the server may be left with broken chains (a throwaway
	// container, or the model).
	disposable bool
}

func (s esdbUnderTest) SkipReason(check string) string {
	switch check {
	case eventstoretest.CheckIDReusedInAnotherStream:
		return "EventStoreDB keeps no index of event IDs across streams"
	case eventstoretest.CheckTampering:
		if !s.disposable {
			return "tampering would leave this shared server's VerifyAll failing for every later run; " +
				"set BRUKERHJELP_ESDB_DISPOSABLE=1 against a throwaway server (docs/RELIABILITY.md)"
		}
	}
	return ""
}

func (s esdbUnderTest) AppendForeign(ctx context.Context, stream string, events ...eventstore.EventData) error {
	proposed := make([]esdb.EventData, len(events))
	for i, e := range events {
		proposed[i] = esdb.EventData{EventID: e.ID, EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: e.Data, Metadata: e.Metadata}
	}
	_, err := s.raw.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, proposed...)
	return err
}

func (s esdbUnderTest) DeleteStream(ctx context.Context, stream string) error {
	_, err := s.raw.DeleteStream(ctx, stream, esdb.DeleteStreamOptions{ExpectedRevision: esdb.Any{}})
	return err
}

// esdbModel can also take its server away.
type esdbModel struct {
	esdbUnderTest
	srv *esdbfake.Server
}

func (s *esdbModel) Outage(t *testing.T) func() {
	addr := s.srv.Addr()
	s.srv.Stop()
	return func() {
		if err := s.srv.Start(addr); err != nil {
			t.Fatalf("model server back on %s: %v", addr, err)
		}
	}
}

// rawClient is a plain client of the server, for writing behind the
// store's back.
func rawClient(t *testing.T, url string) *esdb.Client {
	cfg, err := esdb.ParseConnectionString(url)
	if err != nil {
		t.Fatalf("BRUKERHJELP_ESDB_URL for the plain client (it must be esdb://…): %v", err)
	}
	cfg.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(cfg)
	if err != nil {
		t.Fatalf("esdb.NewClient = %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
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
