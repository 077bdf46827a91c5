package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// newTestServer builds the API on a real event store and a Temporal client
// that never connects: these tests cover what the API decides on its own
// (authentication, decoding, lookup); the e2e tests cover the workflows.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	return newServerWith(t, nil).Server
}

type call struct {
	method, path, token, contentType, body string
	headers                                map[string]string
}

func (c call) do(t *testing.T, srv *httptest.Server) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestRequestsRefusedBeforeAnyWorkflow(t *testing.T) {
	srv := newTestServer(t)
	const js = "application/json"
	tests := []struct {
		name      string
		call      call
		status    int
		field     string
		detailHas string
	}{
		{"no token", call{method: "GET", path: "/api/v1/me"}, 401, "", "innlogging"},
		{"unknown user", call{method: "GET", path: "/api/v1/me", token: "dev:mallory"}, 401, "", "ugyldig"},
		{"not a dev token", call{method: "GET", path: "/api/v1/me", token: "eyJhbGciOi.x.y"}, 401, "", ""},
		{"not JSON", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "text/plain", body: "hei"}, 415, "", "JSON"},
		{"too large", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`}, 413, "", "1 MiB"},
		{"unknown field", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x","description":"y","colour":"red"}`}, 400, "colour", ""},
		{"wrong type", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":42,"description":"y"}`}, 400, "title", ""},
		{"broken JSON", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":`}, 400, "", ""},
		{"trailing data", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x","description":"y"} {}`}, 400, "", ""},
		{"bad kind", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"complaint","title":"x","description":"y"}`}, 400, "kind", ""},
		{"missing description", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x"}`}, 400, "description", ""},
		{"title too long", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"` + strings.Repeat("å", 201) + `","description":"y"}`}, 400, "title", ""},
		{"bad channel", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x","description":"y","channel":"fax"}`}, 400, "channel", ""},
		{"employee on behalf of", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x","description":"y","onBehalfOf":"eva"}`}, 403, "", ""},
		{"on behalf of unknown user", call{method: "POST", path: "/api/v1/cases", token: "dev:per", contentType: js, body: `{"kind":"incident","title":"x","description":"y","onBehalfOf":"mallory"}`}, 400, "onBehalfOf", ""},
		{"English on request", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js, body: `{"kind":"incident","title":"x"}`, headers: map[string]string{"Accept-Language": "en-GB"}}, 400, "description", "required"},
		{"unknown case reference", call{method: "GET", path: "/api/v1/cases/BH-2026-000042", token: "dev:per"}, 404, "", ""},
		{"unknown case id", call{method: "GET", path: "/api/v1/cases/7d3c5a0e-8f1b-4c2d-9e3f-1a2b3c4d5e6f", token: "dev:per"}, 404, "", ""},
		{"garbage reference", call{method: "GET", path: "/api/v1/cases/DROP%20TABLE", token: "dev:per"}, 404, "", ""},
		{"unknown step", call{method: "POST", path: "/api/v1/cases/BH-2026-000001/explode", token: "dev:per"}, 404, "", ""},
		{"unknown endpoint", call{method: "GET", path: "/api/v1/nothing", token: "dev:per"}, 404, "", ""},
		{"step with a field of another step", call{method: "POST", path: "/api/v1/cases/BH-2026-000001/claim", token: "dev:per", contentType: js, body: `{"resolution":"x"}`}, 400, "resolution", ""},
		{"audit verify as employee", call{method: "GET", path: "/api/v1/audit/verify", token: "dev:ola"}, 403, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.call.do(t, srv)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type = %q, want application/problem+json", ct)
			}
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if p.Status != tt.status || p.Title == "" || p.Type == "" {
				t.Errorf("problem = %+v", p)
			}
			if p.Field != tt.field {
				t.Errorf("field = %q, want %q", p.Field, tt.field)
			}
			if !strings.Contains(p.Detail, tt.detailHas) {
				t.Errorf("detail = %q, want it to mention %q", p.Detail, tt.detailHas)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("security headers missing")
			}
		})
	}
}

func TestMe(t *testing.T) {
	srv := newTestServer(t)
	resp, body := call{method: "GET", path: "/api/v1/me", token: "dev:kari"}.do(t, srv)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var me map[string]any
	if err := json.Unmarshal(body, &me); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"username": "kari", "displayName": "Kari Olsen", "email": "kari@fylke.example",
		"roles": []any{"employee", "manager", "budget-holder"}, "unit": "opplaering", "groups": []any{},
	}
	got, _ := json.Marshal(me)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("me = %s, want %s", got, exp)
	}
}

// TestOpenAPIDocumentsEveryRoute keeps the published contract in step with
// the routes the server really has.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	srv := newTestServer(t)
	resp, body := call{method: "GET", path: "/api/v1/openapi.json"}.do(t, srv)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	s := &Server{}
	for _, rt := range s.table() {
		if _, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s is served but not in openapi.json", rt.method, rt.path)
		}
	}
}

// TestAPIDocumentsEveryRoute keeps docs/API.md, the contract in the
// repository's own words, in step with the routes the server has: each is
// named there as "METHOD /path".
func TestAPIDocumentsEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	for _, rt := range s.table() {
		if !strings.Contains(string(doc), "`"+rt.method+" "+rt.path) {
			t.Errorf("%s %s is served but not in docs/API.md", rt.method, rt.path)
		}
	}
}

func TestHealthNeedsNoToken(t *testing.T) {
	srv := newTestServer(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := (call{method: "GET", path: p}).do(t, srv); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
}
