package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// noteID is the id of test notification n.
func noteID(n int) string { return fmt.Sprintf("5b0f6c1e-2a4d-5e8f-9a1b-%012d", n) }

// newNotificationServer serves a read model holding, as the projector
// writes them, notifications 1..5 for Ola (n at minute n) and 6 for Eva.
func newNotificationServer(t *testing.T) (*httptest.Server, *readmodel.DB) {
	t.Helper()
	rm, err := readmodel.Open(context.Background(), filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for n := 1; n <= 6; n++ {
		who := "ola"
		if n == 6 {
			who = "eva"
		}
		ref := fmt.Sprintf("BH-2026-%06d", n)
		if _, err := rm.Project(context.Background(), "cases", uint64(n), func(ctx context.Context, tx *readmodel.Tx) error {
			_, err := tx.AddNotification(ctx, readmodel.Notification{ID: noteID(n), Recipient: who,
				CaseID: fmt.Sprintf("7d3c5a0e-8f1b-4c2d-9e3f-%012d", n), CaseReference: ref, Kind: "case-resolved",
				Title: ref + ": Saken er løst", TitleEn: ref + ": The case has been resolved",
				CreatedAt: base.Add(time.Duration(n) * time.Minute), EventID: fmt.Sprintf("0e5f1c2a-0000-4000-8000-%012d", n), Position: uint64(n)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	srv := newServerWith(t, func(c *serverConfig) { c.Notifications = rm })
	return srv.Server, rm
}

type notePage struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"nextCursor"`
	Unread     *int             `json:"unread"`
}

func getNotes(t *testing.T, srv *httptest.Server, user, query string) notePage {
	t.Helper()
	resp, body := call{method: "GET", path: "/api/v1/notifications" + query, token: "dev:" + user}.do(t, srv)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/notifications%s as %s: %d %s", query, user, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type = %q, want application/json", ct)
	}
	var p notePage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if p.Unread == nil {
		t.Fatalf("%s: no unread count", body)
	}
	return p
}

// noteNumbers names a page's items by their test number.
func noteNumbers(p notePage) []string {
	out := []string{}
	for _, n := range p.Items {
		out = append(out, strings.TrimLeft(strings.TrimPrefix(fmt.Sprint(n["id"]), "5b0f6c1e-2a4d-5e8f-9a1b-"), "0"))
	}
	return out
}

func markRead(t *testing.T, srv *httptest.Server, user, id string) (int, map[string]any) {
	t.Helper()
	resp, body := call{method: "POST", path: "/api/v1/notifications/" + id + "/read", token: "dev:" + user}.do(t, srv)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("POST read %s as %s: %d %s: %v", id, user, resp.StatusCode, body, err)
	}
	return resp.StatusCode, out
}

func TestNotificationsListTheCallersOwnNewestFirst(t *testing.T) {
	srv, _ := newNotificationServer(t)
	p := getNotes(t, srv, "ola", "")
	if got, want := noteNumbers(p), []string{"5", "4", "3", "2", "1"}; !slices.Equal(got, want) {
		t.Errorf("ola's notifications = %v, want %v", got, want)
	}
	if *p.Unread != 5 || p.NextCursor != nil {
		t.Errorf("unread %d, next cursor %v; want 5 and none", *p.Unread, p.NextCursor)
	}
	first := p.Items[0]
	for field, want := range map[string]any{"id": noteID(5), "recipient": "ola", "caseId": "7d3c5a0e-8f1b-4c2d-9e3f-000000000005",
		"caseReference": "BH-2026-000005", "kind": "case-resolved", "title": "BH-2026-000005: Saken er løst",
		"titleEn": "BH-2026-000005: The case has been resolved", "createdAt": "2026-03-02T10:05:00+01:00", "read": false,
		"eventId": "0e5f1c2a-0000-4000-8000-000000000005"} {
		if got := first[field]; got != want {
			t.Errorf("field %s = %v, want %v", field, got, want)
		}
	}
	if _, ok := first["readAt"]; ok {
		t.Errorf("an unread notification has readAt: %v", first)
	}
	if got := noteNumbers(getNotes(t, srv, "eva", "")); !slices.Equal(got, []string{"6"}) {
		t.Errorf("eva's notifications = %v, want [6]", got)
	}
	for _, user := range []string{"per", "siri"} {
		if p := getNotes(t, srv, user, ""); len(p.Items) != 0 || *p.Unread != 0 {
			t.Errorf("%s has %v, want none", user, noteNumbers(p))
		}
	}

	var pages [][]string
	query := "?limit=2"
	for range 5 {
		p := getNotes(t, srv, "ola", query)
		pages = append(pages, noteNumbers(p))
		if p.NextCursor == nil {
			break
		}
		query = "?limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	if got, want := fmt.Sprint(pages), "[[5 4] [3 2] [1]]"; got != want {
		t.Errorf("pages of 2 = %s, want %s", got, want)
	}
}

func TestMarkingANotificationRead(t *testing.T) {
	srv, _ := newNotificationServer(t)
	status, n := markRead(t, srv, "ola", noteID(4))
	if status != 200 || n["read"] != true || n["id"] != noteID(4) || n["readAt"] == nil {
		t.Fatalf("ola marks 4 read: %d %v", status, n)
	}
	readAt := n["readAt"]
	// Again: still read, at the first time. An upper-case id is the same id.
	if status, again := markRead(t, srv, "ola", strings.ToUpper(noteID(4))); status != 200 || again["readAt"] != readAt {
		t.Errorf("ola marks 4 read again: %d %v, want 200 and readAt %v", status, again, readAt)
	}
	p := getNotes(t, srv, "ola", "?unread=true")
	if got, want := noteNumbers(p), []string{"5", "3", "2", "1"}; !slices.Equal(got, want) || *p.Unread != 4 {
		t.Errorf("ola's unread = %v (count %d), want %v", got, *p.Unread, want)
	}
	all := getNotes(t, srv, "ola", "?unread=false")
	if len(all.Items) != 5 || all.Items[1]["read"] != true || *all.Unread != 4 {
		t.Errorf("ola's all = %v (unread %d), want 5 with 4 read", noteNumbers(all), *all.Unread)
	}

	// Eva's notification, marked by Ola: 404, as if it did not exist,
	// and it stays unread.
	status, prob := markRead(t, srv, "ola", noteID(6))
	if status != 404 || prob["detail"] != "varselet finnes ikke" {
		t.Errorf("ola marks eva's: %d %v, want 404", status, prob)
	}
	if status, missing := markRead(t, srv, "ola", noteID(99)); status != 404 || missing["detail"] != prob["detail"] {
		t.Errorf("ola marks one that does not exist: %d %v, want the same 404", status, missing)
	}
	if p := getNotes(t, srv, "eva", "?unread=true"); len(p.Items) != 1 {
		t.Errorf("eva's notification after ola tried: %v, want it unread", p.Items)
	}
	// Eva may.
	if status, n := markRead(t, srv, "eva", noteID(6)); status != 200 || n["read"] != true {
		t.Errorf("eva marks hers: %d %v", status, n)
	}
}

func TestNotificationsRefuseBadInput(t *testing.T) {
	srv, _ := newNotificationServer(t)
	const js = "application/json"
	read := "/api/v1/notifications/" + noteID(1) + "/read"
	tests := []struct {
		name   string
		c      call
		status int
		field  string
	}{
		{"unread not a boolean", call{method: "GET", path: "/api/v1/notifications?unread=yes"}, 400, "unread"},
		{"limit 0", call{method: "GET", path: "/api/v1/notifications?limit=0"}, 400, "limit"},
		{"limit too high", call{method: "GET", path: "/api/v1/notifications?limit=201"}, 400, "limit"},
		{"a foreign cursor", call{method: "GET", path: "/api/v1/notifications?cursor=x"}, 400, "cursor"},
		{"an unknown parameter", call{method: "GET", path: "/api/v1/notifications?user=eva"}, 400, "user"},
		{"a repeated parameter", call{method: "GET", path: "/api/v1/notifications?unread=true&unread=false"}, 400, "unread"},
		{"an id that is no id", call{method: "POST", path: "/api/v1/notifications/n1/read"}, 400, "id"},
		{"a body with fields", call{method: "POST", path: read, contentType: js, body: `{"read":false}`}, 400, ""},
		{"a body that is not JSON", call{method: "POST", path: read, contentType: "text/plain", body: "read"}, 415, ""},
		{"no token", call{method: "GET", path: "/api/v1/notifications"}, 401, ""},
		{"an auditor marks read", call{method: "POST", path: read, token: "dev:siri"}, 403, ""},
		{"with an empty JSON body", call{method: "POST", path: read, contentType: js, body: "{}"}, 200, ""},
	}
	for _, tt := range tests {
		if tt.c.token == "" && tt.status != 401 {
			tt.c.token = "dev:ola"
		}
		resp, body := tt.c.do(t, srv)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, body, tt.status)
			continue
		}
		if tt.status >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: content type %q", tt.name, resp.Header.Get("Content-Type"))
		}
		if tt.field != "" && !strings.Contains(string(body), `"field":"`+tt.field+`"`) {
			t.Errorf("%s: %s does not name field %s", tt.name, body, tt.field)
		}
	}
}

func TestNotificationsWithoutAReadModel(t *testing.T) {
	srv := newServerWith(t, nil)
	for _, c := range []call{
		{method: "GET", path: "/api/v1/notifications", token: "dev:ola"},
		{method: "POST", path: "/api/v1/notifications/" + noteID(1) + "/read", token: "dev:ola"},
	} {
		if resp, body := c.do(t, srv.Server); resp.StatusCode != 503 {
			t.Errorf("%s %s without a read model: %d %s, want 503", c.method, c.path, resp.StatusCode, body)
		}
	}
}
