package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
)

func auditReads(t *testing.T, srv testServer, user string) []audit.RecordedRead {
	t.Helper()
	resp, body := call{method: "GET", path: "/api/v1/audit/reads", token: "dev:" + user}.do(t, srv.Server)
	if resp.StatusCode != 200 {
		t.Fatalf("%s lists the reads: %d %s", user, resp.StatusCode, body)
	}
	var out struct{ Reads []audit.RecordedRead }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Reads
}

// TestReadsOfTheRecordAreRecorded: every read of history, state, SLA,
// verify, audit verify and audit export is on the record, with who, what,
// which case and which query, whoever read it; the auditor lists them
// and finds them in the export; other reads are not recorded.
func TestReadsOfTheRecordAreRecorded(t *testing.T) {
	srv := newServerWith(t, nil)
	caseID := appendCase(t, srv.store, 1, "ola")
	start := time.Now().UTC()
	reads := []struct{ user, path, what string }{
		{"siri", "/api/v1/cases/BH-2026-000001/history", "history"},
		{"siri", "/api/v1/cases/BH-2026-000001/state?asOf=2026-03-02T09:03:00Z", "state"},
		{"siri", "/api/v1/cases/" + caseID + "/verify", "verify"},
		{"ola", "/api/v1/cases/BH-2026-000001/history", "history"}, // the reporter reading their own case: recorded too
		{"nina", "/api/v1/audit/verify", "audit-verify"},
		{"siri", "/api/v1/audit/export?from=2026-01-01T00:00:00Z", "audit-export"},
	}
	for _, rd := range reads {
		if resp, body := (call{method: "GET", path: rd.path, token: "dev:" + rd.user}).do(t, srv.Server); resp.StatusCode != 200 {
			t.Fatalf("%s GET %s: %d %s", rd.user, rd.path, resp.StatusCode, body)
		}
	}
	// Not recorded: the case itself, a case one may not see, bad input.
	for _, c := range []call{
		{method: "GET", path: "/api/v1/cases/BH-2026-000001", token: "dev:siri"},
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/history", token: "dev:eva"},          // 404
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/state?asOf=igår", token: "dev:siri"}, // 400
		{method: "GET", path: "/api/v1/audit/export", token: "dev:nina"},                         // 403
	} {
		c.do(t, srv.Server)
	}

	got := auditReads(t, srv, "siri")
	if len(got) != len(reads) {
		t.Fatalf("%d reads recorded, want %d: %+v", len(got), len(reads), got)
	}
	for i, rd := range reads {
		g := got[i]
		if g.Actor != rd.user || g.What != rd.what || g.At.Before(start.Add(-time.Second)) || g.RequestID == "" || g.Hash == "" {
			t.Errorf("read %d: %+v, want %s reading %s", i, g, rd.user, rd.what)
		}
		if strings.HasPrefix(rd.path, "/api/v1/cases/") && g.CaseID != caseID {
			t.Errorf("read %d names case %q, want %s", i, g.CaseID, caseID)
		}
	}
	if got[1].Query != "asOf=2026-03-02T09:03:00Z" || got[1].Ref != "BH-2026-000001" || got[0].Roles[0] != "auditor" {
		t.Errorf("the state read is recorded as %+v", got[1])
	}

	// Listing the reads is a read too, and the export carries them all.
	if again := auditReads(t, srv, "siri"); len(again) != len(reads)+1 || again[len(again)-1].What != "audit-reads" {
		t.Errorf("after listing: %d reads, last %+v", len(again), again[len(again)-1])
	}
	resp, body := call{method: "GET", path: "/api/v1/audit/export", token: "dev:siri"}.do(t, srv.Server)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	inExport := 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var line audit.ExportLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line.Stream, audit.LogStreamPrefix) && line.Type == "AuditRead" {
			inExport++
		}
	}
	if inExport != len(reads)+3 { // two listings and the export itself
		t.Errorf("%d reads in the export, want %d", inExport, len(reads)+3)
	}
	// The audit log is hash-chained like everything else.
	resp, body = call{method: "GET", path: "/api/v1/audit/verify", token: "dev:siri"}.do(t, srv.Server)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok":true`) {
		t.Errorf("verify with the audit log: %d %s", resp.StatusCode, body)
	}

	for _, user := range []string{"nina", "per", "ola"} {
		if resp, body := (call{method: "GET", path: "/api/v1/audit/reads", token: "dev:" + user}).do(t, srv.Server); resp.StatusCode != 403 {
			t.Errorf("%s lists the reads: %d %s", user, resp.StatusCode, body)
		}
	}
	resp, body = call{method: "GET", path: "/api/v1/audit/reads?from=2026-03-05&to=2026-03-01", token: "dev:siri"}.do(t, srv.Server)
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"field":"to"`) {
		t.Errorf("reads of a backwards period: %d %s", resp.StatusCode, body)
	}
}

// TestAnUnrecordedReadIsRefused: when the audit log cannot be written,
// every recorded read answers 503 and shows nothing of the record; other
// reads go on.
func TestAnUnrecordedReadIsRefused(t *testing.T) {
	rm := reportModel(t)
	srv := newServerWith(t, func(c *serverConfig) { c.Store, c.Reports = failingLog{c.Store}, rm })
	appendCase(t, srv.store, 1, "ola")
	for _, c := range []call{
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/history", token: "dev:siri"},
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/history", token: "dev:ola"},
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/state", token: "dev:siri"},
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/verify", token: "dev:siri"},
		{method: "GET", path: "/api/v1/audit/verify", token: "dev:siri"},
		{method: "GET", path: "/api/v1/audit/export", token: "dev:siri"},
		{method: "GET", path: "/api/v1/audit/reads", token: "dev:siri"},
		{method: "GET", path: "/api/v1/reports/kpi", token: "dev:nina"},
	} {
		resp, body := c.do(t, srv.Server)
		if resp.StatusCode != 503 || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s with no audit log: %d %s", c.token, c.path, resp.StatusCode, body)
		}
		if strings.Contains(string(body), "Skriveren") || strings.Contains(string(body), "CaseOpened") {
			t.Errorf("%s: the refused read shows the record: %s", c.path, body)
		}
	}
	if !strings.Contains(srv.logs.String(), "audit read not recorded") {
		t.Error("the refusal is not logged")
	}
	if resp, body := (call{method: "GET", path: "/api/v1/cases/BH-2026-000001", token: "dev:siri"}).do(t, srv.Server); resp.StatusCode != 200 {
		t.Errorf("the case itself: %d %s", resp.StatusCode, body)
	}
}
