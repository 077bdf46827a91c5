package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	testClientID     = "brukerhjelp-web"
	testClientSecret = "s3cret"
)

var providerKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// provider is a real OpenID Connect provider, as far as a relying party
// sees one: discovery, keys, an authorization endpoint that signs in
// whoever the test says, and a token endpoint that checks the client,
// the redirect URI and the PKCE verifier before it hands out an ID token.
type provider struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// user is who signs in at the authorization endpoint, with extra
	// claims; badNonce makes the ID token carry another nonce.
	user     string
	extra    map[string]any
	badNonce bool
	codes    map[string]grant
	// pkceChecked counts code exchanges whose verifier matched.
	pkceChecked int
}

type grant struct {
	nonce, challenge, redirect, user string
}

func newProvider(t *testing.T) *provider {
	p := &provider{t: t, user: "kari", codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTest(w, http.StatusOK, map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/keys", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		writeJSONTest(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &providerKey().PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != testClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := "code-" + randomString()
		p.mu.Lock()
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), user: p.user}
		p.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		bq := back.Query()
		bq.Set("code", code)
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id != testClientID || secret != testClientSecret {
			writeJSONTest(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
			return
		}
		p.mu.Lock()
		g, found := p.codes[r.PostFormValue("code")]
		delete(p.codes, r.PostFormValue("code")) // a code is used once
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !found || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			writeJSONTest(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return
		}
		p.mu.Lock()
		p.pkceChecked++
		nonce := g.nonce
		if p.badNonce {
			nonce = "another-nonce"
		}
		claims := map[string]any{"iss": p.srv.URL, "aud": testClientID, "sub": "sub-" + g.user, "preferred_username": g.user,
			"nonce": nonce, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
		for k, v := range p.extra {
			claims[k] = v
		}
		p.mu.Unlock()
		writeJSONTest(w, http.StatusOK, map[string]any{"access_token": "at-" + randomString(), "token_type": "Bearer",
			"expires_in": 3600, "id_token": signTest(t, claims)})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func randomString() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func signTest(t *testing.T, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: providerKey(), KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func writeJSONTest(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// oidcHarness is the web door signing in at p. The door's own address
// is known only once its test server runs, so the redirect URL names a
// listener made first.
func oidcHarness(t *testing.T, p *provider) *harness {
	t.Helper()
	front := httptest.NewUnstartedServer(nil)
	redirect := "http://" + front.Listener.Addr().String() + "/auth/callback"
	o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: p.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: redirect})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.DevLogin, c.OIDC = false, o })
	h.http.Close()
	front.Config.Handler = h.srv
	front.Start()
	t.Cleanup(front.Close)
	h.http = front
	return h
}

// getURL fetches an absolute URL (the provider's) in b.
func (b *browser) getURL(raw string) answer {
	b.h.t.Helper()
	resp, err := b.client.Get(raw)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body := new(strings.Builder)
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body.String()}
}

// oidcSignIn walks the browser through the provider and back; it returns
// the callback's answer.
func (b *browser) oidcSignIn(next string) (start, callback answer, callbackURL, anonymous string) {
	b.h.t.Helper()
	path := "/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	start = b.get(path)
	if start.status != http.StatusSeeOther {
		b.h.t.Fatalf("GET /login: %d, want 303 to the provider; body:\n%s", start.status, start.body)
	}
	anonymous = b.cookie("brukerhjelp")
	authz := b.getURL(start.header.Get("Location"))
	if authz.status != http.StatusFound {
		b.h.t.Fatalf("the provider's authorization endpoint: %d %s", authz.status, authz.body)
	}
	callbackURL = authz.header.Get("Location")
	return start, b.getURL(callbackURL), callbackURL, anonymous
}

func TestOIDCSignInWithPKCEStateAndNonce(t *testing.T) {
	p := newProvider(t)
	h := oidcHarness(t, p)
	b := h.browser()
	if got := b.get("/?tab=mine"); got.header.Get("Location") != "/login?next=%2F%3Ftab%3Dmine" {
		t.Fatalf("a page without a session: got %q", got.header.Get("Location"))
	}
	start, cb, cbURL, anonymous := b.oidcSignIn("/?welcome=1")
	authURL, _ := url.Parse(start.header.Get("Location"))
	q := authURL.Query()
	if !strings.HasPrefix(start.header.Get("Location"), p.srv.URL+"/authorize?") || q.Get("code_challenge_method") != "S256" ||
		q.Get("redirect_uri") != h.http.URL+"/auth/callback" || q.Get("client_id") != testClientID {
		t.Errorf("the authorization request: %s", start.header.Get("Location"))
	}
	if anonymous == "" {
		t.Error("GET /login kept the sign-in's state in no session")
	}
	if cb.status != http.StatusSeeOther || cb.header.Get("Location") != "/?welcome=1" {
		t.Fatalf("GET /auth/callback: %d to %q; body:\n%s", cb.status, cb.header.Get("Location"), cb.body)
	}
	if p.pkceChecked != 1 {
		t.Errorf("the provider saw %d code exchanges with a matching PKCE verifier, want 1", p.pkceChecked)
	}
	if got := b.cookie("brukerhjelp"); got == "" || got == anonymous {
		t.Error("the session ID was not rotated at sign-in")
	}
	expect(t, b.get("/"), http.StatusOK, "Hei, Kari Olsen!", "ansatt, leder og budsjettansvarlig")

	// The same callback again (a replayed code and state) signs nobody in.
	other := h.browser()
	expect(t, other.getURL(cbURL), http.StatusBadRequest, "Innloggingen mislyktes")
	if other.get("/").status != http.StatusSeeOther {
		t.Error("a replayed callback signed in")
	}
	// Dev sign-in is not there.
	if got := b.do(http.MethodPost, "/login", url.Values{"csrf": {csrf(t, b.get("/"))}, "username": {"siri"}}); got.status != http.StatusNotFound {
		t.Errorf("POST /login in production: %d, want 404", got.status)
	}
}

func TestOIDCRefusesAForeignState(t *testing.T) {
	p := newProvider(t)
	h := oidcHarness(t, p)
	b := h.browser()
	start := b.get("/login")
	authz := b.getURL(start.header.Get("Location"))
	back, _ := url.Parse(authz.header.Get("Location"))
	q := back.Query()
	q.Set("state", "forged")
	back.RawQuery = q.Encode()
	expect(t, b.getURL(back.String()), http.StatusBadRequest, "Innloggingen mislyktes", "brukerhjelp@fylke.example")
	if b.get("/").status != http.StatusSeeOther {
		t.Error("a forged state signed in")
	}
	// A callback in a browser that never began a sign-in.
	expect(t, h.browser().get("/auth/callback?code=x&state=y"), http.StatusBadRequest, "Innloggingen mislyktes")
	// The user said no at the provider.
	start = b.get("/login")
	state := mustQuery(t, start.header.Get("Location")).Get("state")
	expect(t, b.get("/auth/callback?error=access_denied&state="+url.QueryEscape(state)), http.StatusBadRequest, "Innloggingen mislyktes")
}

func TestOIDCRefusesAnotherNonce(t *testing.T) {
	p := newProvider(t)
	p.badNonce = true
	h := oidcHarness(t, p)
	b := h.browser()
	_, cb, _, _ := b.oidcSignIn("")
	expect(t, cb, http.StatusBadRequest, "Innloggingen mislyktes")
	if b.get("/").status != http.StatusSeeOther {
		t.Error("an ID token with another nonce signed in")
	}
}

func TestOIDCUsersMustBeInTheDirectoryAndGetTheirGrantedRoles(t *testing.T) {
	p := newProvider(t)
	h := oidcHarness(t, p)
	p.user = "mallory"
	b := h.browser()
	_, cb, _, _ := b.oidcSignIn("")
	expect(t, cb, http.StatusForbidden, "Du har ikke tilgang til Brukerhjelp")

	p.mu.Lock()
	p.user, p.extra = "ola@fylke.example", map[string]any{"roles": []string{"operations", "emperor"}}
	p.mu.Unlock()
	_, cb, _, _ = b.oidcSignIn("")
	if cb.status != http.StatusSeeOther {
		t.Fatalf("ola by e-mail: %d %s", cb.status, cb.body)
	}
	home := b.get("/")
	expect(t, home, http.StatusOK, "Hei, Ola Nordmann!", "ansatt og drift")
	if strings.Contains(home.body, "emperor") {
		t.Error("a role Brukerhjelp does not have was granted")
	}
}

func TestNewOIDCNamesWhatIsMissing(t *testing.T) {
	p := newProvider(t)
	for _, tt := range []struct {
		cfg  OIDCConfig
		want string
	}{
		{OIDCConfig{ClientID: "x", RedirectURL: "https://b.example/auth/callback"}, "OIDC_ISSUER"},
		{OIDCConfig{Issuer: p.srv.URL, RedirectURL: "https://b.example/auth/callback"}, "OIDC_CLIENT_ID"},
		{OIDCConfig{Issuer: p.srv.URL, ClientID: "x", RedirectURL: "http://b.example/auth/callback"}, "PUBLIC_URL"},
		{OIDCConfig{Issuer: "http://idp.example", ClientID: "x", RedirectURL: "https://b.example/auth/callback"}, "OIDC_ISSUER"},
		{OIDCConfig{Issuer: p.srv.URL + "/nothing-here", ClientID: "x", RedirectURL: "https://b.example/auth/callback"}, "discovery"},
	} {
		_, err := NewOIDC(context.Background(), tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want an error naming %s", tt.cfg, err, tt.want)
		}
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
