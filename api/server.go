// Package api is Brukerhjelp's HTTP API (API.md). Handlers hold only
// clients: Temporal to start and steer case workflows, the event store to
// read the record. They never decide domain rules themselves.
package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/catalog"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Config holds what the API depends on.
type Config struct {
	// Collectors add metrics to GET /metrics (the projector's progress).
	Collectors []prometheus.Collector
	Temporal   client.Client
	Store      eventstore.Store
	Directory  *directory.Directory
	Auth       Authenticator
	// Ready reports whether every part the API needs is up (GET /readyz).
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// Policy is what new cases run under; zero means the defaults.
	Policy *workflows.CasePolicy
	// Catalog is the standard catalog; nil means the built-in one.
	Catalog helpdesk.Catalog
	// Lists serves GET /cases and GET /tasks (api/list.go); nil answers
	// those with 503.
	Lists Lister
	// RateLimit is each user's request budget (api/ratelimit.go); zero
	// means DefaultRateLimit.
	RateLimit RateLimit
	// Notifications serves GET /notifications and POST
	// /notifications/{id}/read (api/notifications.go); nil answers those
	// with 503.
	Notifications Notifications
	// Reports serves GET /reports/kpi (api/reports.go); nil answers it
	// with 503.
	Reports Reports
	// Announcements serves GET /announcements (api/announcements.go);
	// nil answers it with 503.
	Announcements AnnouncementLister
}

// Server serves the HTTP API.
type Server struct {
	metrics  *metrics
	temporal client.Client
	store    eventstore.Store
	dir      *directory.Directory
	auth     Authenticator
	ready    func(ctx context.Context) error
	log      *slog.Logger
	policy   workflows.CasePolicy
	catalog  helpdesk.Catalog
	lists    Lister          // api/list.go
	notes    Notifications   // api/notifications.go
	limit    *limiter        // api/ratelimit.go; nil: no limit
	reports  Reports         // api/reports.go
	reads    *audit.Recorder // api/auditlog.go: reads of the record, recorded
	// announcements lists announcements (api/announcements.go).
	announcements AnnouncementLister
	mux           *http.ServeMux
}

// New builds the API; every dependency but Ready and Logger is required.
func New(cfg Config) (*Server, error) {
	if cfg.Temporal == nil || cfg.Store == nil || cfg.Directory == nil || cfg.Auth == nil {
		return nil, errors.New("api: temporal client, event store, directory and authenticator are required")
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// Lines logged with a request's context name its correlation ID and
	// case reference (api/middleware.go).
	cfg.Logger = slog.New(logctx.Handler(cfg.Logger.Handler()))
	policy := workflows.DefaultCasePolicy()
	if cfg.Policy != nil {
		policy = *cfg.Policy
	}
	if cfg.Catalog == nil {
		cfg.Catalog = catalog.Default()
	}
	s := &Server{temporal: cfg.Temporal, store: cfg.Store, dir: cfg.Directory, auth: cfg.Auth, ready: cfg.Ready, log: cfg.Logger,
		policy: policy, catalog: cfg.Catalog, lists: cfg.Lists, notes: cfg.Notifications,
		reports: cfg.Reports, reads: audit.NewRecorder(cfg.Store), announcements: cfg.Announcements}
	s.limit = newLimiter(cfg.RateLimit)
	m, err := newMetrics(cfg.Collectors)
	if err != nil {
		return nil, fmt.Errorf("api: metrics: %w", err)
	}
	s.metrics = m
	s.routes()
	return s, nil
}

// route is one endpoint; the table is also what the OpenAPI test checks.
type route struct {
	method, path string
	public       bool
	handler      http.HandlerFunc
}

func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", true, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}},
		{"GET", "/readyz", true, s.handleReady},
		{"GET", "/metrics", true, s.handleMetrics},
		{"GET", "/api/v1/openapi.json", true, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(openAPI)
		}},
		{"GET", "/api/v1/me", false, s.handleMe},
		{"GET", "/api/v1/cases", false, s.handleListCases}, // api/list.go
		{"POST", "/api/v1/cases", false, s.handleCreateCase},
		{"GET", "/api/v1/cases/{ref}", false, s.handleGetCase},
		{"POST", "/api/v1/cases/{ref}/claim", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/assign", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/comment", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/request-info", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/reply", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/resolve", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/confirm", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/reopen", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/cancel", false, s.handleStep},
		{"POST", "/api/v1/cases/{ref}/link", false, s.handleStep},
		{"GET", "/api/v1/cases/{ref}/history", false, s.handleHistory},
		{"GET", "/api/v1/cases/{ref}/sla", false, s.handleSLA},
		{"GET", "/api/v1/cases/{ref}/state", false, s.handleCaseState}, // api/replay.go
		{"GET", "/api/v1/audit/export", false, s.handleAuditExport},    // api/replay.go
		{"GET", "/api/v1/cases/{ref}/verify", false, s.handleVerifyCase},
		{"GET", "/api/v1/audit/verify", false, s.handleVerifyAll},
		{"GET", "/api/v1/audit/reads", false, s.handleAuditReads}, // api/auditlog.go
		{"GET", "/api/v1/reports/kpi", false, s.handleKPI},        // api/reports.go
		{"GET", "/api/v1/tasks", false, s.handleListTasks},        // api/list.go
		{"POST", "/api/v1/tasks/{id}/complete", false, s.handleCompleteTask},
		{"GET", "/api/v1/announcements", false, s.handleListAnnouncements},                 // api/announcements.go
		{"POST", "/api/v1/announcements", false, s.handleCreateAnnouncement},               // api/announcements.go
		{"GET", "/api/v1/announcements/{id}", false, s.handleGetAnnouncement},              // api/announcements.go
		{"POST", "/api/v1/announcements/{id}/resolve", false, s.handleResolveAnnouncement}, // api/announcements.go
		{"GET", "/api/v1/notifications", false, s.handleListNotifications},                 // api/notifications.go
		{"POST", "/api/v1/notifications/{id}/read", false, s.handleReadNotification},       // api/notifications.go
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	for _, rt := range s.table() {
		h := rt.handler
		if !rt.public {
			// authenticated, rate limited, authorized (api/policy.go)
			h = s.guard(rt.method, rt.path, h)
		}
		m.HandleFunc(rt.method+" "+rt.path, h)
	}
	// Everything else: 404 or 405 as a problem (api/middleware.go).
	m.HandleFunc("/", s.notRouted)
	s.mux = m
}

// ServeHTTP implements http.Handler: security headers, panic recovery,
// logging of refusals (api/middleware.go) and the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	// The API serves JSON only: nothing in an answer may load or run.
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	ex, r := track(w, r)
	start := time.Now()
	defer func() {
		took := time.Since(start)
		s.metrics.observe(r, ex.status, took)
		s.logRequest(ex, r, took)
	}()
	defer s.logRefusal(ex, r)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
			if ex.status == 0 { // else the answer has begun and cannot be changed
				writeProblem(ex, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
			}
		}
	}()
	s.mux.ServeHTTP(ex, r)
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	writeJSON(w, http.StatusOK, struct {
		Username    string   `json:"username"`
		DisplayName string   `json:"displayName"`
		Email       string   `json:"email"`
		Roles       []string `json:"roles"`
		Unit        string   `json:"unit"`
		Groups      []string `json:"groups"`
	}{u.Username, u.DisplayName, u.Email, roleNames(u), u.Unit, u.Groups})
}

func roleNames(u directory.User) []string {
	out := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		out[i] = string(r)
	}
	return out
}

//go:embed openapi.json
var openAPI []byte
