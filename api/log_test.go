package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// requestLines are the JSON request log lines the server wrote.
func requestLines(t *testing.T, logs *lockedWriter) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(logs.String()) {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		if e["msg"] == "request" {
			out = append(out, e)
		}
	}
	return out
}

// TestRequestLogLinesNameCorrelationAndCase: every answered request is one
// JSON log line with its correlation ID (the caller's, echoed in the
// answer, or a new one) and, on a case route, the case's reference even
// when the caller named the case by its UUID.
func TestRequestLogLinesNameCorrelationAndCase(t *testing.T) {
	srv := newServerWith(t, nil)
	caseID := appendCase(t, srv.store, 1, "ola")

	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/cases/"+caseID, nil)
	req.Header.Set("Authorization", "Bearer dev:per")
	req.Header.Set("X-Correlation-ID", "req-4711")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET case: %d", resp.StatusCode)
	}
	if got := resp.Header.Get("X-Correlation-ID"); got != "req-4711" {
		t.Errorf("answer's X-Correlation-ID = %q, want the caller's req-4711", got)
	}
	// No ID from the caller, a refused request on an unknown reference.
	resp2, _ := call{method: "POST", path: "/api/v1/cases/BH-2026-000099/claim", token: "dev:ola"}.do(t, srv.Server)
	generated := resp2.Header.Get("X-Correlation-ID")
	if generated == "" {
		t.Error("an answer without a caller's correlation ID names no generated one")
	}
	// A caller's ID with a line break is not taken into the logs.
	req3, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
	req3.Header.Set("Authorization", "Bearer dev:ola")
	req3.Header.Set("X-Correlation-ID", "a\tb")
	resp3, err := http.DefaultClient.Do(req3)
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if got := resp3.Header.Get("X-Correlation-ID"); got == "a\tb" || got == "" {
		t.Errorf("a correlation ID with a control character was kept: %q", got)
	}

	lines := requestLines(t, srv.logs)
	if len(lines) != 3 {
		t.Fatalf("got %d request log lines, want 3:\n%s", len(lines), srv.logs.String())
	}
	want := []map[string]any{
		{"route": "GET /api/v1/cases/{ref}", "status": 200.0, "user": "per", "correlationId": "req-4711", "caseRef": "BH-2026-000001"},
		{"route": "POST /api/v1/cases/{ref}/claim", "user": "ola", "correlationId": generated, "caseRef": "BH-2026-000099"},
		{"route": "GET /api/v1/me", "status": 200.0, "user": "ola", "correlationId": resp3.Header.Get("X-Correlation-ID")},
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("request line %d: %s = %v, want %v (line %v)", i, k, lines[i][k], v, lines[i])
			}
		}
		if _, ok := lines[i]["durationMs"]; !ok {
			t.Errorf("request line %d has no durationMs: %v", i, lines[i])
		}
	}
	if _, ok := lines[2]["caseRef"]; ok {
		t.Errorf("a request about no case names one: %v", lines[2])
	}
	// The refusal's own line carries the same correlation ID.
	found := false
	for line := range strings.Lines(srv.logs.String()) {
		var e map[string]any
		_ = json.Unmarshal([]byte(line), &e)
		if e["msg"] == "request refused" && e["correlationId"] == generated && e["caseRef"] == "BH-2026-000099" {
			found = true
		}
	}
	if !found {
		t.Errorf("the refusal line does not carry correlation ID %s and the case:\n%s", generated, srv.logs.String())
	}
}
