package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// A data directory as dev leaves it: a record of two cases and the read
// model projected from it.
func seedDataDir(t *testing.T) (dir, caseID string) {
	t.Helper()
	dir = t.TempDir()
	store, err := sqlitestore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for i, title := range []string{"Skriveren virker ikke", "VPN faller ut"} {
		id := uuid.NewString()
		var evs []eventstore.EventData
		for j, e := range []helpdesk.Event{
			helpdesk.CaseOpened{CaseID: id, Reference: helpdesk.FormatReference(2026, uint64(i+1)), Kind: helpdesk.KindIncident,
				Title: title, Priority: helpdesk.PriorityNormal, Reporter: "ola", CreatedBy: "ola", Group: helpdesk.FirstLineGroup},
			helpdesk.CaseClaimed{Assignee: "per"},
			helpdesk.CaseResolved{Resolution: "Fikset"},
		} {
			data, _ := json.Marshal(e)
			meta, _ := json.Marshal(helpdesk.Metadata{Actor: "per", OccurredAt: at.Add(time.Duration(i*10+j) * time.Minute)})
			evs = append(evs, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: meta})
		}
		if _, err := store.Append(context.Background(), helpdesk.Stream(id), eventstore.NoStream(), evs...); err != nil {
			t.Fatal(err)
		}
		caseID = id
	}
	store.Close()
	// The live read model, as dev builds it.
	if code, out := projections(t, "rebuild", "--data-dir", dir); code != 0 {
		t.Fatalf("rebuild = %d\n%s", code, out)
	}
	return dir, caseID
}

func projections(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := projectionsCmd(context.Background(), args, &out, &out)
	return code, out.String()
}

func TestProjectionsRebuildVerify(t *testing.T) {
	dir, caseID := seedDataDir(t)
	code, out := projections(t, "rebuild", "--verify", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Lik / identical") || !strings.Contains(out, "built: position 6, 6 events applied") {
		t.Fatalf("verify of an untouched read model = %d, want 0\n%s", code, out)
	}

	// Someone changes a row of the live read model.
	db, err := sql.Open("sqlite", filepath.Join(dir, "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE cases SET assignee = 'lise' WHERE id = ?`, caseID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out = projections(t, "rebuild", "--verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "cases "+caseID+": assignee is lise, rebuilt per") || !strings.Contains(out, "1 of") {
		t.Fatalf("verify of a tampered read model = %d, want 1 naming the row\n%s", code, out)
	}

	// A rebuild in place repairs it.
	if code, out := projections(t, "rebuild", "--data-dir", dir); code != 0 || !strings.Contains(out, "6 applied") {
		t.Fatalf("rebuild = %d\n%s", code, out)
	}
	if code, out := projections(t, "rebuild", "--verify", "--data-dir", dir); code != 0 {
		t.Fatalf("verify after the rebuild = %d, want 0\n%s", code, out)
	}

	// Into another read model, which then holds the same cases.
	other := filepath.Join(t.TempDir(), "other.db")
	if code, out := projections(t, "rebuild", "--data-dir", dir, "--read-model", "sqlite:"+other); code != 0 || !strings.Contains(out, "6 applied") {
		t.Fatalf("rebuild into --read-model = %d\n%s", code, out)
	}
	odb, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	var assignee string
	if err := odb.QueryRow(`SELECT assignee FROM cases WHERE id = ?`, caseID).Scan(&assignee); err != nil || assignee != "per" {
		t.Fatalf("the case in the other read model: assignee %q, %v; want per", assignee, err)
	}
	odb.Close()
	if code, _ := projections(t, "rebuild", "--verify", "--data-dir", dir, "--read-model", "sqlite:"+other); code != 2 {
		t.Errorf("--verify with --read-model = %d, want 2", code)
	}

	if code, _ := projections(t, "rebuild", "--verify", "--data-dir", t.TempDir()); code != 1 {
		t.Errorf("verify of an empty data dir = %d, want 1", code)
	}
	if code, _ := projections(t, "frobnicate"); code != 2 {
		t.Errorf("an unknown subcommand = %d, want 2", code)
	}
}
