package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
)

// TestTheAPIIsNotReadyWhileItsEventStoreIsAway: the production processes
// start while EventStoreDB is down (the api's /readyz asks storeReady):
// not ready at once, saying so, and ready by itself once the server is
// there; a server too old stops the process at start.
func TestTheAPIIsNotReadyWhileItsEventStoreIsAway(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the port refuses: the database is not up yet
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	startCtx, cancelStart := context.WithTimeout(ctx, 300*time.Millisecond)
	store, err := openESDB(startCtx, "esdb://"+addr+"?tls=false", log)
	cancelStart()
	if err != nil {
		t.Fatalf("openESDB with the server down = %v, want the process to start anyway", err)
	}
	defer store.Close()
	began := time.Now()
	rctx, rcancel := context.WithTimeout(ctx, 3*time.Second) // as handleReady gives it
	err = storeReady(rctx, store)
	rcancel()
	if !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("storeReady with the server down = %v, want ErrUnavailable", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("storeReady took %s to say not ready, want an answer at once", took)
	}

	srv := esdbfake.New()
	if err := srv.Start(addr); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	for {
		rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
		err := storeReady(rctx, store)
		rcancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("still not ready after the server came up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	old := esdbfake.New()
	old.SetVersion("21.10.0")
	if err := old.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer old.Stop()
	if s, err := openESDB(ctx, old.URL(), log); !errors.Is(err, esdbstore.ErrUnsupportedServer) {
		if s != nil {
			s.Close()
		}
		t.Errorf("openESDB against EventStoreDB 21.10 = %v, want ErrUnsupportedServer", err)
	}

	sq, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	if err := storeReady(ctx, sq); err != nil {
		t.Errorf("storeReady(SQLite) = %v", err)
	}
}
