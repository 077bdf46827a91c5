package web

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/web/session"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *clock
	store *session.Memory
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 12, 9, 0, 0, 0, helpdesk.Oslo)}
	st := session.NewMemory()
	cfg := Config{Directory: directory.Demo(), DevLogin: true, InsecureCookie: true, Sessions: st, Now: c.now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	h := &harness{t: t, srv: s, http: httptest.NewServer(s), clock: c, store: st}
	t.Cleanup(h.http.Close)
	return h
}

// browser is one browser: its own cookies, redirects not followed.
type browser struct {
	h      *harness
	client *http.Client
	lang   string
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, headers ...string) answer {
	b.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.http.URL+path, body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string, headers ...string) answer {
	return b.do(http.MethodGet, path, nil, headers...)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form on p.
func csrf(t *testing.T, p answer) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field on the page:\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

// signIn signs b in as username through the dev form, as a person does.
func (b *browser) signIn(username string) answer {
	b.h.t.Helper()
	login := b.get("/login")
	if login.status != http.StatusOK {
		b.h.t.Fatalf("GET /login: %d", login.status)
	}
	return b.do(http.MethodPost, "/login", url.Values{"csrf": {csrf(b.h.t, login)}, "username": {username}})
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.h.http.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func expect(t *testing.T, p answer, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("got status %d, want %d; body:\n%s", p.status, status, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Errorf("the page does not say %q; body:\n%s", s, p.body)
		}
	}
}

func TestLoginPageListsEveryUserAndCarriesItsHeaders(t *testing.T) {
	h := newHarness(t, nil)
	p := h.browser().get("/login")
	expect(t, p, http.StatusOK, `<html lang="nb"`, "<title>Logg inn – Brukerhjelp</title>", `name="csrf"`,
		`<a class="ds-skip-link" href="#main">Hopp til hovedinnholdet</a>`, `href="/tilgjengelighet"`)
	for _, u := range directory.Demo().Users() {
		if !strings.Contains(p.body, `name="username" value="`+u.Username+`"`) {
			t.Errorf("no button for %s", u.Username)
		}
	}
	if !strings.Contains(p.body, "Ola Nordmann") || !strings.Contains(p.body, "ansatt og saksbehandler") {
		t.Errorf("the users are not named with their roles:\n%s", p.body)
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
		"X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := p.header.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	if strings.Contains(p.body, "<script>") || regexp.MustCompile(`\son[a-z]+=`).MatchString(p.body) || strings.Contains(p.body, "style=") {
		t.Error("the page has inline script or style, which the CSP forbids")
	}
	if strings.Contains(p.body, "??") {
		t.Errorf("a text is missing from the catalogue:\n%s", p.body)
	}
}

func TestPagesWithoutASessionGoToLogin(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	for path, want := range map[string]string{
		"/":                         "/login",
		"/?lang=en":                 "/login?next=%2F%3Flang%3Den",
		"/cases/new?kind=incident":  "/login?next=%2Fcases%2Fnew%3Fkind%3Dincident",
		"/live":                     "",
		"/tilgjengelighet":          "",
		"/login?next=%2Fcases%2Fx1": "",
	} {
		p := b.get(path)
		if want == "" {
			if p.status == http.StatusSeeOther {
				t.Errorf("GET %s redirected to %s; it needs no session or is no page", path, p.header.Get("Location"))
			}
			continue
		}
		if p.status != http.StatusSeeOther || p.header.Get("Location") != want {
			t.Errorf("GET %s: got %d to %q, want 303 to %q", path, p.status, p.header.Get("Location"), want)
		}
	}
	if p := b.get("/live"); p.status != http.StatusUnauthorized {
		t.Errorf("GET /live without a session: got %d, want 401 (an EventSource cannot follow a redirect)", p.status)
	}
}

func TestSignInGreetsTheUserAndComesBackToNext(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	login := b.get("/login?next=" + url.QueryEscape("/?from=mail"))
	before := b.cookie("brukerhjelp")
	if before == "" {
		t.Fatal("GET /login set no session cookie for its form's CSRF token")
	}
	p := b.do(http.MethodPost, "/login", url.Values{"csrf": {csrf(t, login)}, "username": {"per"}, "next": {"/?from=mail"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/?from=mail" {
		t.Fatalf("POST /login: got %d to %q, want 303 to /?from=mail", p.status, p.header.Get("Location"))
	}
	after := b.cookie("brukerhjelp")
	if after == "" || after == before {
		t.Fatalf("the session ID was not rotated at sign-in: before %q, after %q", before, after)
	}
	// The token from before sign-in no longer names a session.
	if _, err := h.store.Get(context.Background(), before); err == nil {
		t.Error("the session from before sign-in still exists")
	}
	home := b.get("/")
	expect(t, home, http.StatusOK, "Hei, Per Johansen!", "Du er logget inn som ansatt og saksbehandler.",
		"Saksbehandlergrupper: brukerhjelp", "Enhet: IT-seksjonen", `action="/logout"`, "Logg ut",
		`href="/cases">Saker</a>`, `href="/tasks"`, `aria-current="page"`)
	if strings.Contains(home.body, `href="/audit"`) || strings.Contains(home.body, `href="/reports/kpi"`) {
		t.Error("a caseworker's menu links to the auditor's or the service owner's pages")
	}
	// Signed in, /login goes on.
	if p := b.get("/login"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		t.Errorf("GET /login signed in: got %d to %q", p.status, p.header.Get("Location"))
	}
}

func TestMenuFollowsRoles(t *testing.T) {
	h := newHarness(t, nil)
	for _, tt := range []struct {
		user      string
		has, lack []string
	}{
		{"ola", []string{`href="/cases">Mine saker`, `href="/announcements"`}, []string{`href="/tasks"`, `href="/reports/kpi"`, `href="/audit"`}},
		{"siri", []string{`href="/cases">Saker`, `href="/reports/kpi"`, `href="/audit"`}, []string{`href="/tasks"`}},
		{"nina", []string{`href="/reports/kpi"`, `href="/tasks"`}, []string{`href="/audit"`}},
		{"kari", []string{`href="/tasks"`}, []string{`href="/audit"`, `href="/reports/kpi"`}},
	} {
		b := h.browser()
		b.signIn(tt.user)
		p := b.get("/")
		for _, s := range tt.has {
			if !strings.Contains(p.body, s) {
				t.Errorf("%s's menu lacks %s", tt.user, s)
			}
		}
		for _, s := range tt.lack {
			if strings.Contains(p.body, s) {
				t.Errorf("%s's menu has %s", tt.user, s)
			}
		}
	}
}

func TestUnknownUserIsToldBesideTheFieldAndAtTheTop(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	login := b.get("/login")
	p := b.do(http.MethodPost, "/login", url.Values{"csrf": {csrf(t, login)}, "username": {"mallory"}})
	expect(t, p, http.StatusBadRequest, "<title>Feil: Logg inn – Brukerhjelp</title>", `class="ds-error-summary"`,
		`href="#field-username">Velg en av brukerne i listen</a>`, `id="field-username"`, `id="field-username-error"`,
		`aria-describedby="field-username-error"`)
	if b.cookie("brukerhjelp") == "" || b.get("/").status != http.StatusSeeOther {
		t.Error("an unknown user got a session")
	}
}

func TestFormWithoutCSRFTokenIsRefusedAndChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.signIn("ola")
	home := b.get("/")
	token := csrf(t, home)
	for _, tt := range []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {"not-the-token"}}, nil},
		{"the token of another session", url.Values{"csrf": {csrf(t, h.browser().get("/login"))}}, nil},
		{"cross-site, with the token", url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"another origin, with the token", url.Values{"csrf": {token}}, []string{"Origin", "https://evil.example"}},
	} {
		p := b.do(http.MethodPost, "/logout", tt.form, tt.headers...)
		expect(t, p, http.StatusForbidden, "Skjemaet kunne ikke sendes", "ingenting er endret")
		if got := b.get("/"); got.status != http.StatusOK {
			t.Fatalf("%s: the refused sign-out signed ola out (GET / is %d)", tt.name, got.status)
		}
	}
	// The sign-in form too: no token, no sign-in.
	anon := h.browser()
	anon.get("/login")
	expect(t, anon.do(http.MethodPost, "/login", url.Values{"username": {"siri"}}), http.StatusForbidden)
	if anon.get("/").status != http.StatusSeeOther {
		t.Error("a sign-in without its CSRF token signed in")
	}
	// With its token, from this site, it works.
	p := b.do(http.MethodPost, "/logout", url.Values{"csrf": {token}}, "Sec-Fetch-Site", "same-origin", "Origin", h.http.URL)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/signed-out" {
		t.Fatalf("sign-out: got %d to %q", p.status, p.header.Get("Location"))
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.signIn("ola")
	token := b.cookie("brukerhjelp")
	p := b.do(http.MethodPost, "/logout", url.Values{"csrf": {csrf(t, b.get("/"))}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("POST /logout: %d", p.status)
	}
	expect(t, b.get("/signed-out"), http.StatusOK, "Du er logget ut.", `href="/login"`)
	if p := b.get("/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Errorf("after sign-out GET /: got %d to %q", p.status, p.header.Get("Location"))
	}
	// An old copy of the cookie is worth nothing either.
	thief := h.browser()
	u, _ := url.Parse(h.http.URL)
	thief.client.Jar.SetCookies(u, []*http.Cookie{{Name: "brukerhjelp", Value: token, Path: "/"}})
	if p := thief.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("the signed-out session's cookie still signs in: %d", p.status)
	}
}

func TestLanguage(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.signIn("ola")
	expect(t, b.get("/"), http.StatusOK, `<html lang="nb"`, "Hei, Ola Nordmann!", `href="/?lang=en" lang="en" hreflang="en">English</a>`)
	expect(t, b.get("/?lang=en"), http.StatusOK, `<html lang="en"`, "Hello, Ola Nordmann!", "You are signed in as employee.",
		"Sign out", "Skip to main content", `lang="nb" hreflang="nb">Norsk</a>`)
	// Remembered.
	expect(t, b.get("/"), http.StatusOK, `<html lang="en"`, "My cases")
	expect(t, b.get("/tilgjengelighet"), http.StatusOK, "Accessibility statement", "WCAG 2.1", "Uu-tilsynet")
	expect(t, b.get("/?lang=nb"), http.StatusOK, `<html lang="nb"`, "Hei, Ola Nordmann!")

	// The browser's own language, when nothing was chosen.
	en := h.browser()
	en.lang = "en-GB,en;q=0.9"
	expect(t, en.get("/login"), http.StatusOK, `<html lang="en"`, "Sign in", "Demo users")
	nb := h.browser()
	nb.lang = "nb-NO,nb;q=0.9,en;q=0.5"
	expect(t, nb.get("/login"), http.StatusOK, `<html lang="nb"`, "Logg inn")
	other := h.browser()
	other.lang = "de-DE"
	expect(t, other.get("/tilgjengelighet"), http.StatusOK, `<html lang="nb"`, "Tilgjengelighetserklæring", "Uu-tilsynet")
	// ?lang= wins over the browser.
	expect(t, en.get("/tilgjengelighet?lang=nb"), http.StatusOK, `<html lang="nb"`)
}

func TestSessionExpiresWhenIdleAndAfterAWorkingDay(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.signIn("ola")
	h.clock.advance(29 * time.Minute)
	expect(t, b.get("/"), http.StatusOK, "Hei, Ola Nordmann!")
	h.clock.advance(29 * time.Minute) // 29 minutes after the last use: still fine
	expect(t, b.get("/"), http.StatusOK)
	h.clock.advance(31 * time.Minute)
	p := b.get("/")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?expired=1" {
		t.Fatalf("after 31 idle minutes: got %d to %q, want 303 to /login?expired=1", p.status, p.header.Get("Location"))
	}
	expect(t, b.get(p.header.Get("Location")), http.StatusOK, "Økten din er utløpt.")

	// However busy, a session ends after ten hours.
	b.signIn("ola")
	for range 10 * 3 {
		h.clock.advance(20 * time.Minute)
		if p := b.get("/"); p.status != http.StatusOK {
			t.Fatalf("a session in use ended after %s", 20*time.Minute)
		}
	}
	h.clock.advance(20 * time.Minute)
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("a session over ten hours old still works: %d", p.status)
	}
}

// noWorkflows stands in for Temporal: signing in asks the desk only of
// the record.
type noWorkflows struct{ desk.Workflows }

func TestDepartedUserCannotSignInAndIsSignedOut(t *testing.T) {
	t.Run("the record", func(t *testing.T) { testDeparted(t, false) })
	t.Run("the desk", func(t *testing.T) { testDeparted(t, true) })
}

func testDeparted(t *testing.T, withDesk bool) {
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newHarness(t, func(c *Config) {
		if !withDesk {
			c.Store = store
		} else {
			dk, err := desk.New(desk.Config{Workflows: noWorkflows{}, Record: store, Directory: c.Directory})
			if err != nil {
				t.Fatal(err)
			}
			c.Desk = dk
		}
	})
	b := h.browser()
	b.signIn("eva")
	expect(t, b.get("/"), http.StatusOK, "Hei, Eva Hansen!")

	data, _ := json.Marshal(helpdesk.PersonEvent{What: "account-disabled", CaseID: uuid.NewString()})
	if _, err := store.Append(context.Background(), helpdesk.PersonStream("eva"), eventstore.NoStream(),
		eventstore.EventData{ID: uuid.New(), Type: helpdesk.PersonEvent{}.EventType(), Data: data, Metadata: []byte(`{"actor":"system"}`)}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("a departed user's session goes on: %d", p.status)
	}
	p := b.signIn("eva")
	expect(t, p, http.StatusBadRequest, "Kontoen til Eva Hansen er deaktivert")
	if b.get("/").status != http.StatusSeeOther {
		t.Error("a departed user signed in")
	}
	expect(t, h.browser().signIn("ola"), http.StatusSeeOther)
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"":                       "/",
		"/":                      "/",
		"/cases?status=new":      "/cases?status=new",
		"/cases/BH-2026-000042":  "/cases/BH-2026-000042",
		"//evil.example/":        "/",
		`/\evil.example`:         "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"cases":                  "/",
		"/login?next=/":          "/",
		"/%0d%0aSet-Cookie:x=y":  "/%0d%0aSet-Cookie:x=y",
		"/ok\r\nSet-Cookie: x=y": "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q): got %q, want %q", next, got, want)
		}
	}
}

func TestErrorPagesAreInTheLayout(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.signIn("ola")
	p := b.get("/no/such/page")
	expect(t, p, http.StatusNotFound, `<html lang="nb"`, "Fant ikke siden", `href="/">Gå til forsiden</a>`, "Logg ut")
	p = b.do(http.MethodDelete, "/login", nil, "X-CSRF-Token", csrf(t, b.get("/")))
	expect(t, p, http.StatusMethodNotAllowed, "Det går ikke an her")
	if allow := p.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("405 Allow: %q", allow)
	}
	expect(t, b.get("/no/such/page?lang=en"), http.StatusNotFound, `<html lang="en"`, "Page not found")
}

func TestWithoutAWayToSignInPagesSaySo(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.DevLogin = false })
	b := h.browser()
	expect(t, b.get("/login"), http.StatusServiceUnavailable, "Innlogging er ikke satt opp")
	p := b.do(http.MethodPost, "/login", url.Values{"username": {"ola"}})
	if p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Errorf("POST /login without dev sign-in: %d", p.status)
	}
}

func TestCookieIsSecureUnlessDevOnLoopback(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.InsecureCookie = false })
	p := h.browser().get("/login")
	sc := p.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-brukerhjelp=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	h = newHarness(t, nil)
	sc = h.browser().get("/login").header.Get("Set-Cookie")
	if strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("dev on loopback: Set-Cookie %q", sc)
	}
}

func TestStaticAssetsAreHashedCachedAndCompressed(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	login := b.get("/login")
	m := regexp.MustCompile(`href="(/static/designsystemet/designsystemet\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(login.body)
	if m == nil {
		t.Fatalf("the layout does not link the hashed Designsystemet CSS:\n%s", login.body)
	}
	// Go's client asks for gzip and unpacks it; ask by hand to see it.
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+m[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" ||
		resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("hashed CSS: %d, %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), ".ds-button") {
		t.Error("the CSS served is not Designsystemet's")
	}
	plain := b.get("/static/designsystemet/designsystemet.css")
	if plain.status != http.StatusOK || plain.header.Get("Cache-Control") != "no-cache" || plain.header.Get("ETag") == "" {
		t.Errorf("plain name: %d, %v", plain.status, plain.header)
	}
	if p := b.get("/static/designsystemet/designsystemet.css", "If-None-Match", plain.header.Get("ETag")); p.status != http.StatusNotModified {
		t.Errorf("revalidation: got %d, want 304", p.status)
	}
	if p := b.get("/static/nothing.js"); p.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", p.status)
	}
	for _, name := range []string{"htmx/htmx.min.js", "htmx/sse.min.js", "brukerhjelp.js", "brukerhjelp.css", "designsystemet/theme.css"} {
		u, err := h.srv.assets.URL(name)
		if err != nil || !strings.Contains(login.body, `"`+u+`"`) {
			t.Errorf("the layout does not load %s (%s, %v)", name, u, err)
		}
	}
}

func TestFieldHelperTiesLabelHintAndError(t *testing.T) {
	v := &view{Lang: "nb", Form: &Form{Values: url.Values{"title": {"Skriver"}}}}
	v.Form.Fail("title", "Skriv en tittel på minst 5 tegn")
	var sb strings.Builder
	f := v.Input("title", "login.title").WithHint("login.devIntro")
	if err := layout.ExecuteTemplate(&sb, "field", f); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{`<label class="ds-label" for="field-title">Logg inn</label>`, `id="field-title-hint"`,
		`id="field-title-error">Skriv en tittel på minst 5 tegn</p>`, `id="field-title" name="title" value="Skriver"`,
		`aria-describedby="field-title-hint field-title-error"`, `aria-invalid="true"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the field lacks %s:\n%s", want, out)
		}
	}
	sb.Reset()
	if err := layout.ExecuteTemplate(&sb, "field", (&view{Lang: "en"}).TextArea("description", "login.title")); err != nil {
		t.Fatal(err)
	}
	if out := sb.String(); !strings.Contains(out, `<textarea class="ds-input" id="field-description" name="description" rows="5">`) ||
		strings.Contains(out, "aria-invalid") || strings.Contains(out, "aria-describedby") {
		t.Errorf("a field without hint or error:\n%s", out)
	}
}

func TestLiveStreamTellsOnlyWhatTheUserMaySee(t *testing.T) {
	broker := live.NewBroker()
	h := newHarness(t, func(c *Config) { c.Live = broker })
	b := h.browser()
	b.signIn("ola")
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+"/live", nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := b.client.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /live: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	waitFor(t, func() bool { return broker.Subscribers() == 1 })

	olas, evas := helpdesk.NewCase(), helpdesk.NewCase()
	olas.ID, olas.Reference, olas.Reporter = "c-ola", "BH-2026-000001", "ola"
	evas.ID, evas.Reference, evas.Reporter = "c-eva", "BH-2026-000002", "eva"
	broker.Publish(live.Change{Kind: live.KindCase, ID: evas.ID, Reference: evas.Reference, Type: "CaseClaimed", Actor: "per", Case: &evas})
	broker.Publish(live.Change{Kind: live.KindCase, ID: olas.ID, Reference: olas.Reference, Type: "CommentAdded", Actor: "per", Internal: true, Case: &olas})
	broker.Publish(live.Change{Kind: live.KindCase, ID: olas.ID, Reference: olas.Reference, Revision: 4, Type: "CaseClaimed",
		Actor: "per", Status: "in-progress", Case: &olas})

	events := bufio.NewReader(resp.Body)
	name, data := readEvent(t, events)
	if name != "change" {
		t.Fatalf("got event %q", name)
	}
	var m liveMessage
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != "c-ola" || m.Revision != 4 || m.Type != "CaseClaimed" || m.Status != "in-progress" ||
		m.Text != "Per Johansen tok BH-2026-000001." {
		t.Errorf("ola was told %+v; Eva's case and the internal comment must not reach her, and the claim must", m)
	}
	// Bookkeeping reaches the page (it may refresh) but says nothing.
	broker.Publish(live.Change{Kind: live.KindCase, ID: olas.ID, Reference: olas.Reference, Revision: 5, Type: "SLAPaused", Actor: "per", Case: &olas})
	if name, data := readEvent(t, events); name != "change" || !strings.Contains(data, `"type":"SLAPaused"`) || strings.Contains(data, `"text"`) {
		t.Errorf("a bookkeeping change: got %s %s, want a change without text", name, data)
	}
	cancel()
	waitFor(t, func() bool { return broker.Subscribers() == 0 })
}

// readEvent reads one server-sent event, passing over comments.
func readEvent(t *testing.T, r *bufio.Reader) (name, data string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "" && name != "":
				return
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return name, data
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
