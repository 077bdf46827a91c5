package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// demoUsers are the demo organisation's users (API.md section 2).
var demoUsers = []string{"ola", "eva", "kari", "jon", "per", "lise", "arne", "siri", "tor", "nina", "dina"}

func demoActor(t *testing.T, dir *directory.Directory, name, date string) helpdesk.Actor {
	t.Helper()
	u, ok := dir.User(name)
	if !ok {
		t.Fatalf("demo user %s missing", name)
	}
	return dir.ActorOn(u, date)
}

func TestEveryRouteNamesAnAction(t *testing.T) {
	s := &Server{}
	for _, rt := range s.table() {
		act, ok := routeActions[rt.method+" "+rt.path]
		if rt.public {
			if ok {
				t.Errorf("%s %s is public but has action %s", rt.method, rt.path, act)
			}
			continue
		}
		if !ok {
			t.Errorf("%s %s has no action", rt.method, rt.path)
			continue
		}
		if !slices.Contains(desk.Actions(), act) {
			t.Errorf("%s %s: action %s is not in the policy", rt.method, rt.path, act)
		}
	}
	for key, act := range routeActions {
		if !slices.Contains(desk.Actions(), act) {
			t.Errorf("%s: action %s is not in the policy", key, act)
		}
	}
	// A route nobody named an action for is refused to everyone.
	srv := newServerWith(t, nil)
	h := srv.api.guard("GET", "/api/v1/secret", func(w http.ResponseWriter, r *http.Request) { t.Error("served") })
	for _, name := range demoUsers {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/secret", nil)
		req.Header.Set("Authorization", "Bearer dev:"+name)
		h(rec, req)
		if rec.Code != 403 {
			t.Errorf("%s: %d, want 403", name, rec.Code)
		}
	}
	if !strings.Contains(srv.logs.String(), "/api/v1/secret") {
		t.Error("the unlisted route is not logged")
	}
}

// testServer builds the API as newTestServer does, with cfg edited first
// (by default without a rate limit, so tables of calls never meet it).
type testServer struct {
	*httptest.Server
	api   *Server
	store *sqlitestore.Store
	logs  *lockedWriter
}

// serverConfig is what a test server is built from: the desk's parts and
// the door's.
type serverConfig struct {
	// Workflows, when set, replaces the case engine on Temporal.
	Workflows     desk.Workflows
	Temporal      desk.TemporalClient
	Store         desk.Record
	Directory     *directory.Directory
	Lists         desk.Lists
	Notifications desk.Notifications
	Reports       desk.Reports
	Announcements desk.Announcements
	Attachments   *attachments.Store
	Auth          Authenticator
	Logger        *slog.Logger
	RateLimit     RateLimit
}

func newServerWith(t testing.TB, edit func(*serverConfig)) testServer {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	dir := directory.Demo()
	logs := &lockedWriter{}
	cfg := serverConfig{Temporal: tc, Store: store, Directory: dir, Auth: DevTokens{Directory: dir},
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), RateLimit: RateLimit{PerSecond: -1}}
	if edit != nil {
		edit(&cfg)
	}
	if cfg.Workflows == nil {
		cfg.Workflows = desk.Temporal(cfg.Temporal)
	}
	d, err := desk.New(desk.Config{Workflows: cfg.Workflows, Record: cfg.Store, Directory: cfg.Directory,
		Lists: cfg.Lists, Notifications: cfg.Notifications, Reports: cfg.Reports, Announcements: cfg.Announcements, Attachments: cfg.Attachments})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Desk: d, Auth: cfg.Auth, Logger: cfg.Logger, RateLimit: cfg.RateLimit})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return testServer{Server: srv, api: s, store: store, logs: logs}
}

// lockedWriter serialises log writes from handler goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// routeCall fills a route's path parameters with a case and a task that
// do not exist, so an allowed call ends before any workflow: 400 or 404.
func routeCall(method, path, user string) call {
	p := strings.NewReplacer("{ref}", "BH-2026-000999", "{id}", "7d3c5a0e-8f1b-4c2d-9e3f-000000000999.t1",
		"{username}", "ola", "{op}", "decode").Replace(path)
	c := call{method: method, path: p, token: "dev:" + user}
	if method == "POST" {
		c.contentType, c.body = "application/json", "{}"
	}
	return c
}

// TestPolicyIsEnforcedOnEveryRoute calls every authenticated route as
// every demo user: refused exactly where the table refuses, with a 403
// problem, before the handler reads anything.
func TestPolicyIsEnforcedOnEveryRoute(t *testing.T) {
	srv := newServerWith(t, nil)
	dir := directory.Demo()
	kinds := []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance, helpdesk.KindOrder, helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture}
	calls := 0
	for _, rt := range (&Server{}).table() {
		if rt.public {
			continue
		}
		for _, name := range demoUsers {
			actor := demoActor(t, dir, name, time.Now().In(helpdesk.Oslo).Format(time.DateOnly))
			variants := []struct {
				c   call
				act desk.Action
			}{{routeCall(rt.method, rt.path, name), routeActions[rt.method+" "+rt.path]}}
			if rt.method == "POST" && rt.path == "/api/v1/cases" {
				for _, k := range kinds {
					c := routeCall(rt.method, rt.path, name)
					c.body = `{"kind":"` + string(k) + `"}`
					variants = append(variants, struct {
						c   call
						act desk.Action
					}{c, desk.ActionCreate(k)})
				}
			}
			for _, v := range variants {
				calls++
				resp, body := v.c.do(t, srv.Server)
				refused := resp.StatusCode == 403 && strings.Contains(string(body), string(v.act))
				if want := !desk.Allowed(actor, v.act); refused != want {
					t.Errorf("%s %s %s as %s: %d %s; want refused=%v", rt.method, v.c.path, v.c.body, name, resp.StatusCode, body, want)
				}
				if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s %s as %s: %d with content type %q", rt.method, v.c.path, name, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
			}
		}
	}
	if calls < 200 {
		t.Errorf("only %d calls made", calls)
	}
}

// TestAuditorsAreReadOnly: every POST is 403 for Siri, whatever the body.
func TestAuditorsAreReadOnly(t *testing.T) {
	srv := newServerWith(t, nil)
	bodies := []string{"", "{}", `{"kind":"incident","title":"x","description":"y"}`, `{"body":"hei"}`, "not json", `{"kind":"new-user"}`}
	for _, rt := range (&Server{}).table() {
		if rt.method != "POST" {
			continue
		}
		for _, b := range bodies {
			c := routeCall(rt.method, rt.path, "siri")
			c.body = b
			if resp, body := c.do(t, srv.Server); resp.StatusCode != 403 {
				t.Errorf("siri POST %s %q: %d %s, want 403", c.path, b, resp.StatusCode, body)
			}
		}
	}
}

func TestCreateKindIsReadLikeTheHandlerReadsIt(t *testing.T) {
	srv := newServerWith(t, nil)
	tests := []struct {
		body   string
		status int
	}{
		{`{"kind":"new-user"}`, 403},
		{`{"KIND":"new-user"}`, 403},                   // encoding/json matches keys case-insensitively; so does the handler
		{`{"kind":"incident","kind":"new-user"}`, 403}, // the last one wins, in both
		{`{"kind":"new-user","kind":"incident"}`, 400}, // an incident without a title
		{`{"kind":"new-user"`, 400},                    // not JSON: refused by the handler
		{`{"kind":"complaint"}`, 400},
	}
	for _, tt := range tests {
		c := call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "application/json", body: tt.body}
		if resp, body := c.do(t, srv.Server); resp.StatusCode != tt.status {
			t.Errorf("ola creates %s: %d %s, want %d", tt.body, resp.StatusCode, body, tt.status)
		}
	}
}

// logEntry is one refusal as the JSON log handler writes it.
type logEntry struct {
	Level    string `json:"level"`
	Msg      string `json:"msg"`
	Status   int    `json:"status"`
	User     string `json:"user"`
	Action   string `json:"action"`
	Method   string `json:"method"`
	Resource string `json:"resource"`
	Reason   string `json:"reason"`
}

func refusals(t *testing.T, logs *lockedWriter) []logEntry {
	t.Helper()
	var out []logEntry
	for line := range strings.Lines(logs.String()) {
		var e logEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if e.Msg == "request refused" {
			out = append(out, e)
		}
	}
	return out
}

func TestRefusalsAreLogged(t *testing.T) {
	srv := newServerWith(t, func(c *serverConfig) { c.RateLimit = RateLimit{PerSecond: 0.001, Burst: 1} })
	caseID := appendCase(t, srv.store, 1, "ola")
	calls := []call{
		{method: "GET", path: "/api/v1/me"},                                             // 401: no token
		{method: "GET", path: "/api/v1/me", token: "dev:mallory"},                       // 401: unknown user
		{method: "POST", path: "/api/v1/cases/BH-2026-000001/claim", token: "dev:ola"},  // 403
		{method: "GET", path: "/api/v1/cases/" + caseID, token: "dev:eva"},              // 404: not hers
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/history", token: "dev:eva"}, // 429: her second call
		{method: "GET", path: "/api/v1/me", token: "dev:ola"},                           // 429: his second call
		{method: "GET", path: "/healthz"},                                               // answered: not logged
	}
	for _, c := range calls {
		c.do(t, srv.Server)
	}
	want := []logEntry{
		{Level: "WARN", Status: 401, User: "-", Action: "me.read", Method: "GET", Resource: "/api/v1/me"},
		{Level: "WARN", Status: 401, User: "-", Action: "me.read", Method: "GET", Resource: "/api/v1/me", Reason: `unauthenticated: user "mallory" is not in the directory`},
		{Level: "WARN", Status: 403, User: "ola", Action: "case.claim", Method: "POST", Resource: "/api/v1/cases/BH-2026-000001/claim"},
		{Level: "INFO", Status: 404, User: "eva", Action: "case.read", Method: "GET", Resource: "/api/v1/cases/" + caseID},
		{Level: "WARN", Status: 429, User: "eva", Action: "case.history", Method: "GET", Resource: "/api/v1/cases/BH-2026-000001/history"},
		{Level: "WARN", Status: 429, User: "ola", Action: "me.read", Method: "GET", Resource: "/api/v1/me"},
	}
	got := refusals(t, srv.logs)
	for i := range got {
		got[i].Msg = ""
	}
	if !slices.Equal(got, want) {
		t.Errorf("refusals logged:\n%+v\nwant\n%+v", got, want)
	}
	if strings.Contains(srv.logs.String(), "dev:") {
		t.Error("a token reached the log")
	}
}

// TestConflictsAreLogged: a 409 comes from the workflow, which these tests
// do not run; the log sees only the status, so any handler's 409 shows it.
func TestConflictsAreLogged(t *testing.T) {
	srv := newServerWith(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/cases/{ref}/claim", func(w http.ResponseWriter, r *http.Request) {
		noteUser(r, "per")
		noteAction(r, desk.ActionClaim)
		writeProblem(w, problem(r, http.StatusConflict, "", "saken er allerede tatt av lise", "the case is already held by lise"))
	})
	srv.api.mux = mux
	call{method: "POST", path: "/api/v1/cases/BH-2026-000001/claim"}.do(t, srv.Server)
	want := []logEntry{{Level: "INFO", Msg: "request refused", Status: 409, User: "per", Action: "case.claim", Method: "POST", Resource: "/api/v1/cases/BH-2026-000001/claim"}}
	if got := refusals(t, srv.logs); !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if !strings.Contains(srv.logs.String(), "already held by lise") && !strings.Contains(srv.logs.String(), "allerede tatt av lise") {
		t.Errorf("the refusal's detail is not logged: %s", srv.logs)
	}
}

func TestRateLimitPerUser(t *testing.T) {
	srv := newServerWith(t, func(c *serverConfig) { c.RateLimit = RateLimit{PerSecond: 0.01, Burst: 2} })
	me := func(user string) *http.Response {
		resp, _ := call{method: "GET", path: "/api/v1/me", token: "dev:" + user}.do(t, srv.Server)
		return resp
	}
	for i := range 2 {
		if resp := me("ola"); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := call{method: "GET", path: "/api/v1/me", token: "dev:ola", headers: map[string]string{"Accept-Language": "en"}}.do(t, srv.Server)
	var p Problem
	_ = json.Unmarshal(body, &p)
	if resp.StatusCode != 429 || p.Status != 429 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("third call: %d %s, want a 429 problem", resp.StatusCode, body)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 90 || secs > 100 {
		t.Errorf("Retry-After = %q, want about 100 (one request per 100 s)", resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(p.Detail, "try again") {
		t.Errorf("detail = %q", p.Detail)
	}
	if resp := me("eva"); resp.StatusCode != 200 {
		t.Errorf("eva has her own budget: %d", resp.StatusCode)
	}
	if resp, _ := (call{method: "GET", path: "/healthz"}).do(t, srv.Server); resp.StatusCode != 200 {
		t.Errorf("/healthz is not limited: %d", resp.StatusCode)
	}
}

func TestLimiterRefills(t *testing.T) {
	l := newLimiter(RateLimit{PerSecond: 2, Burst: 1})
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	if ok, _ := l.allow("ola"); !ok {
		t.Fatal("first call refused")
	}
	if ok, wait := l.allow("ola"); ok || wait != 500*time.Millisecond {
		t.Fatalf("second call at once: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("ola"); !ok {
		t.Fatal("refused after the refill")
	}
	if newLimiter(RateLimit{PerSecond: -1}) != nil {
		t.Error("a negative rate does not turn the limit off")
	}
	if d := newLimiter(RateLimit{}); d.every != 20 || d.burst != 40 {
		t.Errorf("default = %v/%d, want 20/40", d.every, d.burst)
	}
}

func TestEveryErrorIsAProblem(t *testing.T) {
	srv := newServerWith(t, nil)
	tests := []struct {
		c      call
		status int
		allow  string
	}{
		{call{method: "DELETE", path: "/api/v1/me", token: "dev:ola"}, 405, "GET, HEAD"},
		{call{method: "PUT", path: "/api/v1/cases", token: "dev:ola"}, 405, "GET, HEAD, POST"},
		{call{method: "GET", path: "/api/v1/cases/BH-2026-000001/claim", token: "dev:per"}, 405, "POST"},
		{call{method: "PATCH", path: "/api/v1/tasks/x.t1/complete", token: "dev:per"}, 405, "POST"},
		{call{method: "POST", path: "/healthz"}, 405, "GET, HEAD"},
		{call{method: "DELETE", path: "/api/v1/me"}, 401, ""}, // who asks comes first under /api/
		{call{method: "GET", path: "/nothing"}, 404, ""},
		{call{method: "GET", path: "/api/v1/cases/a/b/c", token: "dev:per"}, 404, ""},
		{call{method: "GET", path: "/api/v2/cases", token: "dev:per"}, 404, ""},
	}
	for _, tt := range tests {
		resp, body := tt.c.do(t, srv.Server)
		var p Problem
		if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != tt.status || p.Status != tt.status ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %q %s, want a %d problem", tt.c.method, tt.c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status)
		}
		if got := resp.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.c.method, tt.c.path, got, tt.allow)
		}
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	srv := newServerWith(t, nil)
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	}
	for _, c := range []call{
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/api/v1/openapi.json"},
		{method: "GET", path: "/api/v1/me", token: "dev:ola"},
		{method: "GET", path: "/api/v1/me"},
		{method: "DELETE", path: "/api/v1/me", token: "dev:ola"},
		{method: "GET", path: "/nothing"},
	} {
		resp, _ := c.do(t, srv.Server)
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, k, got, v)
			}
		}
		if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "" {
			t.Errorf("%s %s: HSTS %q over plain HTTP", c.method, c.path, hsts)
		}
	}
	tlsSrv := httptest.NewTLSServer(srv.api)
	defer tlsSrv.Close()
	resp, err := tlsSrv.Client().Get(tlsSrv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
}

// panicLister fails the way a bug does.
type panicLister struct{ desk.Lists }

func (panicLister) ListCases(context.Context, readmodel.Filter) (readmodel.Page, error) {
	panic("secret: postgres://admin:hunter2@db/readmodel")
}

func TestPanicIsA500WithoutInternals(t *testing.T) {
	srv := newServerWith(t, func(c *serverConfig) { c.Lists = panicLister{} })
	resp, body := call{method: "GET", path: "/api/v1/cases", token: "dev:per"}.do(t, srv.Server)
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != 500 || p.Status != 500 ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %q %s, want a 500 problem", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if strings.Contains(string(body), "hunter2") || strings.Contains(string(body), "postgres") || strings.Contains(string(body), "goroutine") {
		t.Errorf("the answer shows internals: %s", body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
	if !strings.Contains(srv.logs.String(), "panic in handler") {
		t.Errorf("the panic is not logged: %s", srv.logs)
	}
	// The server goes on serving.
	if resp, _ := (call{method: "GET", path: "/api/v1/me", token: "dev:per"}).do(t, srv.Server); resp.StatusCode != 200 {
		t.Errorf("after the panic: %d", resp.StatusCode)
	}
}

// TestOpenAPIDocumentsThePolicy keeps the published document in step with
// the policy: each authenticated operation names its action and documents
// the 429 of the rate limit.
func TestOpenAPIDocumentsThePolicy(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Action    string                     `json:"x-action"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components struct {
			Responses map[string]struct {
				Headers map[string]json.RawMessage `json:"headers"`
			} `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range (&Server{}).table() {
		if rt.public {
			continue
		}
		op := doc.Paths[rt.path][strings.ToLower(rt.method)]
		if want := string(routeActions[rt.method+" "+rt.path]); op.Action != want {
			t.Errorf("%s %s: x-action %q, want %q", rt.method, rt.path, op.Action, want)
		}
		if _, ok := op.Responses["429"]; !ok {
			t.Errorf("%s %s: no 429", rt.method, rt.path)
		}
	}
	if _, ok := doc.Components.Responses["TooManyRequests"].Headers["Retry-After"]; !ok {
		t.Error("the 429 response does not document Retry-After")
	}
}
