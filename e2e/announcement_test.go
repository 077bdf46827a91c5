package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type announcementJSON struct {
	ID          string `json:"id"`
	Reference   string `json:"reference"`
	Kind        string `json:"kind"`
	Status      string `json:"status"`
	LinkedCount int    `json:"linkedCount"`
}

// TestOutageResolvesLinkedCases runs the outage story against the real
// binary: operations post an outage, an employee reports a case linked to
// it, a caseworker links another, operations resolve the outage, and both
// open cases resolve themselves and tell their reporters.
func TestOutageResolvesLinkedCases(t *testing.T) {
	p := ports{http: freePort(t), temporal: freePort(t)}
	s := startDev(t, t.TempDir(), p)

	starts := time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339)
	s.expect(t, 403, "POST", "/api/v1/announcements", "ola", map[string]any{"kind": "outage", "title": "x", "startsAt": starts})
	var outage announcementJSON
	s.expect(t, 201, "POST", "/api/v1/announcements", "tor", map[string]any{
		"kind": "outage", "title": "ESA er nede", "body": "Vi feilsøker.", "startsAt": starts, "services": []string{"esa"},
	}).decode(t, &outage)
	if outage.Status != "active" || !strings.HasPrefix(outage.Reference, "DRIFT-") {
		t.Fatalf("outage = %+v", outage)
	}

	// Linked on creation, and by a caseworker afterwards.
	var linked, later caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "ola", map[string]any{
		"kind": "incident", "title": "ESA svarer ikke", "description": "Får ikke åpnet ESA.", "announcement": outage.ID,
	}).decode(t, &linked)
	s.expect(t, 201, "POST", "/api/v1/cases", "eva", map[string]any{
		"kind": "incident", "title": "ESA er treg", "description": "Alt tar lang tid.",
	}).decode(t, &later)
	s.expect(t, 403, "POST", "/api/v1/cases/"+later.Reference+"/link", "eva", map[string]any{"announcement": outage.ID})
	s.expect(t, 200, "POST", "/api/v1/cases/"+later.Reference+"/link", "per", map[string]any{"announcement": outage.ID})
	var shown struct {
		Announcement *struct{ ID string } `json:"announcement"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+later.Reference, "eva", nil).decode(t, &shown)
	if shown.Announcement == nil || shown.Announcement.ID != outage.ID {
		t.Errorf("the linked case shows announcement %+v", shown.Announcement)
	}
	waitUntil(t, "the outage to learn of both links", func() bool {
		var a announcementJSON
		s.expect(t, 200, "GET", "/api/v1/announcements/"+outage.ID, "tor", nil).decode(t, &a)
		return a.LinkedCount == 2
	})
	var active struct{ Items []announcementJSON }
	s.expect(t, 200, "GET", "/api/v1/announcements?active=true", "eva", nil).decode(t, &active)
	if len(active.Items) != 1 || active.Items[0].ID != outage.ID {
		t.Errorf("active announcements = %+v", active.Items)
	}

	s.expect(t, 403, "POST", "/api/v1/announcements/"+outage.ID+"/resolve", "per", nil)
	s.expect(t, 200, "POST", "/api/v1/announcements/"+outage.ID+"/resolve", "tor", map[string]any{"comment": "Databasen er startet på nytt."})
	s.expect(t, 409, "POST", "/api/v1/announcements/"+outage.ID+"/resolve", "tor", nil)
	for _, c := range []caseJSON{linked, later} {
		waitUntil(t, c.Reference+" to resolve with the outage", func() bool {
			var got caseJSON
			s.expect(t, 200, "GET", "/api/v1/cases/"+c.Reference, c.Reporter, nil).decode(t, &got)
			return got.Status == "resolved"
		})
	}
	waitUntil(t, "ola to be told", func() bool {
		var page struct{ Items []struct{ Kind string } }
		s.expect(t, 200, "GET", "/api/v1/notifications", "ola", nil).decode(t, &page)
		var kinds []string
		for _, n := range page.Items {
			kinds = append(kinds, n.Kind)
		}
		return slices.Contains(kinds, "case-resolved") && slices.Contains(kinds, "outage-resolved") && slices.Contains(kinds, "announcement-published")
	})
	s.expect(t, 400, "POST", "/api/v1/cases", "ola", map[string]any{
		"kind": "incident", "title": "ESA igjen", "description": "Nede igjen?", "announcement": outage.ID,
	})

	if dir := os.Getenv("BRUKERHJELP_RECORD_HISTORY"); dir != "" {
		recordHistory(t, s, "announcement-"+outage.ID, filepath.Join(dir, "outage_history.json"))
		recordHistory(t, s, "case-"+later.ID, filepath.Join(dir, "linked_incident_history.json"))
	}
}

// waitUntil polls cond for up to 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
