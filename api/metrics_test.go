package api

import (
	"strings"
	"testing"
)

// GET /metrics needs no token and counts requests by route pattern, not by
// raw path, so one label value stands for every case.
func TestMetricsCountRequestsByRoute(t *testing.T) {
	srv := newTestServer(t)
	for _, ref := range []string{"BH-2026-000001", "BH-2026-000002"} {
		call{method: "GET", path: "/api/v1/cases/" + ref, token: "dev:per"}.do(t, srv)
	}
	call{method: "GET", path: "/api/v1/me", token: "dev:ola"}.do(t, srv)
	resp, body := call{method: "GET", path: "/metrics"}.do(t, srv)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	text := string(body)
	for _, want := range []string{
		`brukerhjelp_http_requests_total{code="404",method="GET",route="GET /api/v1/cases/{ref}"} 2`,
		`brukerhjelp_http_requests_total{code="200",method="GET",route="GET /api/v1/me"} 1`,
		`brukerhjelp_http_request_duration_seconds_bucket`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, "BH-2026-000001") {
		t.Error("a case reference leaked into a metric label")
	}
}
