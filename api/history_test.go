package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// internalNote is the text of the caseworkers' internal comment.
const internalNote = "INTERNT: brukeren har glemt passordet for femte gang"

// appendCase records case BH-2026-00000n as the workflow would have: the
// reference, the opening, a claim by per, a public comment by the
// reporter and an internal one by per. It returns the case ID.
func appendCase(t *testing.T, store *sqlitestore.Store, n int, reporter string) string {
	t.Helper()
	ctx := context.Background()
	caseID := fmt.Sprintf("7d3c5a0e-8f1b-4c2d-9e3f-%012d", n)
	ref := helpdesk.FormatReference(2026, uint64(n))
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	data := func(actor string, e helpdesk.Event) eventstore.EventData {
		t.Helper()
		d, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
		m, err := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: d, Metadata: m}
	}
	if _, err := store.Append(ctx, helpdesk.ReferenceStream(2026), expectedAfter(n-1),
		data("system", helpdesk.ReferenceAllocated{CaseID: caseID, Reference: ref})); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(ctx, helpdesk.Stream(caseID), eventstore.NoStream(),
		data(reporter, helpdesk.CaseOpened{CaseID: caseID, Reference: ref, Kind: helpdesk.KindIncident, Title: "Skriveren virker ikke",
			Description: "Den blinker rødt", Priority: helpdesk.PriorityNormal, Channel: helpdesk.ChannelPortal,
			Reporter: reporter, CreatedBy: reporter, Group: helpdesk.FirstLineGroup}),
		data("per", helpdesk.CaseClaimed{Assignee: "per"}),
		data(reporter, helpdesk.CommentAdded{CommentID: "c1", Body: "Den blinker fortsatt"}),
		data("per", helpdesk.CommentAdded{CommentID: "c2", Body: internalNote, Internal: true}),
		data("per", helpdesk.InfoRequested{Question: "Hvilken skriver?"}),
	); err != nil {
		t.Fatal(err)
	}
	return caseID
}

// expectedAfter is the expected revision of a stream holding n events.
func expectedAfter(n int) eventstore.ExpectedRevision {
	if n == 0 {
		return eventstore.NoStream()
	}
	return eventstore.Exact(uint64(n - 1))
}

// TestInternalCommentsNeverReachEmployees reads one recorded case as its
// reporter, a caseworker, an auditor and a stranger.
func TestInternalCommentsNeverReachEmployees(t *testing.T) {
	srv := newServerWith(t, nil)
	caseID := appendCase(t, srv.store, 1, "ola")
	all := []string{"CaseOpened", "CaseClaimed", "CommentAdded", "CommentAdded", "InfoRequested"}
	public := []string{"CaseOpened", "CaseClaimed", "CommentAdded", "InfoRequested"}
	tests := []struct {
		user       string
		status     int
		wantEvents []string
		comments   int
	}{
		{"ola", 200, public, 1}, // the reporter
		{"per", 200, all, 2},    // a caseworker
		{"arne", 200, all, 2},   // a caseworker of another group
		{"siri", 200, all, 2},   // the auditor
		{"eva", 404, nil, 0},    // not hers: as if it did not exist
		{"kari", 404, nil, 0},   // ola's manager, but not the reporter
	}
	for _, tt := range tests {
		for _, ref := range []string{caseID, "BH-2026-000001"} {
			resp, body := call{method: "GET", path: "/api/v1/cases/" + ref + "/history", token: "dev:" + tt.user}.do(t, srv.Server)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s reads the history of %s: %d %s, want %d", tt.user, ref, resp.StatusCode, body, tt.status)
			}
			if tt.status != 200 {
				if strings.Contains(string(body), "Skriveren") {
					t.Errorf("%s: the 404 shows the case: %s", tt.user, body)
				}
				continue
			}
			var evs []desk.HistoryEvent
			if err := json.Unmarshal(body, &evs); err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, e := range evs {
				types = append(types, e.Type)
			}
			if !slices.Equal(types, tt.wantEvents) {
				t.Errorf("%s sees %v, want %v", tt.user, types, tt.wantEvents)
			}
			if leaked := strings.Contains(string(body), internalNote); leaked != (len(tt.wantEvents) == len(all)) {
				t.Errorf("%s: internal comment shown = %v", tt.user, leaked)
			}
		}

		resp, body := call{method: "GET", path: "/api/v1/cases/BH-2026-000001", token: "dev:" + tt.user}.do(t, srv.Server)
		if resp.StatusCode != tt.status {
			t.Fatalf("%s reads the case: %d %s, want %d", tt.user, resp.StatusCode, body, tt.status)
		}
		if tt.status != 200 {
			continue
		}
		var c helpdesk.Case
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		if len(c.Comments) != tt.comments || strings.Contains(string(body), internalNote) != (tt.comments == 2) {
			t.Errorf("%s sees %d comments (%s), want %d", tt.user, len(c.Comments), body, tt.comments)
		}
	}
}
