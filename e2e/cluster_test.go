package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/brukerhjelp/brukerhjelp/internal/devserver"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// issuer is an OpenID Connect provider for the production processes: a
// discovery document and a key set over https, and tokens it signs.
type issuer struct {
	srv     *httptest.Server
	key     *rsa.PrivateKey
	certPEM string // the server's certificate, for SSL_CERT_FILE
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/keys",
			"authorization_endpoint": is.srv.URL + "/auth", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	is.certPEM = filepath.Join(t.TempDir(), "issuer.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.srv.Certificate().Raw})
	if err := os.WriteFile(is.certPEM, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	return is
}

func (is *issuer) token(t *testing.T, user string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: is.key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: is.srv.URL, Audience: jwt.Audience{"brukerhjelp"}, Subject: user,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}).
		Claims(map[string]any{"preferred_username": user}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// process is one production process (api or worker).
type process struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	base string // api: its URL
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func startProcess(t *testing.T, name, kind string, env []string) *process {
	t.Helper()
	p := &process{name: name}
	{ // the api's API, a worker's /metrics
		port := freePort(t)
		p.base = fmt.Sprintf("http://127.0.0.1:%d", port)
		env = append(env, fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", port))
	}
	p.cmd = exec.Command(binary, kind)
	p.cmd.Dir = t.TempDir() // a worker without SMTP_URL writes ./outbox
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.output())
		}
	})
	return p
}

func (p *process) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

func (p *process) call(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// Two workers and two api processes against one Temporal server (the
// embedded one standing in for a cluster), one record and the PostgreSQL
// read model. A worker is killed with SIGKILL while cases are in flight,
// and so is the api whose projector keeps the read model: the other worker
// finishes every case, the other api's projector takes over, and the read
// model agrees exactly with the record.
func TestPostgresTwoWorkersTwoAPIsLoseNoWork(t *testing.T) {
	if os.Getenv(readmodeltest.EnvPostgres) == "" {
		t.Skipf("%s is not set: this test needs the PostgreSQL read model", readmodeltest.EnvPostgres)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	temporalPort := freePort(t)
	ts, err := devserver.Start(ctx, devserver.Options{FrontendPort: temporalPort, Logger: slog.New(slog.DiscardHandler),
		SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Stop()

	is := newIssuer(t)
	liveDSN := readmodeltest.PostgresDSN(t)
	dir := t.TempDir()
	eventsPath := filepath.Join(dir, "events.db")
	masterKey := privacy.GenerateMasterKey()
	env := []string{
		"TEMPORAL_ADDRESS=" + ts.FrontendAddress(), "TEMPORAL_NAMESPACE=default",
		"EVENTSTORE_URL=sqlite:" + eventsPath,
		"DATABASE_URL=" + liveDSN,
		"DIRECTORY_FILE=" + filepath.Join("..", "deploy", "directory.yaml"),
		"OIDC_ISSUER=" + is.srv.URL, "OIDC_AUDIENCE=brukerhjelp",
		"SSL_CERT_FILE=" + is.certPEM, "LOG_FORMAT=json",
		// One master key for every process; the data keys beside the record.
		"BRUKERHJELP_MASTER_KEY=" + masterKey,
	}
	if abs, err := filepath.Abs(filepath.Join("..", "deploy", "directory.yaml")); err == nil {
		env[4] = "DIRECTORY_FILE=" + abs
	}
	w1 := startProcess(t, "worker-1", "worker", env)
	w2 := startProcess(t, "worker-2", "worker", env)
	a1 := startProcess(t, "api-1", "api", env)
	a2 := startProcess(t, "api-2", "api", env)
	for _, a := range []*process{a1, a2} {
		waitUntil(t, a.name+" ready", func() bool {
			resp, err := http.Get(a.base + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	ola, per := is.token(t, "ola"), is.token(t, "per")

	type created struct{ ID, Reference string }
	create := func(api *process, i int) created {
		t.Helper()
		code, raw := api.call(t, ola, "POST", "/api/v1/cases", fmt.Sprintf(`{"kind":"incident","title":"Feil %d","description":"skjer"}`, i))
		if code != http.StatusCreated {
			t.Fatalf("create %d on %s: %d %s", i, api.name, code, raw)
		}
		var c created
		if err := json.Unmarshal(raw, &c); err != nil || c.Reference == "" {
			t.Fatalf("create %d: %s", i, raw)
		}
		return c
	}
	// Both apis take cases; both workers run them.
	var cases []created
	for i := range 6 {
		cases = append(cases, create([]*process{a1, a2}[i%2], i))
	}
	// A worker dies with cases in its cache; new ones keep coming.
	w1.kill()
	for i := 6; i < 10; i++ {
		cases = append(cases, create([]*process{a1, a2}[i%2], i))
	}
	// The api whose projector keeps the read model (it holds the lease)
	// dies too; the other one's projector must take over.
	active, survivor := a1, a2
	if projectorActive(t, a2) {
		active, survivor = a2, a1
	} else if !projectorActive(t, a1) {
		t.Fatal("neither api runs the active projector")
	}
	active.kill()
	a2 = survivor
	for i, c := range cases {
		for _, step := range []struct{ path, body string }{{"claim", ""}, {"resolve", `{"resolution":"fikset"}`}} {
			code, raw := a2.call(t, per, "POST", "/api/v1/cases/"+c.Reference+"/"+step.path, step.body)
			if code != http.StatusOK {
				t.Fatalf("%s case %d (%s) on the surviving api: %d %s", step.path, i, c.Reference, code, raw)
			}
		}
	}

	// The read model (through the surviving api) shows every case resolved,
	// exactly once.
	waitUntil(t, "the read model to show every case resolved", func() bool {
		code, raw := a2.call(t, per, "GET", "/api/v1/cases?status=resolved&limit=100", "")
		if code != http.StatusOK {
			return false
		}
		var page struct{ Items []created }
		if json.Unmarshal(raw, &page) != nil || len(page.Items) != len(cases) {
			return false
		}
		seen := map[string]bool{}
		for _, it := range page.Items {
			seen[it.Reference] = true
		}
		return len(seen) == len(cases)
	})

	// The record: each case opened once, claimed once, resolved once, and
	// the hash chain intact.
	store, err := sqlitestore.OpenReadOnly(eventsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, c := range cases {
		evs, err := store.ReadStream(ctx, helpdesk.Stream(c.ID), 0, 0)
		if err != nil {
			t.Fatalf("case %s: %v", c.Reference, err)
		}
		count := map[string]int{}
		for _, e := range evs {
			count[e.Type]++
		}
		if count["CaseOpened"] != 1 || count["CaseResolved"] != 1 {
			t.Errorf("case %s: events %v", c.Reference, count)
		}
	}
	if res, err := store.VerifyAll(ctx); err != nil || !res.OK {
		t.Errorf("verify: %+v %v", res, err)
	}

	// And it is exact: a fresh rebuild from the record matches it row by
	// row (what `brukerhjelp projections rebuild --verify` does).
	raw, err := sqlitestore.Open(eventsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Read as the processes read it: with the personal data decrypted.
	ring, err := privacy.ParseKeyring(masterKey)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.OpenKeys(ctx, filepath.Join(dir, privacy.DevKeyStoreFile), ring)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	rw, err := privacy.New(raw, keys)
	if err != nil {
		t.Fatal(err)
	}
	dirFile := strings.TrimPrefix(env[4], "DIRECTORY_FILE=")
	people, err := directory.Load(dirFile)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := readmodel.Open(ctx, readmodeltest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	proj, err := projection.New(rw, fresh, projection.Options{Groups: people, Audience: people, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proj.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	live, err := readmodel.Open(ctx, liveDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	rows, diffs, err := readmodel.Compare(ctx, live, fresh, func(d readmodel.Difference) { t.Errorf("read model differs from a rebuild: %+v", d) })
	if err != nil || diffs != 0 || rows == 0 {
		t.Errorf("compare: %d rows, %d differences, %v", rows, diffs, err)
	}
	if !projectorActive(t, a2) {
		t.Error("the surviving api's projector is not the active one")
	}
	if w2.cmd.ProcessState != nil {
		t.Errorf("worker-2 exited: %v", w2.cmd.ProcessState)
	}
	// The surviving worker did the work after the other died: its own
	// metrics count the appends.
	if n := metricValue(t, w2, `brukerhjelp_activity_duration_seconds_count{activity="AppendEvents",outcome="ok"}`); n < float64(len(cases)) {
		t.Errorf("worker-2 appended %v times, want at least one per case (%d)", n, len(cases))
	}
}

// projectorActive reads the api's brukerhjelp_projection_active gauge.
func projectorActive(t *testing.T, api *process) bool {
	t.Helper()
	return metricValue(t, api, "brukerhjelp_projection_active") == 1
}

// metricValue reads one series (name with its labels, as exposed) from
// the process's GET /metrics; 0 when it is not there.
func metricValue(t *testing.T, p *process, series string) float64 {
	t.Helper()
	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		t.Fatalf("%s metrics: %v", p.name, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %q", series, line)
			}
			return f
		}
	}
	return 0
}
