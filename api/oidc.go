package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
)

// OIDCConfig configures production authentication: bearer JWTs issued by
// an OpenID Connect provider (e.g. Entra ID).
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (OIDC_ISSUER); its discovery
	// document names the JWKS the tokens are checked against.
	Issuer string
	// Audience is the API's identifier that tokens must be issued for
	// (OIDC_AUDIENCE).
	Audience string
	// UsernameClaim holds the directory username; default
	// preferred_username, then sub when that claim is absent. A value
	// with an @ that is no username is looked up as an e-mail address.
	UsernameClaim string
	// RolesClaim holds roles granted by the provider, added to the
	// directory's; default roles. Names that are no Brukerhjelp role are
	// ignored.
	RolesClaim string
	// GroupsClaim, if set, holds caseworker groups added to the
	// directory's; names of groups the directory does not have are
	// ignored.
	GroupsClaim string
	// HTTPClient fetches the discovery document and the keys; nil means
	// one with a 10 s timeout.
	HTTPClient *http.Client
}

// OIDCAuth authenticates OIDC bearer tokens against the directory. It
// never accepts dev tokens.
type OIDCAuth struct {
	verifier      *oidc.IDTokenVerifier
	dir           *directory.Directory
	usernameClaim string
	rolesClaim    string
	groupsClaim   string
}

// maxToken bounds the bearer token read; real ones are a few KiB.
const maxToken = 16 << 10

// NewOIDC discovers the provider and fetches its keys once, so a
// production process without a reachable identity provider does not
// start. Later key rotations are fetched as tokens name new keys.
func NewOIDC(ctx context.Context, cfg OIDCConfig, dir *directory.Directory) (*OIDCAuth, error) {
	if strings.TrimSpace(cfg.Issuer) == "" {
		return nil, errors.New("api: OIDC_ISSUER is not set: production needs an identity provider (the issuer URL of an OpenID Connect provider)")
	}
	if strings.TrimSpace(cfg.Audience) == "" {
		return nil, errors.New("api: OIDC_AUDIENCE is not set: the audience (API identifier) tokens must be issued for")
	}
	if dir == nil {
		return nil, errors.New("api: OIDC needs the directory")
	}
	if err := checkIssuerURL(cfg.Issuer); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("api: OIDC_ISSUER %s: discovery failed: %w", cfg.Issuer, err)
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKS == "" {
		return nil, fmt.Errorf("api: OIDC_ISSUER %s: the discovery document names no jwks_uri", cfg.Issuer)
	}
	if err := checkKeys(ctx, client, meta.JWKS); err != nil {
		return nil, fmt.Errorf("api: OIDC_ISSUER %s: %w", cfg.Issuer, err)
	}
	a := &OIDCAuth{
		// The key set outlives ctx: it refetches keys as they rotate.
		verifier:      provider.VerifierContext(oidc.ClientContext(context.Background(), client), &oidc.Config{ClientID: cfg.Audience}),
		dir:           dir,
		usernameClaim: orDefault(cfg.UsernameClaim, "preferred_username"),
		rolesClaim:    orDefault(cfg.RolesClaim, "roles"),
		groupsClaim:   cfg.GroupsClaim,
	}
	return a, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// checkIssuerURL wants https, but allows http on the loopback interface
// (a provider run next to the process, as in tests).
func checkIssuerURL(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return fmt.Errorf("api: OIDC_ISSUER %q is not a URL", issuer)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) {
		return nil
	}
	return fmt.Errorf("api: OIDC_ISSUER %q must be an https URL", issuer)
}

// checkKeys fetches the provider's key set and checks it holds a key.
func checkKeys(ctx context.Context, client *http.Client, jwksURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return fmt.Errorf("jwks_uri %q: %w", jwksURL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching the keys: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("fetching the keys: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching the keys: %s", resp.Status)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		return fmt.Errorf("the key set at %s holds no keys", jwksURL)
	}
	return nil
}

// Authenticate implements Authenticator: the token's signature (a key of
// the issuer's JWKS), issuer, audience and expiry are checked, then the
// user must be in the directory.
func (a *OIDCAuth) Authenticate(ctx context.Context, token string) (directory.User, error) {
	if strings.HasPrefix(token, "dev:") {
		return directory.User{}, fmt.Errorf("%w: dev tokens are not accepted in production", ErrUnauthenticated)
	}
	if len(token) > maxToken {
		return directory.User{}, fmt.Errorf("%w: token longer than %d bytes", ErrUnauthenticated, maxToken)
	}
	idt, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return directory.User{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return directory.User{}, fmt.Errorf("%w: claims: %w", ErrUnauthenticated, err)
	}
	c := a.dir.FromClaims(claims, idt.Subject, directory.ClaimNames{Username: a.usernameClaim, Roles: a.rolesClaim, Groups: a.groupsClaim})
	if c.Username == "" {
		return directory.User{}, fmt.Errorf("%w: the token names no user (%s, sub)", ErrUnauthenticated, a.usernameClaim)
	}
	u, ok := a.dir.User(c.Username)
	if !ok {
		return directory.User{}, fmt.Errorf("%w: user %q is not in the directory", ErrUnauthenticated, c.Username)
	}
	u.Roles = slices.Clone(u.Roles) // the directory's slices are shared
	for _, role := range c.Roles {
		if !slices.Contains(u.Roles, role) {
			u.Roles = append(u.Roles, role)
		}
	}
	u.Groups = slices.Clone(u.Groups)
	for _, g := range c.Groups {
		if !slices.Contains(u.Groups, g) {
			u.Groups = append(u.Groups, g)
		}
	}
	return u, nil
}
