package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

const testAudience = "api://brukerhjelp"

// testKeys are made once: RSA key generation is the slow part.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// testIssuer is a real OpenID Connect provider, as far as a resource
// server sees one: a discovery document and a JWKS over TLS, and tokens
// signed with its key.
type testIssuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string

	mu        sync.Mutex
	published []jose.JSONWebKey
	jwksHits  int
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	iss := &testIssuer{key: testKeys()[0], kid: "key-1"}
	iss.published = []jose.JSONWebKey{{Key: &iss.key.PublicKey, KeyID: iss.kid, Algorithm: "RS256", Use: "sig"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"issuer":                                iss.srv.URL,
			"authorization_endpoint":                iss.srv.URL + "/authorize",
			"token_endpoint":                        iss.srv.URL + "/token",
			"jwks_uri":                              iss.srv.URL + "/keys",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		iss.mu.Lock()
		defer iss.mu.Unlock()
		iss.jwksHits++
		writeJSON(w, 200, jose.JSONWebKeySet{Keys: iss.published})
	})
	iss.srv = httptest.NewTLSServer(mux)
	t.Cleanup(iss.srv.Close)
	return iss
}

// publish adds a key to the JWKS, as a provider does before rotating.
func (iss *testIssuer) publish(key *rsa.PrivateKey, kid string) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.published = append(iss.published, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
}

// claims are a valid access token's claims for user.
func (iss *testIssuer) claims(user string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": iss.srv.URL, "aud": testAudience, "sub": "sub-" + user, "preferred_username": user,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func signToken(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
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

func (iss *testIssuer) token(t *testing.T, claims map[string]any) string {
	return signToken(t, iss.key, iss.kid, claims)
}

// unsignedToken is a JWT with alg "none".
func unsignedToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
}

// hmacWithPublicKey is the algorithm-confusion attack: HS256 keyed with
// the issuer's public key, which anybody can fetch.
func hmacWithPublicKey(t *testing.T, pub *rsa.PublicKey, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithHeader("kid", "key-1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newTestOIDC(t *testing.T, iss *testIssuer, cfg OIDCConfig) *OIDCAuth {
	t.Helper()
	cfg.Issuer, cfg.Audience, cfg.HTTPClient = iss.srv.URL, testAudience, iss.srv.Client()
	a, err := NewOIDC(context.Background(), cfg, directory.Demo())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOIDCAuthenticate(t *testing.T) {
	iss := newTestIssuer(t)
	auth := newTestOIDC(t, iss, OIDCConfig{})
	with := func(user string, edit func(map[string]any)) map[string]any {
		c := iss.claims(user)
		edit(c)
		return c
	}
	rogue, other := testKeys()[1], testKeys()[2]
	tests := []struct {
		name      string
		token     string
		wantUser  string // "" means refused
		wantRoles []helpdesk.Role
		reason    string // of a refusal, as logged
	}{
		{"valid", iss.token(t, iss.claims("ola")), "ola", []helpdesk.Role{helpdesk.RoleEmployee}, ""},
		{"roles claim merged, unknown roles ignored", iss.token(t, with("ola", func(c map[string]any) { c["roles"] = []string{"caseworker", "admin", "employee"} })),
			"ola", []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker}, ""},
		{"roles claim as one string", iss.token(t, with("eva", func(c map[string]any) { c["roles"] = "auditor" })),
			"eva", []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleAuditor}, ""},
		{"no preferred_username: sub", iss.token(t, with("x", func(c map[string]any) { delete(c, "preferred_username"); c["sub"] = "eva" })),
			"eva", []helpdesk.Role{helpdesk.RoleEmployee}, ""},
		{"username as e-mail address", iss.token(t, with("KARI@fylke.example", func(map[string]any) {})),
			"kari", []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleManager, helpdesk.RoleBudgetHolder}, ""},
		{"one of several audiences", iss.token(t, with("per", func(c map[string]any) { c["aud"] = []string{"other-api", testAudience} })),
			"per", []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker}, ""},

		{"expired", iss.token(t, with("ola", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), "", nil, `token is expired`},
		{"no expiry", iss.token(t, with("ola", func(c map[string]any) { delete(c, "exp") })), "", nil, `token is expired`},
		{"not yet valid", iss.token(t, with("ola", func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), "", nil, `nbf`},
		{"signed by another key under the issuer's kid", signToken(t, rogue, "key-1", iss.claims("ola")), "", nil, `signature`},
		{"signed by a key the issuer never published", signToken(t, other, "key-9", iss.claims("ola")), "", nil, `signature`},
		{"wrong audience", iss.token(t, with("ola", func(c map[string]any) { c["aud"] = "other-api" })), "", nil, `audience`},
		{"wrong issuer", iss.token(t, with("ola", func(c map[string]any) { c["iss"] = "https://idp.evil.example" })), "", nil, `different provider`},
		{"unknown user", iss.token(t, iss.claims("mallory")), "", nil, `not in the directory`},
		{"alg none", unsignedToken(t, iss.claims("ola")), "", nil, `"none"`},
		{"HS256 keyed with the public key", hmacWithPublicKey(t, &iss.key.PublicKey, iss.claims("ola")), "", nil, `"HS256"`},
		{"payload swapped under a valid signature", swapPayload(t, iss.token(t, iss.claims("ola")), iss.claims("siri")), "", nil, `signature`},
		{"dev token", "dev:ola", "", nil, `dev tokens`},
		{"garbage", "not.a.jwt", "", nil, `malformed`},
		{"huge", strings.Repeat("a", maxToken+1), "", nil, `longer than`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := auth.Authenticate(context.Background(), tt.token)
			if tt.wantUser == "" {
				if err == nil {
					t.Fatalf("accepted as %q, want refused", u.Username)
				}
				if !errors.Is(err, ErrUnauthenticated) {
					t.Errorf("error %v does not wrap ErrUnauthenticated", err)
				}
				if !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("refused for %q, want for %q", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if u.Username != tt.wantUser || !slices.Equal(u.Roles, tt.wantRoles) {
				t.Errorf("got %s %v, want %s %v", u.Username, u.Roles, tt.wantUser, tt.wantRoles)
			}
		})
	}
	// Granting roles in a token must not touch the directory.
	if ola, _ := directory.Demo().User("ola"); !slices.Equal(ola.Roles, []helpdesk.Role{helpdesk.RoleEmployee}) {
		t.Errorf("directory changed: %v", ola.Roles)
	}
}

// swapPayload keeps a token's header and signature but replaces its
// claims.
func swapPayload(t *testing.T, token string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func TestOIDCConfiguredClaims(t *testing.T) {
	iss := newTestIssuer(t)
	auth := newTestOIDC(t, iss, OIDCConfig{UsernameClaim: "upn", RolesClaim: "app_roles", GroupsClaim: "groups"})
	c := iss.claims("ignored")
	c["upn"] = "ola@fylke.example"
	c["roles"] = []string{"auditor"} // not the configured claim
	c["app_roles"] = []string{"caseworker"}
	c["groups"] = []string{"arkiv", "no-such-group"}
	u, err := auth.Authenticate(context.Background(), iss.token(t, c))
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "ola" || !slices.Equal(u.Roles, []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleCaseworker}) ||
		!slices.Equal(u.Groups, []string{"arkiv"}) {
		t.Errorf("got %s roles %v groups %v, want ola [employee caseworker] [arkiv]", u.Username, u.Roles, u.Groups)
	}
}

func TestOIDCFollowsKeyRotation(t *testing.T) {
	iss := newTestIssuer(t)
	auth := newTestOIDC(t, iss, OIDCConfig{})
	if _, err := auth.Authenticate(context.Background(), iss.token(t, iss.claims("ola"))); err != nil {
		t.Fatal(err)
	}
	next := testKeys()[2]
	iss.publish(next, "key-2")
	if u, err := auth.Authenticate(context.Background(), signToken(t, next, "key-2", iss.claims("eva"))); err != nil || u.Username != "eva" {
		t.Fatalf("token under the rotated key: %v %v", u.Username, err)
	}
}

func TestNewOIDCRefusesToStartWithoutAProvider(t *testing.T) {
	iss := newTestIssuer(t)
	down := httptest.NewTLSServer(http.NotFoundHandler())
	down.Close()
	liar := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"issuer": "https://someone.else.example", "jwks_uri": "https://someone.else.example/keys"})
	}))
	defer liar.Close()
	noKeys := httptest.NewTLSServer(nil)
	noKeys.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keys" {
			writeJSON(w, 200, map[string]any{"keys": []any{}})
			return
		}
		writeJSON(w, 200, map[string]any{"issuer": noKeys.URL, "jwks_uri": noKeys.URL + "/keys"})
	})
	defer noKeys.Close()

	tests := []struct {
		name    string
		cfg     OIDCConfig
		dir     *directory.Directory
		wantErr string
	}{
		{"no issuer", OIDCConfig{Audience: testAudience}, directory.Demo(), "OIDC_ISSUER"},
		{"blank issuer", OIDCConfig{Issuer: "  ", Audience: testAudience}, directory.Demo(), "OIDC_ISSUER"},
		{"no audience", OIDCConfig{Issuer: iss.srv.URL}, directory.Demo(), "OIDC_AUDIENCE"},
		{"no directory", OIDCConfig{Issuer: iss.srv.URL, Audience: testAudience}, nil, "directory"},
		{"not a URL", OIDCConfig{Issuer: "idp.example", Audience: testAudience}, directory.Demo(), "OIDC_ISSUER"},
		{"plain http", OIDCConfig{Issuer: "http://idp.example", Audience: testAudience}, directory.Demo(), "https"},
		{"unreachable", OIDCConfig{Issuer: down.URL, Audience: testAudience}, directory.Demo(), "discovery failed"},
		{"discovery names another issuer", OIDCConfig{Issuer: liar.URL, Audience: testAudience, HTTPClient: liar.Client()}, directory.Demo(), "discovery failed"},
		{"no keys", OIDCConfig{Issuer: noKeys.URL, Audience: testAudience, HTTPClient: noKeys.Client()}, directory.Demo(), "no keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.HTTPClient == nil {
				tt.cfg.HTTPClient = iss.srv.Client()
			}
			a, err := NewOIDC(context.Background(), tt.cfg, tt.dir)
			if err == nil || a != nil {
				t.Fatalf("NewOIDC = %v, %v; want an error", a, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestProductionAPIRefusesDevTokens runs the API as production does: OIDC
// tokens in, roles from the token merged with the directory's.
func TestProductionAPIRefusesDevTokens(t *testing.T) {
	iss := newTestIssuer(t)
	auth := newTestOIDC(t, iss, OIDCConfig{})
	srv := newServerWith(t, func(c *serverConfig) { c.Auth = auth }).Server

	c := iss.claims("ola")
	c["roles"] = []string{"caseworker"}
	resp, body := call{method: "GET", path: "/api/v1/me", token: iss.token(t, c)}.do(t, srv)
	var me struct {
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	if err := json.Unmarshal(body, &me); resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET /me with an OIDC token: %d %s", resp.StatusCode, body)
	}
	if me.Username != "ola" || !slices.Equal(me.Roles, []string{"employee", "caseworker"}) {
		t.Errorf("me = %+v, want ola [employee caseworker]", me)
	}
	for _, tok := range []string{"dev:ola", "dev:siri", unsignedToken(t, iss.claims("ola"))} {
		resp, body := call{method: "GET", path: "/api/v1/me", token: tok}.do(t, srv)
		if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("token %.20s…: %d %s, want a 401 problem with WWW-Authenticate", tok, resp.StatusCode, body)
		}
	}
}
