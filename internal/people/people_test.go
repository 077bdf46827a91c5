package people

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func TestResolveFollowsTheRecord(t *testing.T) {
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	record := func(username string, events ...helpdesk.PersonEvent) {
		for i, e := range events {
			data, _ := json.Marshal(e)
			exp := eventstore.NoStream()
			if i > 0 {
				exp = eventstore.Exact(uint64(i - 1))
			}
			if _, err := store.Append(t.Context(), helpdesk.PersonStream(username), exp,
				eventstore.EventData{ID: uuid.New(), Type: "PersonEvent", Data: data, Metadata: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	record("kjell", helpdesk.PersonEvent{What: "account-created", CaseID: "c1", DisplayName: "Kjell Lærer", Unit: "opplaering", From: "2026-12-07"})
	record("ola", helpdesk.PersonEvent{What: "access-granted", CaseID: "esa1"}, helpdesk.PersonEvent{What: "account-disabled", CaseID: "d1"})
	dir := directory.Demo()
	tests := []struct {
		user, date string
		ok         bool
		unit       string
	}{
		{"kjell", "2026-12-06", false, ""},          // not started yet
		{"kjell", "2026-12-07", true, "opplaering"}, // from the start date
		{"ola", "2026-12-07", false, ""},            // disabled by a departure
		{"eva", "2026-12-07", true, "samferdsel"},   // the directory file
		{"mallory", "2026-12-07", false, ""},
	}
	for _, tt := range tests {
		u, ok, err := Resolve(t.Context(), store, dir, tt.user, tt.date)
		if err != nil || ok != tt.ok || u.Unit != tt.unit {
			t.Errorf("Resolve(%s, %s) = %+v, %v, %v; want ok %v unit %q", tt.user, tt.date, u, ok, err, tt.ok, tt.unit)
		}
	}
	p, err := Read(t.Context(), store, "ola")
	if err != nil || len(p.Accesses) != 1 || !p.Disabled {
		t.Errorf("ola = %+v, %v", p, err)
	}
}
