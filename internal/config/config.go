// Package config reads the production processes' settings from the
// environment (API.md section 1). A missing or malformed setting is an
// error naming it, so `brukerhjelp api` and `brukerhjelp worker` stop at
// once instead of failing later.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
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
	DatabaseURL   string
	HTTPAddr      string
	OIDCIssuer    string
	OIDCAudience  string
	SMTPURL       string
	DirectoryFile string
	// LogFormat is json (the default: one JSON object per line) or text.
	LogFormat string
}

// Variables lists every setting the loader knows, for tooling (the compose
// file's check, deploy/) and the usage text. All but LOG_FORMAT are
// API.md's; LOG_FORMAT is optional.
var Variables = []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "EVENTSTORE_URL", "DATABASE_URL",
	"HTTP_ADDR", "OIDC_ISSUER", "OIDC_AUDIENCE", "SMTP_URL", "DIRECTORY_FILE", "LOG_FORMAT"}

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
		SMTPURL:           strings.TrimSpace(getenv("SMTP_URL")),
		DirectoryFile:     strings.TrimSpace(getenv("DIRECTORY_FILE")),
		LogFormat:         strings.TrimSpace(getenv("LOG_FORMAT")),
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
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			bad("SMTP_URL", "must be smtp://host:port or smtps://host:port")
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

func hasScheme(v string, schemes ...string) bool {
	for _, s := range schemes {
		if strings.HasPrefix(v, s) {
			return true
		}
	}
	return false
}
