package sqlitestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
)

// TestReadOnlyNextToAWriter: a read-only store sees what a running writer
// commits, never changes the file, and opens a cleanly closed file too.
func TestReadOnlyNextToAWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	w, err := sqlitestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ev := func() eventstore.EventData {
		return eventstore.EventData{ID: uuid.New(), Type: "Noted", Data: []byte(`{}`)}
	}
	if _, err := w.Append(ctx, "s-1", eventstore.NoStream(), ev()); err != nil {
		t.Fatal(err)
	}
	r, err := sqlitestore.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append(ctx, "s-1", eventstore.Exact(0), ev()); err != nil {
		t.Fatal(err)
	}
	evs, err := r.ReadStream(ctx, "s-1", 0, 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("reader sees %d events (%v), want both", len(evs), err)
	}
	if v, err := r.VerifyAll(ctx); err != nil || !v.OK || v.Events != 2 {
		t.Errorf("verify all: %+v %v", v, err)
	}
	if _, err := w.Append(ctx, "s-1", eventstore.Exact(1), ev()); err != nil {
		t.Fatalf("the writer is hindered by the reader: %v", err)
	}
	r.Close()
	w.Close()

	before, _ := os.Stat(path)
	r, err = sqlitestore.OpenReadOnly(path)
	if err != nil {
		t.Fatalf("cleanly closed file: %v", err)
	}
	if v, err := r.Verify(ctx, "s-1"); err != nil || !v.OK || v.Events != 3 {
		t.Errorf("verify: %+v %v", v, err)
	}
	r.Close()
	after, _ := os.Stat(path)
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Error("reading changed the file")
	}
	if _, err := sqlitestore.OpenReadOnly(filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("a missing file opened")
	}
}
