package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// reportModel is a read model holding three folded cases of the week of
// 2 March 2026 and after it.
func reportModel(t *testing.T) *readmodel.DB {
	t.Helper()
	rm, err := readmodel.Open(context.Background(), filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	oslo := func(day, hour, minute int) time.Time {
		return time.Date(2026, 3, day, hour, minute, 0, 0, helpdesk.Oslo)
	}
	tp := func(t time.Time) *time.Time { return &t }
	normal := helpdesk.DefaultSLAPolicy().Targets[helpdesk.PriorityNormal]
	cases := []helpdesk.Case{
		{ // answered after 0.5 service hours, resolved after 8.5 (targets 4 and 25.5)
			ID: "00000000-0000-4000-8000-000000000001", Reference: "BH-2026-000001", Kind: helpdesk.KindIncident,
			Priority: helpdesk.PriorityNormal, Group: "brukerhjelp", Status: helpdesk.StatusResolved,
			CreatedAt: oslo(2, 9, 0), UpdatedAt: oslo(3, 9, 0), ResolvedAt: oslo(3, 9, 0),
			SLA: &helpdesk.SLA{ResponseTarget: normal.Response, ResolutionTarget: normal.Resolution,
				RespondedAt: tp(oslo(2, 9, 30)), Stopped: true, Used: 17 * time.Hour / 2},
		},
		{ // open at the end of Friday 6 March: 6 + 8.5 + 8.5 = 23 service hours, 2.7 days old
			ID: "00000000-0000-4000-8000-000000000002", Reference: "BH-2026-000002", Kind: helpdesk.KindGuidance,
			Priority: helpdesk.PriorityHigh, Group: "tjeneste", Status: helpdesk.StatusNew,
			CreatedAt: oslo(4, 10, 0), UpdatedAt: oslo(4, 10, 0),
		},
		{ // after the period
			ID: "00000000-0000-4000-8000-000000000003", Reference: "BH-2026-000003", Kind: helpdesk.KindIncident,
			Priority: helpdesk.PriorityLow, Group: "brukerhjelp", Status: helpdesk.StatusNew,
			CreatedAt: oslo(9, 10, 0), UpdatedAt: oslo(9, 10, 0),
		},
	}
	for i, c := range cases {
		if _, err := rm.Project(context.Background(), "cases", uint64(i+1), func(ctx context.Context, tx *readmodel.Tx) error {
			return tx.PutCase(ctx, c, 0)
		}); err != nil {
			t.Fatal(err)
		}
	}
	return rm
}

func TestKPIReport(t *testing.T) {
	rm := reportModel(t)
	srv := newServerWith(t, func(c *serverConfig) { c.Reports = rm })
	week := "/api/v1/reports/kpi?from=2026-03-02&to=2026-03-06"

	for _, user := range []string{"nina", "siri"} {
		resp, body := call{method: "GET", path: week, token: "dev:" + user}.do(t, srv.Server)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s reads the KPIs: %d %s %s", user, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		var rep kpi.Report
		if err := json.Unmarshal(body, &rep); err != nil {
			t.Fatal(err)
		}
		wantFrom := time.Date(2026, 3, 2, 0, 0, 0, 0, helpdesk.Oslo)
		wantTo := time.Date(2026, 3, 7, 0, 0, 0, 0, helpdesk.Oslo) // the whole of Friday
		if !rep.From.Equal(wantFrom) || !rep.To.Equal(wantTo) {
			t.Errorf("period %v – %v, want %v – %v", rep.From, rep.To, wantFrom, wantTo)
		}
		f := rep.Total
		if f.Opened != 2 || f.Resolved != 1 || f.Backlog.Total != 1 || f.Backlog.Buckets[1].Count != 1 {
			t.Errorf("opened %d resolved %d backlog %+v; want 2, 1 and one case 1-3 days old", f.Opened, f.Resolved, f.Backlog)
		}
		if f.FirstResponseHours.Count != 1 || *f.FirstResponseHours.Median != 0.5 || *f.ResolutionHours.Median != 8.5 {
			t.Errorf("response %+v resolution %+v; want 0.5 h and 8.5 h", f.FirstResponseHours, f.ResolutionHours)
		}
		if f.ResponseWithinTarget.Count != 1 || f.ResolutionWithinTarget.Count != 1 || f.Reopened.Count != 0 || f.Reopened.Of != 1 {
			t.Errorf("compliance %+v %+v reopened %+v", f.ResponseWithinTarget, f.ResolutionWithinTarget, f.Reopened)
		}
		if len(rep.ByKind) != 2 || rep.ByKind[0].Key != "incident" || rep.ByKind[1].Key != "guidance" ||
			len(rep.ByGroup) != 2 || rep.ByGroup[1].Key != "tjeneste" || rep.ByGroup[1].Opened != 1 {
			t.Errorf("breakdown by kind %+v by group %+v", rep.ByKind, rep.ByGroup)
		}
	}

	// CSV: one row for the total and one per kind, priority and group.
	resp, body := call{method: "GET", path: week, token: "dev:nina", headers: map[string]string{"Accept": "text/csv"}}.do(t, srv.Server)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+1+2+2+2 {
		t.Fatalf("%d CSV records, want header, total, 2 kinds, 2 priorities, 2 groups:\n%s", len(recs), body)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	total := recs[1]
	for name, want := range map[string]string{"dimension": "total", "opened": "2", "resolved": "1", "backlog": "1",
		"backlog_days_1-3": "1", "first_response_median_hours": "0.5", "resolution_p90_hours": "8.5",
		"response_within_target_rate": "1", "reopen_rate": "0", "approval_count": "0", "approval_lead_median_hours": ""} {
		if got := total[col[name]]; got != want {
			t.Errorf("CSV total %s = %q, want %q", name, got, want)
		}
	}
	if recs[4][col["dimension"]] != "priority" || recs[4][col["key"]] != "high" {
		t.Errorf("CSV row 4: %v, want the high priority", recs[4])
	}

	// Who may not, and what is not a period.
	tests := []struct {
		user, query string
		status      int
		field       string
	}{
		{"ola", "", 403, ""},
		{"per", "", 403, ""},
		{"tor", "", 403, ""},
		{"nina", "?from=yesterday", 400, "from"},
		{"nina", "?to=2026-02-30", 400, "to"},
		{"nina", "?from=2026-03-06&to=2026-03-02", 400, "to"},
		{"nina", "?from=2000-01-01&to=2026-03-02", 400, "from"},
	}
	for _, tt := range tests {
		resp, body := call{method: "GET", path: "/api/v1/reports/kpi" + tt.query, token: "dev:" + tt.user}.do(t, srv.Server)
		var p Problem
		_ = json.Unmarshal(body, &p)
		if resp.StatusCode != tt.status || p.Field != tt.field || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s, want %d naming %q", tt.user, tt.query, resp.StatusCode, body, tt.status, tt.field)
		}
	}

	// No period: the last 30 days up to now.
	resp, body = call{method: "GET", path: "/api/v1/reports/kpi", token: "dev:nina"}.do(t, srv.Server)
	var rep kpi.Report
	if err := json.Unmarshal(body, &rep); resp.StatusCode != 200 || err != nil {
		t.Fatalf("default period: %d %s", resp.StatusCode, body)
	}
	if d := rep.To.Sub(rep.From); d != 30*24*time.Hour || time.Since(rep.To) > time.Minute {
		t.Errorf("default period %v – %v", rep.From, rep.To)
	}
	if rep.Total.Opened != 0 || rep.Total.Backlog.Total != 2 { // both open cases are in today's backlog
		t.Errorf("last 30 days: %+v", rep.Total)
	}
}

func TestKPIWithoutReadModelIs503(t *testing.T) {
	srv := newServerWith(t, nil)
	resp, body := call{method: "GET", path: "/api/v1/reports/kpi", token: "dev:nina"}.do(t, srv.Server)
	if resp.StatusCode != 503 {
		t.Errorf("no read model: %d %s", resp.StatusCode, body)
	}
}

// failingLog is an event store that cannot take audit-log appends.
type failingLog struct{ desk.Record }

func (f failingLog) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	if strings.HasPrefix(stream, "auditlog-") {
		return eventstore.AppendResult{}, errors.New("disk full")
	}
	return f.Record.Append(ctx, stream, exp, evs...)
}
