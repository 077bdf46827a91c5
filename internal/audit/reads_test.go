package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestReadsFromTwoProcessesAreAllRecorded: two recorders on one store (as
// two API processes would be) record 40 reads concurrently; each is on
// the record exactly once, in an intact chain, in its day's stream.
func TestReadsFromTwoProcessesAreAllRecorded(t *testing.T) {
	ctx := context.Background()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	recs := []*audit.Recorder{audit.NewRecorder(store), audit.NewRecorder(store)}
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
}

// TestRecordingTheSameReadTwiceKeepsOne: a retry of a read whose answer
// was lost lands on the same event ID and records nothing new.
func TestRecordingTheSameReadTwiceKeepsOne(t *testing.T) {
	ctx := context.Background()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rd := audit.AuditRead{Actor: "siri", What: audit.ReadExport, At: time.Date(2026, 3, 2, 9, 0, 0, 0, helpdesk.Oslo), RequestID: "r-1"}
	for _, rec := range []*audit.Recorder{audit.NewRecorder(store), audit.NewRecorder(store), audit.NewRecorder(store)} {
		if err := rec.Record(ctx, rd); err != nil {
			t.Fatal(err)
		}
	}
	rd.RequestID = "r-2"
	if err := audit.NewRecorder(store).Record(ctx, rd); err != nil {
		t.Fatal(err)
	}
	evs, _ := store.ReadStream(ctx, audit.LogStream(rd.At), 0, 0)
	if len(evs) != 2 {
		t.Errorf("%d events recorded, want 2 (one per request)", len(evs))
	}
	if err := audit.NewRecorder(store).Record(ctx, audit.AuditRead{Actor: "siri"}); err == nil {
		t.Error("a read without what and when was recorded")
	}
}
