package audit_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// sqliteStores is one SQLite store, n times: one file has one writer.
func sqliteStores(t *testing.T, n int) []eventstore.Store {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return slices.Repeat([]eventstore.Store{store}, n)
}

// esdbStores is n EventStoreDB stores, as n API processes would have, on
// one model server (esdbfake), whose server takes an event ID again at a
// stream's head.
func esdbStores(t *testing.T, n int) []eventstore.Store {
	t.Helper()
	srv := esdbfake.New()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	out := make([]eventstore.Store, n)
	for i := range out {
		s, err := esdbstore.Open(srv.URL(), esdbstore.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

func onEveryBackend(t *testing.T, fn func(t *testing.T, stores func(n int) []eventstore.Store)) {
	for name, open := range map[string]func(*testing.T, int) []eventstore.Store{"sqlite": sqliteStores, "esdb-model": esdbStores} {
		t.Run(name, func(t *testing.T) {
			fn(t, func(n int) []eventstore.Store { return open(t, n) })
		})
	}
}

// TestReadsFromTwoProcessesAreAllRecorded: two recorders on one store (as
// two API processes would be) record 40 reads concurrently; each is on
// the record exactly once, in an intact chain, in its day's stream.
func TestReadsFromTwoProcessesAreAllRecorded(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		ctx := context.Background()
		s := stores(2)
		store := s[0]
		recs := []*audit.Recorder{audit.NewRecorder(s[0]), audit.NewRecorder(s[1])}
		day := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC) // 00:30 on 3 March in Oslo
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				rd := audit.AuditRead{Actor: "siri", What: audit.ReadHistory, Ref: fmt.Sprintf("BH-2026-%06d", i+1),
					At: day.Add(time.Duration(i) * time.Second), RequestID: uuid.NewString()}
				errs <- recs[i%2].Record(ctx, rd)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := audit.LogStream(day); got != "auditlog-2026-03-03" {
			t.Errorf("stream %s, want the Oslo day auditlog-2026-03-03", got)
		}
		evs, err := store.ReadStream(ctx, "auditlog-2026-03-03", 0, 0)
		if err != nil || len(evs) != 40 {
			t.Fatalf("day stream holds %d events (%v), want 40", len(evs), err)
		}
		if v, err := store.Verify(ctx, "auditlog-2026-03-03"); err != nil || !v.OK {
			t.Errorf("chain: %+v %v", v, err)
		}
		reads, err := audit.Reads(ctx, store, day.Add(10*time.Second), day.Add(20*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(reads) != 10 || reads[0].Actor != "siri" || reads[0].What != "history" {
			t.Errorf("reads of 10 seconds: %d %+v", len(reads), reads)
		}
		for _, rd := range reads {
			if rd.At.Before(day.Add(10*time.Second)) || !rd.At.Before(day.Add(20*time.Second)) {
				t.Errorf("read at %v outside the period", rd.At)
			}
		}
		// The period's day streams only: an empty day is no error.
		none, err := audit.Reads(ctx, store, day.AddDate(0, 0, -5), day.AddDate(0, 0, -1))
		if err != nil || len(none) != 0 {
			t.Errorf("reads of an empty week: %v %v", none, err)
		}
	})
}

// TestRecordingTheSameReadTwiceKeepsOne: a retry of a read whose answer
// was lost lands on the same event ID and records nothing new — also from
// a recorder whose head has moved past the first attempt's event, where
// only the store's refusal of the ID (ErrIDConflict) tells it the read is
// on the record; on EventStoreDB too, whose server would take the ID again.
func TestRecordingTheSameReadTwiceKeepsOne(t *testing.T) {
	onEveryBackend(t, func(t *testing.T, stores func(int) []eventstore.Store) {
		ctx := context.Background()
		s := stores(4)
		store := s[0]
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, helpdesk.Oslo)
		rd := audit.AuditRead{Actor: "siri", What: audit.ReadExport, At: at, RequestID: "r-1"}
		warm := audit.NewRecorder(s[0])
		for _, rec := range []*audit.Recorder{warm, audit.NewRecorder(s[1]), audit.NewRecorder(s[2])} {
			if err := rec.Record(ctx, rd); err != nil {
				t.Fatal(err)
			}
		}
		other := rd
		other.RequestID, other.At = "r-2", at.Add(time.Minute)
		if err := audit.NewRecorder(s[3]).Record(ctx, other); err != nil {
			t.Fatal(err)
		}
		// warm's head is r-1's event; the stream has moved on to r-2.
		if err := warm.Record(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := warm.Record(ctx, rd); err != nil {
			t.Fatal(err)
		}
		evs, _ := store.ReadStream(ctx, audit.LogStream(rd.At), 0, 0)
		if len(evs) != 2 {
			t.Errorf("%d events recorded, want 2 (one per request)", len(evs))
		}
		if err := audit.NewRecorder(store).Record(ctx, audit.AuditRead{Actor: "siri"}); err == nil {
			t.Error("a read without what and when was recorded")
		}
	})
}
