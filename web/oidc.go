package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/web/session"
)

// OIDCConfig configures signing in with OpenID Connect: the
// authorization-code flow with PKCE (S256), state and nonce checked,
// against the same provider the JSON API's tokens come from.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (OIDC_ISSUER): https, or http
	// on a loopback address (tests).
	Issuer string
	// ClientID and ClientSecret identify the pages to the provider
	// (OIDC_CLIENT_ID, OIDC_CLIENT_SECRET). Without a secret the pages
	// sign in as a public client, PKCE alone proving the code is theirs.
	ClientID, ClientSecret string
	// RedirectURL is where the provider sends the browser back:
	// PUBLIC_URL + "/auth/callback", registered at the provider.
	RedirectURL string
	// UsernameClaim holds the directory username (preferred_username,
	// then sub); a value with an @ that is no username is looked up as an
	// e-mail address. RolesClaim (roles) adds Brukerhjelp roles to the
	// directory's; GroupsClaim, if set, adds caseworker groups the
	// directory has. As the JSON API reads its tokens.
	UsernameClaim, RolesClaim, GroupsClaim string
	// Scopes asked for besides openid (profile, email).
	Scopes []string
	// HTTPClient talks to the provider; nil means one with a 10 s
	// timeout.
	HTTPClient *http.Client
}

// OIDC signs users in at an OpenID Connect provider.
type OIDC struct {
	cfg      OIDCConfig
	client   *http.Client
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// NewOIDC discovers the provider, so a process whose identity provider
// cannot be reached does not start.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if strings.TrimSpace(cfg.Issuer) == "" {
		return nil, errors.New("web: OIDC_ISSUER is not set: the pages sign users in at an OpenID Connect provider")
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("web: OIDC_CLIENT_ID is not set: the client ID the provider knows the web pages by")
	}
	if err := checkURL("OIDC_ISSUER", cfg.Issuer); err != nil {
		return nil, err
	}
	if err := checkURL("PUBLIC_URL", cfg.RedirectURL); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("web: OIDC_ISSUER %s: discovery failed: %w", cfg.Issuer, err)
	}
	if provider.Endpoint().AuthURL == "" || provider.Endpoint().TokenURL == "" {
		return nil, fmt.Errorf("web: OIDC_ISSUER %s: the discovery document names no authorization or token endpoint", cfg.Issuer)
	}
	scopes := append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	if len(cfg.Scopes) == 0 {
		scopes = append(scopes, "profile", "email")
	}
	cfg.UsernameClaim = orDefault(cfg.UsernameClaim, "preferred_username")
	cfg.RolesClaim = orDefault(cfg.RolesClaim, "roles")
	return &OIDC{
		cfg:    cfg,
		client: client,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: scopes},
		// The key set outlives ctx: it refetches keys as they rotate.
		verifier: provider.VerifierContext(oidc.ClientContext(context.Background(), client), &oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// checkURL wants https, or http on a loopback address.
func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("web: %s %q is not a URL", name, raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) {
		return nil
	}
	return fmt.Errorf("web: %s %q must be an https URL", name, raw)
}

// oidcStart begins a sign-in: a fresh anonymous session keeps the state,
// the nonce and the PKCE verifier, and the browser goes to the provider.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request, next string) {
	o := s.cfg.OIDC
	state, nonce, verifier := session.NewToken(), session.NewToken(), oauth2.GenerateVerifier()
	if _, err := s.anonymousSession(w, r, map[string]string{dataState: state, dataNonce: nonce, dataVerifier: verifier, dataNext: next}); err != nil {
		s.log.ErrorContext(r.Context(), "web: starting a sign-in", "error", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "")
		return
	}
	target := o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// oidcCallback is GET /auth/callback: the provider sends the browser back
// with a code, which is exchanged (with the PKCE verifier) for an ID
// token; its signature, issuer, audience, expiry and nonce are checked,
// and the user it names must be in the directory and not disabled.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	o := s.cfg.OIDC
	if o == nil {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	ctx := r.Context()
	v := visitOf(r)
	q := r.URL.Query()
	fail := func(status int, why string, key string, args ...any) {
		s.log.WarnContext(ctx, "web: OIDC sign-in failed", "reason", why)
		s.errorPage(w, r, status, key, args...)
	}
	if v.sess == nil || v.sess.Username != "" || v.sess.Data[dataState] == "" {
		fail(http.StatusBadRequest, "no sign-in under way in this browser", "login.failed", directory.HelpDeskAddress)
		return
	}
	pending := *v.sess
	// A sign-in's state is used once, whatever happens next.
	s.end(w, r, pending.ID)
	v.sess = nil
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pending.Data[dataState])) != 1 {
		fail(http.StatusBadRequest, "state does not match", "login.failed", directory.HelpDeskAddress)
		return
	}
	if e := q.Get("error"); e != "" {
		fail(http.StatusBadRequest, "the provider answered "+e+": "+q.Get("error_description"), "login.failed", directory.HelpDeskAddress)
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(http.StatusBadRequest, "no code", "login.failed", directory.HelpDeskAddress)
		return
	}
	exCtx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.client), 15*time.Second)
	defer cancel()
	tok, err := o.oauth.Exchange(exCtx, code, oauth2.VerifierOption(pending.Data[dataVerifier]))
	if err != nil {
		fail(http.StatusBadGateway, "code exchange: "+err.Error(), "login.failed", directory.HelpDeskAddress)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail(http.StatusBadGateway, "the token response holds no id_token", "login.failed", directory.HelpDeskAddress)
		return
	}
	idt, err := o.verifier.Verify(exCtx, raw)
	if err != nil {
		fail(http.StatusBadRequest, "ID token: "+err.Error(), "login.failed", directory.HelpDeskAddress)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pending.Data[dataNonce])) != 1 {
		fail(http.StatusBadRequest, "nonce does not match", "login.failed", directory.HelpDeskAddress)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		fail(http.StatusBadRequest, "claims: "+err.Error(), "login.failed", directory.HelpDeskAddress)
		return
	}
	username, data := s.fromClaims(claims, idt.Subject)
	u, ok, err := s.admit(ctx, username, data)
	if err != nil {
		s.log.ErrorContext(ctx, "web: sign-in", "user", username, "error", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "")
		return
	}
	if !ok {
		if du, inDirectory := s.cfg.Directory.User(username); inDirectory {
			fail(http.StatusForbidden, "account disabled by a departure: "+username, "login.disabledPage", du.DisplayName, directory.HelpDeskAddress)
		} else {
			fail(http.StatusForbidden, fmt.Sprintf("user %q is not in the directory", username), "login.notInDir", directory.HelpDeskAddress)
		}
		return
	}
	if err := s.startSession(w, r, u.Username, data); err != nil {
		s.log.ErrorContext(ctx, "web: starting a session", "error", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "")
		return
	}
	s.log.InfoContext(ctx, "web: signed in", "user", u.Username, "how", "oidc")
	http.Redirect(w, r, safeNext(pending.Data[dataNext]), http.StatusSeeOther)
}

// fromClaims finds the directory username an ID token names, and the
// roles and groups it grants (kept in the session), read as the JSON API
// reads its tokens (directory.FromClaims).
func (s *Server) fromClaims(claims map[string]any, subject string) (username string, data map[string]string) {
	o := s.cfg.OIDC
	c := s.cfg.Directory.FromClaims(claims, subject, directory.ClaimNames{Username: o.cfg.UsernameClaim, Roles: o.cfg.RolesClaim, Groups: o.cfg.GroupsClaim})
	data = map[string]string{}
	if len(c.Roles) > 0 {
		roles := make([]string, len(c.Roles))
		for i, r := range c.Roles {
			roles[i] = string(r)
		}
		data[dataRoles] = strings.Join(roles, ",")
	}
	// The session keeps the groups comma-separated: a name with a comma
	// (no directory has one) would split.
	groups := slices.DeleteFunc(c.Groups, func(g string) bool { return strings.Contains(g, ",") })
	if len(groups) > 0 {
		data[dataGroups] = strings.Join(groups, ",")
	}
	return c.Username, data
}
