// Package e2e drives the real `brukerhjelp dev` binary over HTTP: the whole
// embedded stack, including kill -9 and a restart on the same data dir.
package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	_ "modernc.org/sqlite" // to tamper with events.db as an intruder would
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "brukerhjelp-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "brukerhjelp")
	build := exec.Command("go", "build", "-o", binary, "./cmd/brukerhjelp")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build brukerhjelp:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// stack is one running `brukerhjelp dev` process.
type stack struct {
	t            *testing.T
	cmd          *exec.Cmd
	base         string
	temporalAddr string
	dataDir      string
	mu           sync.Mutex
	out          bytes.Buffer
}

func (s *stack) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func (s *stack) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type ports struct{ http, temporal int }

// startDev runs `brukerhjelp dev` on dataDir; extra flags come last (so
// they override the defaults here, e.g. --smtp-addr).
func startDev(t *testing.T, dataDir string, p ports, extra ...string) *stack {
	t.Helper()
	s := &stack{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", p.http), temporalAddr: fmt.Sprintf("127.0.0.1:%d", p.temporal), dataDir: dataDir}
	s.cmd = exec.Command(binary, "dev",
		"--data-dir", dataDir,
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", p.http),
		"--temporal-port", fmt.Sprint(p.temporal),
		"--temporal-ui-port", "0",
		"--smtp-addr", "off")
	s.cmd.Args = append(s.cmd.Args, extra...)
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("brukerhjelp dev output:\n%s", s.output())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if s.cmd.ProcessState != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("brukerhjelp dev did not become ready; output:\n%s", s.output())
	return nil
}

// kill stops the process the hard way, like a power cut: SIGKILL.
func (s *stack) kill() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		_ = s.cmd.Wait()
	}
}

// stop asks the process to stop (SIGTERM) and waits for a clean exit.
func (s *stack) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		s.kill()
		return fmt.Errorf("did not stop within 30s after SIGTERM")
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do makes one API request as user. Like a well-behaved script it waits
// out the per-user rate limit: a request refused with 429 (nothing done)
// is sent again after its Retry-After. The tests drive one user faster
// than a person can, and the desk now answers fast enough for that to
// exceed 20 requests a second.
func (s *stack) do(t *testing.T, method, path, user string, body any, headers ...string) response {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		r := s.send(t, method, path, user, body != nil, raw, headers)
		if r.status != http.StatusTooManyRequests {
			return r
		}
		wait, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
	t.Fatalf("%s %s as %q: rate limited for 20 tries", method, path, user)
	return response{}
}

func (s *stack) send(t *testing.T, method, path, user string, hasBody bool, body []byte, headers []string) response {
	t.Helper()
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer dev:"+user)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (s *stack) expect(t *testing.T, want int, method, path, user string, body any, headers ...string) response {
	t.Helper()
	r := s.do(t, method, path, user, body, headers...)
	if r.status != want {
		t.Fatalf("%s %s as %q: got %d %s, want %d", method, path, user, r.status, r.body, want)
	}
	return r
}

type caseJSON struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Title     string    `json:"title"`
	Priority  string    `json:"priority"`
	Reporter  string    `json:"reporter"`
	Assignee  string    `json:"assignee"`
	Group     string    `json:"group"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Revision  int       `json:"revision"`
	SLA       *struct {
		ResponseDue   *time.Time `json:"responseDue"`
		ResolutionDue *time.Time `json:"resolutionDue"`
		Paused        bool       `json:"paused"`
	} `json:"sla"`
}

type eventJSON struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Revision   int             `json:"revision"`
	OccurredAt time.Time       `json:"occurredAt"`
	Actor      string          `json:"actor"`
	Data       json.RawMessage `json:"data"`
	Hash       string          `json:"hash"`
	PrevHash   string          `json:"prevHash"`
}

type problemJSON struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

func TestIncidentEndToEndSurvivesKill9(t *testing.T) {
	dataDir := t.TempDir()
	p := ports{http: freePort(t), temporal: freePort(t)}
	s := startDev(t, dataDir, p)

	// The banner follows readiness by a moment.
	banner := "curl -s -H 'Authorization: Bearer dev:ola' " + s.base + "/api/v1/me"
	for i := 0; i < 50 && !strings.Contains(s.output(), banner); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if out := s.output(); !strings.Contains(out, banner) {
		t.Errorf("ready output lacks the curl line for ola:\n%s", out)
	}
	var me struct {
		Username string   `json:"username"`
		Email    string   `json:"email"`
		Roles    []string `json:"roles"`
		Unit     string   `json:"unit"`
		Groups   []string `json:"groups"`
	}
	s.expect(t, 200, "GET", "/api/v1/me", "per", nil).decode(t, &me)
	if me.Username != "per" || me.Email != "per@fylke.example" || !strings.Contains(strings.Join(me.Roles, ","), "caseworker") || strings.Join(me.Groups, ",") != "brukerhjelp" {
		t.Errorf("me = %+v", me)
	}
	s.expect(t, 401, "GET", "/api/v1/me", "", nil)

	report := map[string]any{"kind": "incident", "title": "Får ikke logget inn", "description": "Passordet mitt virker ikke etter bytte.", "priority": "high"}
	var created caseJSON
	r := s.expect(t, 201, "POST", "/api/v1/cases", "ola", report, "Idempotency-Key", "k-1")
	r.decode(t, &created)
	year := time.Now().In(mustOslo(t)).Year()
	if created.Reference != fmt.Sprintf("BH-%d-000001", year) || created.Status != "new" || created.Reporter != "ola" ||
		created.Kind != "incident" || created.Priority != "high" || created.Group != "brukerhjelp" || created.Revision != 1 ||
		created.SLA == nil || created.SLA.ResponseDue == nil || created.SLA.ResolutionDue == nil {
		t.Errorf("created = %+v", created)
	}
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", r.header.Get("Content-Type"))
	}
	var again caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "ola", report, "Idempotency-Key", "k-1").decode(t, &again)
	if again.ID != created.ID {
		t.Errorf("same Idempotency-Key made a second case: %s vs %s", again.ID, created.ID)
	}
	s.expect(t, 409, "POST", "/api/v1/cases", "ola", map[string]any{"kind": "incident", "title": "annet", "description": "annet"}, "Idempotency-Key", "k-1")

	// Bad input: named field, problem+json, nothing created.
	var prob problemJSON
	r = s.expect(t, 400, "POST", "/api/v1/cases", "ola", `{"kind":"incident","title":"x","description":"y","colour":"red"}`)
	r.decode(t, &prob)
	if prob.Field != "colour" || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown field problem = %+v (%s)", prob, r.header.Get("Content-Type"))
	}
	s.expect(t, 400, "POST", "/api/v1/cases", "ola", `{"kind":"incident","title":"x","description":"y","priority":"urgent"}`).decode(t, &prob)
	if prob.Field != "priority" {
		t.Errorf("bad enum problem = %+v", prob)
	}
	s.expect(t, 400, "POST", "/api/v1/cases", "ola", `{"kind":"incident","description":"y"}`).decode(t, &prob)
	if prob.Field != "title" {
		t.Errorf("missing title problem = %+v", prob)
	}

	// Other people's cases are invisible; caseworkers see everything.
	s.expect(t, 404, "GET", "/api/v1/cases/"+created.Reference, "eva", nil)
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.ID, "lise", nil)

	var claimed caseJSON
	s.expect(t, 200, "POST", "/api/v1/cases/"+created.Reference+"/claim", "per", nil).decode(t, &claimed)
	if claimed.Assignee != "per" || claimed.Status != "in-progress" || claimed.Revision != 3 {
		t.Errorf("claimed = %+v", claimed)
	}
	s.expect(t, 409, "POST", "/api/v1/cases/"+created.Reference+"/claim", "lise", nil)
	s.expect(t, 403, "POST", "/api/v1/cases/"+created.Reference+"/resolve", "lise", map[string]string{"resolution": "?"})
	s.expect(t, 409, "POST", "/api/v1/cases/"+created.Reference+"/confirm", "ola", nil)

	// Power cut: the workflow is waiting for a human step.
	s.kill()
	s = startDev(t, dataDir, p)

	var got caseJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.Reference, "ola", nil).decode(t, &got)
	if got.Assignee != "per" || got.Status != "in-progress" {
		t.Errorf("after restart = %+v", got)
	}
	// A question to the reporter pauses the SLA; the answer resumes it.
	var waiting caseJSON
	s.expect(t, 200, "POST", "/api/v1/cases/"+created.Reference+"/request-info", "per", map[string]string{"question": "Hvilken PC gjelder det?"}).decode(t, &waiting)
	if waiting.Status != "waiting-for-user" || waiting.SLA == nil || !waiting.SLA.Paused {
		t.Errorf("after request-info = %+v", waiting)
	}
	s.expect(t, 404, "POST", "/api/v1/cases/"+created.Reference+"/reply", "eva", map[string]string{"body": "?"})
	s.expect(t, 403, "POST", "/api/v1/cases/"+created.Reference+"/reply", "lise", map[string]string{"body": "?"})
	s.expect(t, 200, "POST", "/api/v1/cases/"+created.Reference+"/reply", "ola", map[string]string{"body": "Den bærbare."})
	var sla struct {
		Priority   string                   `json:"priority"`
		UsedHours  float64                  `json:"usedHours"`
		Paused     bool                     `json:"paused"`
		Intervals  []struct{ State string } `json:"intervals"`
		Milestones []struct{ Type string }  `json:"milestones"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.Reference+"/sla", "ola", nil).decode(t, &sla)
	var states []string
	for _, iv := range sla.Intervals {
		if len(states) == 0 || states[len(states)-1] != iv.State {
			states = append(states, iv.State)
		}
	}
	if sla.Priority != "high" || sla.Paused || !slices.Contains(states, "paused") || len(sla.Milestones) == 0 || sla.Milestones[0].Type != "responded" {
		t.Errorf("sla explanation = %+v (states %v)", sla, states)
	}

	var resolved, closed caseJSON
	s.expect(t, 200, "POST", "/api/v1/cases/"+created.Reference+"/resolve", "per", map[string]string{"resolution": "Tilbakestilte passordet."}).decode(t, &resolved)
	if resolved.Status != "resolved" {
		t.Errorf("resolved = %+v", resolved)
	}
	s.expect(t, 200, "POST", "/api/v1/cases/"+created.Reference+"/confirm", "ola", nil).decode(t, &closed)
	if closed.Status != "closed" || closed.Revision != 10 {
		t.Errorf("closed = %+v", closed)
	}
	s.expect(t, 409, "POST", "/api/v1/cases/"+created.Reference+"/claim", "lise", nil)

	var history []eventJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.Reference+"/history", "ola", nil).decode(t, &history)
	var types []string
	ids := map[string]bool{}
	for i, e := range history {
		types = append(types, e.Type)
		if ids[e.ID] {
			t.Errorf("event %s recorded twice", e.ID)
		}
		ids[e.ID] = true
		if e.Revision != i || e.Hash == "" {
			t.Errorf("event %d: revision %d hash %q", i, e.Revision, e.Hash)
		}
		if i > 0 && e.PrevHash != history[i-1].Hash {
			t.Errorf("event %d: prevHash %q does not chain to %q", i, e.PrevHash, history[i-1].Hash)
		}
	}
	want := "CaseOpened,SLAStarted,CaseClaimed,SLAResponded,InfoRequested,SLAPaused,UserReplied,SLAResumed,CaseResolved,SLAStopped,CaseClosed"
	if got := strings.Join(types, ","); got != want {
		t.Errorf("history types = %s, want %s", got, want)
	}
	if history[2].Actor != "per" {
		t.Errorf("claim actor = %q, want per", history[2].Actor)
	}
	// The auditor's replay: the case as it was just after it was claimed,
	// and the whole record as JSON Lines.
	var then struct {
		Case caseJSON `json:"case"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.Reference+"/state?asOf="+history[3].OccurredAt.Format(time.RFC3339Nano), "siri", nil).decode(t, &then)
	if then.Case.Status != "in-progress" || then.Case.Assignee != "per" || then.Case.Revision != 3 {
		t.Errorf("state as of the claim = %+v", then.Case)
	}
	s.expect(t, 400, "GET", "/api/v1/cases/"+created.Reference+"/state?asOf=yesterday", "siri", nil)
	s.expect(t, 404, "GET", "/api/v1/cases/"+created.Reference+"/state?asOf=2001-01-01T00:00:00Z", "siri", nil)
	s.expect(t, 403, "GET", "/api/v1/audit/export", "ola", nil)
	export := s.expect(t, 200, "GET", "/api/v1/audit/export?from="+history[0].OccurredAt.Add(-time.Minute).Format(time.RFC3339), "siri", nil)
	lines := strings.Split(strings.TrimSpace(string(export.body)), "\n")
	ofCase := 0
	for _, l := range lines {
		var e struct{ Stream, Hash string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		if e.Stream == "case-"+created.ID && e.Hash != "" {
			ofCase++
		}
	}
	if ofCase != len(history) {
		t.Errorf("export holds %d events of the case, want %d", ofCase, len(history))
	}

	var verify struct {
		OK     bool `json:"ok"`
		Events int  `json:"events"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.Reference+"/verify", "siri", nil).decode(t, &verify)
	if !verify.OK || verify.Events != len(history) {
		t.Errorf("verify = %+v, want ok with %d events", verify, len(history))
	}
	s.expect(t, 403, "GET", "/api/v1/audit/verify", "ola", nil)
	s.expect(t, 200, "GET", "/api/v1/audit/verify", "siri", nil).decode(t, &verify)
	if !verify.OK {
		t.Errorf("audit verify = %+v", verify)
	}
	// The offline audit tools on the data dir the running dev writes.
	if out, code := auditCLI(t, "verify", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("brukerhjelp audit verify next to dev: exit %d %s", code, out)
	}
	if out, code := auditCLI(t, "replay", created.Reference, "--data-dir", dataDir,
		"--as-of", history[3].OccurredAt.Format(time.RFC3339Nano)); code != 0 || !strings.Contains(out, `"reference": "`+created.Reference+`"`) {
		t.Errorf("brukerhjelp audit replay next to dev: exit %d %s", code, out)
	}
	// The reads above are on the record, the reporter's as well as Siri's.
	var reads struct {
		Reads []struct{ Actor, What string }
	}
	s.expect(t, 200, "GET", "/api/v1/audit/reads", "siri", nil).decode(t, &reads)
	seen := fmt.Sprint(reads.Reads)
	for _, want := range []string{"{ola sla}", "{ola history}", "{siri state}", "{siri audit-export}", "{siri verify}", "{siri audit-verify}"} {
		if !strings.Contains(seen, want) {
			t.Errorf("audit reads %s lack %s", seen, want)
		}
	}
	s.expect(t, 200, "GET", "/api/v1/reports/kpi", "nina", nil)

	guidanceID := stepRefusals(t, s)
	orderID := orderFlow(t, s)
	esaID := userManagement(t, s)
	if dir := os.Getenv("BRUKERHJELP_RECORD_HISTORY"); dir != "" {
		recordHistory(t, s, "case-"+created.ID, filepath.Join(dir, "incident_history.json"))
		recordHistory(t, s, "case-"+orderID, filepath.Join(dir, "order_history.json"))
		recordHistory(t, s, "case-"+esaID, filepath.Join(dir, "esa_access_history.json"))
		recordHistory(t, s, "case-"+guidanceID, filepath.Join(dir, "guidance_history.json"))
	}
	if err := s.stop(); err != nil {
		t.Errorf("SIGTERM: %v\n%s", err, s.output())
	}

	// Someone edits the record by hand while the help desk is down: the
	// resolution of the first case is rewritten. It is stored encrypted
	// (docs/PRIVACY.md), so what they can change is its ciphertext.
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`UPDATE events SET data = replace(data, '"resolution":"', '"resolution":"Ingenting galt.') WHERE stream = ? AND type = 'CaseResolved'`, "case-"+created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampering touched %d rows, want 1", n)
	}
	db.Close()
	s = startDev(t, dataDir, p)
	var bad struct {
		OK               bool `json:"ok"`
		FirstBadRevision *int `json:"firstBadRevision"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+created.Reference+"/verify", "siri", nil).decode(t, &bad)
	if bad.OK || bad.FirstBadRevision == nil || history[*bad.FirstBadRevision].Type != "CaseResolved" {
		t.Errorf("verify after tampering = %+v, want not ok at the CaseResolved event", bad)
	}
	s.expect(t, 200, "GET", "/api/v1/audit/verify", "siri", nil).decode(t, &bad)
	if bad.OK {
		t.Error("audit verify says ok after tampering")
	}
	if out, code := auditCLI(t, "verify", "--data-dir", dataDir); code != 1 || !strings.Contains(out, "case-"+created.ID) {
		t.Errorf("brukerhjelp audit verify after tampering: exit %d %s", code, out)
	}
}

// auditCLI runs `brukerhjelp audit <args>` and returns its output and exit code.
func auditCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, append([]string{"audit"}, args...)...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("brukerhjelp audit %v: %v", args, err)
	}
	return string(out), 0
}

// recordHistory saves a workflow's history as JSON for the replay test.
// recordHistory writes a workflow's history as the replay tests read it,
// with its payloads decoded by the data dir's codec: the replay tests hold
// no key (an encrypted history of their own proves the codec's side,
// e2e/privacy_test.go).
func recordHistory(t *testing.T, s *stack, workflowID, path string) {
	h := fetchHistory(t, s, workflowID)
	if err := proxy.VisitPayloads(context.Background(), h, proxy.VisitPayloadsOptions{
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return devCodec(t, s.dataDir).Decode(ps)
		}}); err != nil {
		t.Fatal(err)
	}
	writeHistory(t, h, path)
}

// fetchHistory reads a workflow's history as Temporal holds it.
func fetchHistory(t *testing.T, s *stack, workflowID string) *historypb.History {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	it := c.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	var h historypb.History
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	return &h
}

func writeHistory(t *testing.T, h *historypb.History, path string) {
	t.Helper()
	out, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d history events to %s", len(h.Events), path)
}

func mustOslo(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

type taskJSON struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	Approver   string `json:"approver"`
	Outcome    string `json:"outcome"`
	DecidedBy  string `json:"decidedBy"`
	OnBehalfOf string `json:"onBehalfOf"`
}

type orderCaseJSON struct {
	caseJSON
	Tasks []taskJSON `json:"tasks"`
	Order struct {
		TotalNOK       int64 `json:"totalNOK"`
		NonStandardNOK int64 `json:"nonStandardNOK"`
	} `json:"order"`
}

// orderFlow runs a non-standard order through review, cost acceptance and
// fulfilment over the API, and returns the case ID.
func orderFlow(t *testing.T, s *stack) string {
	t.Helper()
	var prob problemJSON
	s.expect(t, 400, "POST", "/api/v1/cases", "eva", `{"kind":"order","title":"Utstyr","costCenter":"samferdsel","items":[{"catalogItem":"headset","quantity":-1}]}`).decode(t, &prob)
	if prob.Field != "items[0].quantity" {
		t.Errorf("negative quantity problem = %+v", prob)
	}
	var c orderCaseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "eva", map[string]any{
		"kind": "order", "title": "Programvare for trafikkanalyse", "costCenter": "samferdsel",
		"items": []map[string]any{{"description": "Trafikkanalyse Pro, lisens", "estimatedCostNOK": 4500, "quantity": 2}, {"catalogItem": "headset", "quantity": 1}},
	}).decode(t, &c)
	if c.Kind != "order" || c.Status != "awaiting-approval" || len(c.Tasks) != 1 || c.Tasks[0].Type != "it-review" || c.Order.NonStandardNOK != 9000 || c.Order.TotalNOK != 9900 {
		t.Fatalf("new order = %+v", c)
	}
	complete := func(user string, task int, outcome string, want int) orderCaseJSON {
		t.Helper()
		var out orderCaseJSON
		r := s.expect(t, want, "POST", "/api/v1/tasks/"+c.Tasks[0].ID[:len(c.Tasks[0].ID)-1]+fmt.Sprint(task)+"/complete", user, map[string]string{"outcome": outcome})
		if want == 200 {
			r.decode(t, &out)
		}
		return out
	}
	complete("per", 1, "approved", 403) // first line, not tjeneste
	complete("lise", 1, "maybe", 400)
	c = complete("lise", 1, "approved", 200)
	if len(c.Tasks) != 2 || c.Tasks[1].Approver != "jon" || c.Status != "awaiting-approval" {
		t.Fatalf("after review = %+v", c)
	}
	complete("kari", 2, "approved", 404) // not her unit's case: she cannot even see it
	complete("eva", 2, "approved", 403)  // her own order
	c = complete("jon", 2, "approved", 200)
	complete("jon", 2, "approved", 409)
	if c.Status != "in-progress" || len(c.Tasks) != 3 || c.Tasks[2].Type != "order" {
		t.Fatalf("after cost acceptance = %+v", c)
	}
	c = complete("per", 3, "done", 200)
	c = complete("lise", 4, "done", 200)
	if c.Status != "resolved" {
		t.Errorf("after delivery = %+v", c)
	}
	var closed caseJSON
	s.expect(t, 200, "POST", "/api/v1/cases/"+c.Reference+"/confirm", "eva", nil).decode(t, &closed)
	if closed.Status != "closed" {
		t.Errorf("confirmed order = %+v", closed)
	}
	return c.ID
}

// stepRefusals walks one case through every step over HTTP, trying each
// step first as someone who may not (403), in a state that does not allow
// it (409) and with bad input (400), and checks a refusal changes nothing.
// stepRefusals returns the ID of the guidance case it steps.
func stepRefusals(t *testing.T, s *stack) string {
	t.Helper()
	var c caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "eva", map[string]any{"kind": "guidance", "title": "Hvordan deler jeg skjermen i Teams?", "description": "Finner ikke knappen."}).decode(t, &c)
	ref := "/api/v1/cases/" + c.Reference + "/"
	steps := []struct {
		user, step string
		body       any
		want       int
	}{
		{"eva", "claim", nil, 403},
		{"per", "resolve", map[string]string{"resolution": "x"}, 409},
		{"eva", "confirm", nil, 409},
		{"eva", "reopen", map[string]string{"reason": "x"}, 409},
		{"eva", "reply", map[string]string{"body": "x"}, 409},
		{"per", "request-info", map[string]string{"question": "x"}, 409},
		{"eva", "comment", map[string]any{"body": "intern?", "internal": true}, 403},
		{"eva", "comment", map[string]any{"body": ""}, 400},
		{"eva", "assign", map[string]string{"assignee": "lise"}, 403},
		{"per", "assign", map[string]string{"assignee": "ola"}, 400}, // not a caseworker
		{"per", "assign", map[string]string{"group": "kantine"}, 400},
		{"per", "assign", map[string]string{"group": "tjeneste"}, 200},
		{"lise", "claim", nil, 200},
		{"per", "claim", nil, 409},
		{"per", "resolve", map[string]string{"resolution": "x"}, 403},
		{"per", "request-info", map[string]string{"question": "x"}, 403},
		{"lise", "request-info", map[string]string{"question": "Hvilken versjon av Teams?"}, 200},
		{"lise", "request-info", map[string]string{"question": "igjen"}, 409},
		{"lise", "reply", map[string]string{"body": "x"}, 403},
		{"eva", "reply", map[string]any{"body": 42}, 400},
		{"eva", "reply", map[string]string{"body": "Den nyeste."}, 200},
		{"lise", "comment", map[string]any{"body": "Kjent feil, se KB-12", "internal": true}, 200},
		{"eva", "cancel", map[string]string{}, 400},
		{"lise", "cancel", map[string]string{"reason": "x"}, 403},
		{"lise", "resolve", map[string]string{"resolution": "Bruk Del-knappen øverst."}, 200},
		{"eva", "cancel", map[string]string{"reason": "x"}, 409},
		{"lise", "reopen", map[string]string{"reason": "x"}, 403},
		{"eva", "reopen", map[string]string{"reason": "Knappen er grå."}, 200},
		{"lise", "resolve", map[string]string{"resolution": "Oppdaterte Teams."}, 200},
		{"lise", "confirm", nil, 403},
		{"eva", "confirm", nil, 200},
		{"eva", "comment", map[string]any{"body": "takk"}, 409},
	}
	last := c.Revision
	for _, st := range steps {
		r := s.do(t, "POST", ref+st.step, st.user, st.body)
		if r.status != st.want {
			t.Errorf("%s %s %v: got %d %s, want %d", st.user, st.step, st.body, r.status, r.body, st.want)
			continue
		}
		if st.want != 200 {
			var p problemJSON
			r.decode(t, &p)
			if p.Status != st.want || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s: problem %+v", st.user, st.step, p)
			}
		}
		var now caseJSON
		s.expect(t, 200, "GET", "/api/v1/cases/"+c.Reference, "lise", nil).decode(t, &now)
		if st.want != 200 && now.Revision != last {
			t.Errorf("refused %s %s changed the case: revision %d, was %d", st.user, st.step, now.Revision, last)
		}
		last = now.Revision
	}
	// The reporter never sees the internal comment, in the case or its history.
	var seen struct {
		Comments []struct{ Body string } `json:"comments"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+c.Reference, "eva", nil).decode(t, &seen)
	var history []eventJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+c.Reference+"/history", "eva", nil).decode(t, &history)
	for _, cm := range seen.Comments {
		if strings.Contains(cm.Body, "KB-12") {
			t.Error("the reporter sees an internal comment in the case")
		}
	}
	for _, e := range history {
		if strings.Contains(string(e.Data), "KB-12") {
			t.Error("the reporter sees an internal comment in the history")
		}
	}
	return c.ID
}

type accessCaseJSON struct {
	orderCaseJSON
	Access struct {
		Employee  string `json:"employee"`
		Sensitive bool   `json:"sensitive"`
		Manager   string `json:"manager"`
	} `json:"access"`
}

// userManagement: managers ask for ESA access, departures and new users
// for their own units only; an ESA request is approved by the system owner
// and granted by arkiv. It returns the ESA case's ID.
func userManagement(t *testing.T, s *stack) string {
	t.Helper()
	tomorrow := time.Now().In(mustOslo(t)).AddDate(0, 0, 14).Format(time.DateOnly)
	esa := map[string]any{"kind": "esa-access", "employee": "ola", "role": "Saksbehandler", "units": []string{"opplaering"},
		"accessCodes": []string{"A", "P"}, "justification": "Skal behandle elevsaker"}
	s.expect(t, 403, "POST", "/api/v1/cases", "jon", esa) // not ola's manager
	s.expect(t, 403, "POST", "/api/v1/cases", "ola", esa)
	var prob problemJSON
	s.expect(t, 400, "POST", "/api/v1/cases", "kari", map[string]any{"kind": "esa-access", "employee": "ola", "role": "x", "units": []string{"a"},
		"accessCodes": []string{"A"}, "justification": "j", "validTo": "2020-02-30"}).decode(t, &prob)
	if prob.Field != "validTo" {
		t.Errorf("impossible date problem = %+v", prob)
	}
	var c accessCaseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", esa).decode(t, &c)
	if c.Kind != "esa-access" || c.Status != "awaiting-approval" || !c.Access.Sensitive || c.Access.Manager != "kari" || len(c.Tasks) != 1 {
		t.Fatalf("esa request = %+v", c)
	}
	taskURL := func(n int) string {
		return "/api/v1/tasks/" + c.ID + ".t" + fmt.Sprint(n) + "/complete"
	}
	s.expect(t, 404, "POST", taskURL(1), "jon", map[string]string{"outcome": "approved"})
	s.expect(t, 403, "POST", taskURL(1), "kari", map[string]string{"outcome": "approved"})
	s.expect(t, 200, "POST", taskURL(1), "arne", map[string]string{"outcome": "approved"}).decode(t, &c)
	if len(c.Tasks) != 2 || c.Tasks[1].Type != "esa-sensitive-approval" || c.Tasks[1].Approver != "nina" {
		t.Fatalf("after the owner's approval = %+v", c.Tasks)
	}
	s.expect(t, 200, "POST", taskURL(2), "nina", map[string]string{"outcome": "approved"}).decode(t, &c)
	s.expect(t, 403, "POST", taskURL(3), "per", map[string]string{"outcome": "done"}) // not arkiv
	s.expect(t, 200, "POST", taskURL(3), "arne", map[string]string{"outcome": "done"}).decode(t, &c)
	if c.Status != "active" {
		t.Errorf("granted access = %+v", c)
	}

	// A departure: only ola's manager may give notice; she may withdraw it.
	dep := map[string]any{"kind": "departure", "employee": "ola", "lastWorkingDay": tomorrow, "returnEquipment": true}
	s.expect(t, 403, "POST", "/api/v1/cases", "jon", dep)
	s.expect(t, 400, "POST", "/api/v1/cases", "kari", map[string]any{"kind": "departure", "employee": "nobody", "lastWorkingDay": tomorrow})
	var d caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", dep).decode(t, &d)
	s.expect(t, 200, "POST", "/api/v1/cases/"+d.Reference+"/cancel", "kari", map[string]string{"reason": "Ola blir"}).decode(t, &d)
	if d.Status != "cancelled" {
		t.Errorf("withdrawn departure = %+v", d)
	}

	// A new user: tasks for the first line; the account's username.
	nu := map[string]any{"kind": "new-user", "employee": map[string]string{"givenName": "Kjell", "familyName": "Lærer"},
		"unit": "opplaering", "jobTitle": "Lektor", "startDate": tomorrow, "equipment": []string{"laptop-standard"}}
	s.expect(t, 403, "POST", "/api/v1/cases", "jon", nu)
	s.expect(t, 400, "POST", "/api/v1/cases", "kari", map[string]any{"kind": "new-user", "employee": map[string]string{"givenName": "K", "familyName": "L"},
		"unit": "opplaering", "jobTitle": "Lektor", "startDate": "2001-01-01"})
	var n orderCaseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", nu).decode(t, &n)
	if n.Kind != "new-user" || len(n.Tasks) != 3 || n.Tasks[0].Type != "create-account" {
		t.Fatalf("new user = %+v", n)
	}
	s.expect(t, 200, "POST", "/api/v1/tasks/"+n.Tasks[0].ID+"/complete", "per", map[string]string{"outcome": "done", "output": "kjell"})
	var got struct {
		NewUser struct {
			Username string `json:"username"`
		} `json:"newUser"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+n.Reference, "kari", nil).decode(t, &got)
	if got.NewUser.Username != "kjell" {
		t.Errorf("new user's username = %q, want kjell", got.NewUser.Username)
	}
	if dir := os.Getenv("BRUKERHJELP_RECORD_HISTORY"); dir != "" {
		recordHistory(t, s, "case-"+d.ID, filepath.Join(dir, "departure_history.json"))
		recordHistory(t, s, "case-"+n.ID, filepath.Join(dir, "new_user_history.json"))
	}
	return c.ID
}
