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

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// newListServer is newTestServer with a read model behind the lists.
func newListServer(t *testing.T, lists desk.Lists) *httptest.Server {
	t.Helper()
	return newServerWith(t, func(c *serverConfig) { c.Lists = lists }).Server
}

// listDesk is a read model with six cases, written as the projector
// writes them. Case n was updated at minute n, so newest first is 6..1.
type listDesk struct {
	rm    *readmodel.DB
	cases []helpdesk.Case
}

func newListDesk(t *testing.T) listDesk {
	t.Helper()
	rm, err := readmodel.Open(context.Background(), filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mk := func(n int, kind helpdesk.Kind, status helpdesk.Status, title, reporter, assignee string, tasks ...helpdesk.Task) helpdesk.Case {
		id := fmt.Sprintf("7d3c5a0e-8f1b-4c2d-9e3f-%012d", n)
		for i := range tasks {
			tasks[i].ID, tasks[i].CaseID, tasks[i].Status, tasks[i].CreatedAt = helpdesk.TaskID(id, i+1), id, helpdesk.TaskStatusOpen, base
		}
		return helpdesk.Case{ID: id, Reference: helpdesk.FormatReference(2026, uint64(n)), Kind: kind, Status: status, Title: title,
			Description: "beskrivelse " + title, Reporter: reporter, CreatedBy: reporter, Assignee: assignee, Group: helpdesk.FirstLineGroup,
			Comments: []helpdesk.Comment{{ID: "c1", Author: "per", Body: "intern merknad", Internal: true}},
			Tasks:    tasks, CreatedAt: base, UpdatedAt: base.Add(time.Duration(n) * time.Minute), Revision: 3}
	}
	d := listDesk{rm: rm, cases: []helpdesk.Case{
		mk(1, helpdesk.KindIncident, helpdesk.StatusInProgress, "Skriveren virker ikke", "ola", "per"),
		mk(2, helpdesk.KindGuidance, helpdesk.StatusNew, "Outlook-signatur", "eva", ""),
		mk(3, helpdesk.KindIncident, helpdesk.StatusClosed, "VPN faller ut", "ola", "lise"),
		mk(4, helpdesk.KindOrder, helpdesk.StatusAwaitingApproval, "Ny bærbar", "kari", "",
			helpdesk.Task{Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden", Approver: "jon", Fallback: "nina"},
			helpdesk.Task{Kind: helpdesk.TaskFulfilment, Type: "deliver", Title: "Lever", Group: helpdesk.FirstLineGroup}),
		mk(5, helpdesk.KindOrder, helpdesk.StatusAwaitingApproval, "Dyr skjerm", "ola", "",
			helpdesk.Task{Kind: helpdesk.TaskApproval, Type: "it-review", Title: "IT-vurdering", Group: "tjeneste"}),
		mk(6, helpdesk.KindOrder, helpdesk.StatusAwaitingApproval, "Lisens til Lise", "lise", "",
			helpdesk.Task{Kind: helpdesk.TaskApproval, Type: "it-review", Title: "IT-vurdering", Group: "tjeneste"}),
	}}
	for i, c := range d.cases {
		if _, err := rm.Project(context.Background(), "cases", uint64(i+1), func(ctx context.Context, tx *readmodel.Tx) error {
			return tx.PutCase(ctx, c, c.Revision)
		}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

type casePage struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"nextCursor"`
}

func getPage(t *testing.T, srv *httptest.Server, token, query string) casePage {
	t.Helper()
	resp, body := call{method: "GET", path: "/api/v1/cases" + query, token: token}.do(t, srv)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/cases%s as %s: %d %s", query, token, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type = %q, want application/json", ct)
	}
	var p casePage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return p
}

func pageRefs(p casePage) []string {
	out := []string{}
	for _, c := range p.Items {
		out = append(out, strings.TrimPrefix(fmt.Sprint(c["reference"]), "BH-2026-00000"))
	}
	return out
}

func TestListCasesShowsWhatTheCallerMaySee(t *testing.T) {
	srv := newListServer(t, newListDesk(t).rm)
	tests := []struct {
		user string
		want []string
	}{
		{"per", []string{"6", "5", "4", "3", "2", "1"}},
		{"siri", []string{"6", "5", "4", "3", "2", "1"}},
		{"ola", []string{"5", "3", "1"}},
		{"eva", []string{"2"}},
		{"jon", []string{"4"}}, // he approves Kari's order
		{"tor", []string{}},
	}
	for _, tt := range tests {
		p := getPage(t, srv, "dev:"+tt.user, "")
		if got := pageRefs(p); !slices.Equal(got, tt.want) {
			t.Errorf("%s sees %v, want %v", tt.user, got, tt.want)
		}
		if p.NextCursor != nil {
			t.Errorf("%s: nextCursor %q on the only page, want none", tt.user, *p.NextCursor)
		}
	}

	first := getPage(t, srv, "dev:ola", "?q=skriveren").Items[0]
	for field, want := range map[string]any{"reference": "BH-2026-000001", "kind": "incident", "status": "in-progress",
		"title": "Skriveren virker ikke", "reporter": "ola", "assignee": "per", "group": "brukerhjelp",
		"createdAt": "2026-03-02T10:00:00+01:00", "updatedAt": "2026-03-02T10:01:00+01:00", "revision": 3.0} {
		if got := first[field]; got != want {
			t.Errorf("item field %s = %v, want %v", field, got, want)
		}
	}
	for _, field := range []string{"description", "comments", "tasks"} {
		if v, ok := first[field]; ok {
			t.Errorf("list item has %s (%v); lists leave it out, internal comments above all", field, v)
		}
	}
}

func TestListCasesFiltersAndPages(t *testing.T) {
	srv := newListServer(t, newListDesk(t).rm)
	tests := []struct {
		query string
		want  []string
	}{
		{"?status=closed", []string{"3"}},
		{"?status=awaiting-approval&kind=order", []string{"6", "5", "4"}},
		{"?assignee=per", []string{"1"}},
		{"?reporter=ola&kind=incident", []string{"3", "1"}},
		{"?group=brukerhjelp", []string{"6", "5", "4", "3", "2", "1"}},
		{"?group=arkiv", []string{}},
		{"?q=" + url.QueryEscape("Bærbar"), []string{"4"}},
		{"?q=BH-2026-000002", []string{"2"}},
		{"?q=beskrivelse+vpn", []string{"3"}},
		{"?status=active", []string{}}, // a status of access cases: valid, none yet
		// The first line's queue: open cases only (3 is closed); "all"
		// is the same as no status.
		{"?group=brukerhjelp&status=open", []string{"6", "5", "4", "2", "1"}},
		{"?status=all", []string{"6", "5", "4", "3", "2", "1"}},
	}
	for _, tt := range tests {
		if got := pageRefs(getPage(t, srv, "dev:per", tt.query)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.query, got, tt.want)
		}
	}

	var pages [][]string
	query := "?limit=2"
	for range 5 {
		p := getPage(t, srv, "dev:per", query)
		pages = append(pages, pageRefs(p))
		if p.NextCursor == nil {
			break
		}
		query = "?limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	if got, want := fmt.Sprint(pages), "[[6 5] [4 3] [2 1]]"; got != want {
		t.Errorf("pages of 2 = %s, want %s", got, want)
	}
}

func TestListsRefuseBadInput(t *testing.T) {
	srv := newListServer(t, newListDesk(t).rm)
	tests := []struct {
		path, field string
	}{
		{"/api/v1/cases?limit=0", "limit"},
		{"/api/v1/cases?limit=201", "limit"},
		{"/api/v1/cases?limit=-1", "limit"},
		{"/api/v1/cases?limit=ten", "limit"},
		{"/api/v1/cases?kind=complaint", "kind"},
		{"/api/v1/cases?status=done", "status"},
		{"/api/v1/cases?cursor=not-a-cursor!", "cursor"},
		{"/api/v1/cases?staus=new", "staus"},
		{"/api/v1/cases?status=new&status=closed", "status"},
		{"/api/v1/cases?q=" + strings.Repeat("x", 201), "q"},
		{"/api/v1/cases?assignee=" + strings.Repeat("x", 101), "assignee"},
		{"/api/v1/tasks?case=DROP%20TABLE", "case"},
		{"/api/v1/tasks?mine=true", "mine"},
	}
	for _, tt := range tests {
		resp, body := call{method: "GET", path: tt.path, token: "dev:per", headers: map[string]string{"Accept-Language": "en"}}.do(t, srv)
		var p Problem
		_ = json.Unmarshal(body, &p)
		if resp.StatusCode != 400 || p.Status != 400 || p.Field != tt.field || p.Detail == "" {
			t.Errorf("GET %s = %d %s, want 400 naming field %q", tt.path, resp.StatusCode, body, tt.field)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("GET %s: content type %q, want application/problem+json", tt.path, ct)
		}
	}
	for _, path := range []string{"/api/v1/cases", "/api/v1/tasks"} {
		if resp, body := (call{method: "GET", path: path}).do(t, srv); resp.StatusCode != 401 {
			t.Errorf("GET %s without a token = %d %s, want 401", path, resp.StatusCode, body)
		}
	}
}

func TestTasksAreThoseTheCallerMayActOn(t *testing.T) {
	d := newListDesk(t)
	srv := newListServer(t, d.rm)
	order, screen := d.cases[3], d.cases[4]
	tests := []struct {
		user, query string
		want        []string
	}{
		{"jon", "", []string{order.ID + ".t1"}},                     // the approver
		{"per", "", []string{order.ID + ".t2"}},                     // fulfilment for his group
		{"lise", "", []string{order.ID + ".t2", screen.ID + ".t1"}}, // the IT review for hers, not of her own order
		{"arne", "", []string{}},
		{"lise", "?case=" + screen.Reference, []string{screen.ID + ".t1"}},         // by reference
		{"lise", "?case=" + strings.ToUpper(order.ID), []string{order.ID + ".t2"}}, // by id, any case
		{"kari", "", []string{}},                                                   // she reported the order
		{"ola", "", []string{}},
		{"siri", "", []string{}}, // auditors read, they do not act
	}
	for _, tt := range tests {
		resp, body := call{method: "GET", path: "/api/v1/tasks" + tt.query, token: "dev:" + tt.user}.do(t, srv)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /api/v1/tasks%s as %s: %d %s", tt.query, tt.user, resp.StatusCode, body)
		}
		var got struct {
			Items []readmodel.TaskItem `json:"items"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		ids := []string{}
		for _, tk := range got.Items {
			ids = append(ids, tk.ID)
			if tk.CaseReference == "" || tk.CaseTitle == "" || tk.Status != helpdesk.TaskStatusOpen {
				t.Errorf("task %+v: want its case's reference and title, and open", tk)
			}
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s%s: tasks %v, want %v", tt.user, tt.query, ids, tt.want)
		}
	}
}

func TestListsWithoutAReadModelAnswer503(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/api/v1/cases", "/api/v1/tasks"} {
		resp, body := call{method: "GET", path: path, token: "dev:per"}.do(t, srv)
		var p Problem
		_ = json.Unmarshal(body, &p)
		if resp.StatusCode != 503 || p.Status != 503 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s without a read model = %d %s, want a 503 problem", path, resp.StatusCode, body)
		}
	}
}
