// Package config reads the production processes' settings from the
// environment (API.md section 1). A missing or malformed setting is an
// error naming it, so `brukerhjelp api` and `brukerhjelp worker` stop at
// once instead of failing later.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/mailauth"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// Role is which process reads the settings.
type Role string

// The production processes.
const (
	API    Role = "api"
	Worker Role = "worker"
)

// Config is the production configuration.
type Config struct {
	TemporalAddress   string
	TemporalNamespace string
	// EventStoreURL is an EventStoreDB / KurrentDB connection string
	// (esdbstore.Schemes: esdb://…, kurrentdb://…, kdb://…, their
	// +discover forms) or sqlite:<path>.
	EventStoreURL string
	// DatabaseURL is the read model: postgres://… or sqlite:<path>.
	DatabaseURL  string
	HTTPAddr     string
	OIDCIssuer   string
	OIDCAudience string
	// OIDCClientID and OIDCClientSecret are the web pages' client at the
	// identity provider, PublicURL the address users reach the pages at
	// (the redirect URL is PublicURL + /auth/callback). The pages sign in
	// only with OIDCClientID and PublicURL set; the secret is optional (a
	// public client, PKCE alone).
	OIDCClientID     string
	OIDCClientSecret string
	PublicURL        string
	SMTPURL          string
	DirectoryFile    string
	// LogFormat is json (the default: one JSON object per line) or text.
	LogFormat string
	// SMTPListenAddr is where the api process takes inbound mail for the
	// help desk (optional; unset: no inbound mail). SMTPTrustedRelays are
	// the networks whose mail is taken as authenticated (the mail
	// gateway); empty (SMTP_TRUSTED_RELAYS unset or "none") lets in only
	// mail with DKIM or SPF aligned with From. AttachmentDir keeps the
	// attachments (required with SMTPListenAddr).
	SMTPListenAddr    string
	SMTPTrustedRelays []netip.Prefix
	AttachmentDir     string
	// KeystoreURL holds the data keys that encrypt personal data in the
	// record (docs/PRIVACY.md): postgres://… or sqlite:<path>; by default
	// keys.db beside a SQLite record. Never the read model's database,
	// which is disposable.
	KeystoreURL string
	// MasterKeyFile and MasterKey carry the master keys that wrap the data
	// keys and key the Temporal payload codec (one is required).
	MasterKeyFile string
	MasterKey     string
	// RetentionFile is a JSON retention policy (helpdesk.RetentionPolicy);
	// unset, the default one.
	RetentionFile string
	// TemporalUIOrigin is the Temporal Web UI's origin (e.g.
	// https://temporal.fylke.no), allowed to call the payload codec at
	// /api/v1/codec from the browser.
	TemporalUIOrigin string
}

// Variables lists every setting the loader knows, for tooling (the compose
// file's check, deploy/) and the usage text. All but LOG_FORMAT are
// API.md's; LOG_FORMAT, ATTACHMENT_DIR and the web pages' sign-in
// (OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, PUBLIC_URL) are optional.
var Variables = []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "EVENTSTORE_URL", "DATABASE_URL",
	"HTTP_ADDR", "OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "PUBLIC_URL",
	"SMTP_URL", "DIRECTORY_FILE", "LOG_FORMAT", "SMTP_LISTEN_ADDR", "SMTP_TRUSTED_RELAYS", "ATTACHMENT_DIR",
	"KEYSTORE_URL", privacy.EnvMasterKeyFile, privacy.EnvMasterKey, "RETENTION_FILE", "TEMPORAL_UI_ORIGIN"}

// Load reads the settings role needs through getenv (os.Getenv). Every
// problem is reported, each naming its variable.
func Load(role Role, getenv func(string) string) (Config, error) {
	c := Config{
		TemporalAddress:   strings.TrimSpace(getenv("TEMPORAL_ADDRESS")),
		TemporalNamespace: strings.TrimSpace(getenv("TEMPORAL_NAMESPACE")),
		EventStoreURL:     strings.TrimSpace(getenv("EVENTSTORE_URL")),
		DatabaseURL:       strings.TrimSpace(getenv("DATABASE_URL")),
		HTTPAddr:          strings.TrimSpace(getenv("HTTP_ADDR")),
		OIDCIssuer:        strings.TrimSpace(getenv("OIDC_ISSUER")),
		OIDCAudience:      strings.TrimSpace(getenv("OIDC_AUDIENCE")),
		OIDCClientID:      strings.TrimSpace(getenv("OIDC_CLIENT_ID")),
		OIDCClientSecret:  strings.TrimSpace(getenv("OIDC_CLIENT_SECRET")),
		PublicURL:         strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/"),
		SMTPURL:           strings.TrimSpace(getenv("SMTP_URL")),
		DirectoryFile:     strings.TrimSpace(getenv("DIRECTORY_FILE")),
		LogFormat:         strings.TrimSpace(getenv("LOG_FORMAT")),
		SMTPListenAddr:    strings.TrimSpace(getenv("SMTP_LISTEN_ADDR")),
		AttachmentDir:     strings.TrimSpace(getenv("ATTACHMENT_DIR")),
		KeystoreURL:       strings.TrimSpace(getenv("KEYSTORE_URL")),
		MasterKeyFile:     strings.TrimSpace(getenv(privacy.EnvMasterKeyFile)),
		MasterKey:         strings.TrimSpace(getenv(privacy.EnvMasterKey)),
		RetentionFile:     strings.TrimSpace(getenv("RETENTION_FILE")),
		TemporalUIOrigin:  strings.TrimRight(strings.TrimSpace(getenv("TEMPORAL_UI_ORIGIN")), "/"),
	}
	var errs []error
	bad := func(name, why string) { errs = append(errs, fmt.Errorf("%s: %s", name, why)) }
	required := func(name, v string) bool {
		if v == "" {
			bad(name, "is not set")
			return false
		}
		return true
	}
	if required("TEMPORAL_ADDRESS", c.TemporalAddress) {
		if _, _, err := net.SplitHostPort(c.TemporalAddress); err != nil {
			bad("TEMPORAL_ADDRESS", "must be host:port, e.g. temporal:7233")
		}
	}
	required("TEMPORAL_NAMESPACE", c.TemporalNamespace)
	if required("EVENTSTORE_URL", c.EventStoreURL) {
		// An EventStoreDB connection string is checked as esdbstore.Open
		// checks it: the same schemes, in any case, and settings.
		switch p, isSQLite := strings.CutPrefix(c.EventStoreURL, "sqlite:"); {
		case isSQLite && p == "":
			bad("EVENTSTORE_URL", "sqlite: needs a file path, e.g. sqlite:/data/events.db")
		case isSQLite: // a path, opened at start
		case !esdbstore.HasScheme(c.EventStoreURL):
			bad("EVENTSTORE_URL", "must start with one of "+strings.Join(esdbstore.Schemes, ", ")+" (any case) or sqlite:")
		default:
			if err := esdbstore.Validate(c.EventStoreURL); err != nil {
				bad("EVENTSTORE_URL", err.Error())
			}
		}
	}
	if required("DATABASE_URL", c.DatabaseURL) {
		if !hasScheme(c.DatabaseURL, "postgres://", "postgresql://", "sqlite:") {
			bad("DATABASE_URL", "must start with postgres:// or sqlite:")
		} else if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok && p == "" {
			bad("DATABASE_URL", "sqlite: needs a file path, e.g. sqlite:/data/readmodel.db")
		}
	}
	required("DIRECTORY_FILE", c.DirectoryFile)
	// The api serves its API on HTTP_ADDR; a worker, when it is set, its
	// /metrics and /healthz.
	if role == API {
		required("HTTP_ADDR", c.HTTPAddr)
	}
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			bad("HTTP_ADDR", "must be host:port, e.g. :8080")
		}
	}
	if role == API {
		// Production never runs without an identity provider.
		if required("OIDC_ISSUER", c.OIDCIssuer) {
			if u, err := url.Parse(c.OIDCIssuer); err != nil || u.Scheme != "https" || u.Host == "" {
				bad("OIDC_ISSUER", "must be the https URL of an OpenID Connect issuer")
			}
		}
		required("OIDC_AUDIENCE", c.OIDCAudience)
		// The web pages sign in at the same provider: with a client of
		// their own and the address the provider sends users back to. Both
		// or neither: with neither the pages say sign-in is not set up.
		switch {
		case c.OIDCClientID != "" && c.PublicURL == "":
			bad("PUBLIC_URL", "is not set: the web pages' sign-in (OIDC_CLIENT_ID is set) needs the address users reach them at, e.g. https://brukerhjelp.fylke.no")
		case c.PublicURL != "" && c.OIDCClientID == "":
			bad("OIDC_CLIENT_ID", "is not set: the web pages' sign-in (PUBLIC_URL is set) needs the client ID registered at the identity provider")
		case c.OIDCClientSecret != "" && c.OIDCClientID == "":
			bad("OIDC_CLIENT_ID", "is not set, but OIDC_CLIENT_SECRET is: the secret belongs to a client ID")
		}
		if c.PublicURL != "" {
			if why := checkPublicURL(c.PublicURL); why != "" {
				bad("PUBLIC_URL", why)
			}
		}
	}
	if c.SMTPURL != "" {
		if _, err := ParseSMTPURL(c.SMTPURL); err != nil {
			bad("SMTP_URL", err.Error())
		}
	}
	if relays := strings.TrimSpace(getenv("SMTP_TRUSTED_RELAYS")); relays != "" {
		var err error
		if c.SMTPTrustedRelays, err = mailauth.ParseRelays(relays); err != nil {
			bad("SMTP_TRUSTED_RELAYS", err.Error())
		}
	}
	if c.SMTPListenAddr != "" {
		if role != API {
			bad("SMTP_LISTEN_ADDR", "inbound mail is taken by the api process, not the worker")
		} else if _, _, err := net.SplitHostPort(c.SMTPListenAddr); err != nil {
			bad("SMTP_LISTEN_ADDR", "must be host:port, e.g. :2525")
		}
		required("ATTACHMENT_DIR", c.AttachmentDir)
	}
	// Personal data (docs/PRIVACY.md): the data keys beside the record,
	// the master keys that wrap them.
	if p, ok := strings.CutPrefix(c.EventStoreURL, "sqlite:"); ok && p != "" && c.KeystoreURL == "" {
		c.KeystoreURL = "sqlite:" + filepath.Join(filepath.Dir(p), "keys.db")
	}
	if required("KEYSTORE_URL", c.KeystoreURL) {
		switch {
		case !hasScheme(c.KeystoreURL, "postgres://", "postgresql://", "sqlite:"):
			bad("KEYSTORE_URL", "must start with postgres:// or sqlite:")
		case c.KeystoreURL == "sqlite:":
			bad("KEYSTORE_URL", "sqlite: needs a file path, e.g. sqlite:/data/keys.db")
		case c.KeystoreURL == c.DatabaseURL:
			bad("KEYSTORE_URL", "must not be the read model's DATABASE_URL: the read model is rebuilt at will, the keys must never be")
		}
	}
	switch {
	case c.MasterKeyFile == "" && c.MasterKey == "":
		bad(privacy.EnvMasterKeyFile, "is not set (nor "+privacy.EnvMasterKey+"): the master key that protects personal data; make one with `brukerhjelp keys generate`")
	case c.MasterKeyFile == "":
		if _, err := privacy.ParseKeyring(c.MasterKey); err != nil {
			bad(privacy.EnvMasterKey, err.Error())
		}
	}
	if c.TemporalUIOrigin != "" {
		if u, err := url.Parse(c.TemporalUIOrigin); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("TEMPORAL_UI_ORIGIN", "must be the Temporal Web UI's origin, e.g. https://temporal.fylke.no")
		}
	}
	switch c.LogFormat {
	case "":
		c.LogFormat = "json"
	case "json", "text":
	default:
		bad("LOG_FORMAT", "must be json or text")
	}
	return c, errors.Join(errs...)
}

// checkPublicURL says what is wrong with PUBLIC_URL, if anything: the
// https address of the site root (http only on a loopback address, for
// tests), since the pages are served at /.
func checkPublicURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "must be the https address users reach the web pages at, e.g. https://brukerhjelp.fylke.no"
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "must be https (http only on a loopback address): the session cookie is sent over TLS only"
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "must be the site's address alone, without a path, query or user, e.g. https://brukerhjelp.fylke.no (the pages are served at /)"
	}
	return ""
}

func hasScheme(v string, schemes ...string) bool {
	for _, s := range schemes {
		if strings.HasPrefix(v, s) {
			return true
		}
	}
	return false
}
