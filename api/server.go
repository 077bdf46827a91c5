// Package api is Brukerhjelp's JSON door (docs/API.md): it authenticates
// the caller, decodes and checks the shape of each request, calls the
// application layer (internal/desk), which decides everything else, and
// maps its answers to JSON and its refusals to problem+json.
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

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
)

// Config holds what the API depends on.
type Config struct {
	// Desk is the application layer every handler calls.
	Desk *desk.Desk
	Auth Authenticator
	// Collectors add metrics to GET /metrics (the projector's progress).
	Collectors []prometheus.Collector
	// Ready reports whether every part the API needs is up (GET /readyz).
	Ready  func(ctx context.Context) error
	Logger *slog.Logger
	// RateLimit is each user's request budget (api/ratelimit.go); zero
	// means DefaultRateLimit.
	RateLimit RateLimit
	// TemporalUIOrigin is the Temporal Web UI's origin, which may call the
	// payload codec from the browser (api/privacy.go); "" allows none.
	TemporalUIOrigin string
}

// Server serves the HTTP API.
type Server struct {
	desk    *desk.Desk
	metrics *metrics
	auth    Authenticator
	ready   func(ctx context.Context) error
	log     *slog.Logger
	limit   *limiter // api/ratelimit.go; nil: no limit
	mux     *http.ServeMux
	// uiOrigin may call the codec from a browser (api/privacy.go).
	uiOrigin string
}

// New builds the API; every dependency but Ready and Logger is required.
func New(cfg Config) (*Server, error) {
	if cfg.Desk == nil || cfg.Auth == nil {
		return nil, errors.New("api: the desk and an authenticator are required")
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
	s := &Server{desk: cfg.Desk, auth: cfg.Auth, ready: cfg.Ready, log: cfg.Logger, uiOrigin: cfg.TemporalUIOrigin}
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
		{"GET", "/api/v1/cases/{ref}/attachments/{sha256}", false, s.handleGetAttachment}, // api/attachments.go
		{"POST", "/api/v1/attachments", false, s.handleUploadAttachment},                  // api/attachments.go
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
		{"GET", "/api/v1/people", false, s.handleFindPeople},                               // api/privacy.go
		{"GET", "/api/v1/people/{username}/data", false, s.handlePersonData},               // api/privacy.go
		{"POST", "/api/v1/people/{username}/erase", false, s.handleErasePerson},            // api/privacy.go
		{"GET", "/api/v1/cases/{ref}/legal-hold", false, s.handleGetLegalHold},             // api/privacy.go
		{"POST", "/api/v1/cases/{ref}/legal-hold", false, s.handleSetLegalHold},            // api/privacy.go
		{"POST", "/api/v1/cases/{ref}/legal-hold/lift", false, s.handleLiftLegalHold},      // api/privacy.go
		{"POST", "/api/v1/codec/{op}", false, s.handleCodec},                               // api/privacy.go
		{"OPTIONS", "/api/v1/codec/{op}", true, s.handleCodecPreflight},                    // api/privacy.go
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
	p, err := s.desk.Me(s.actor(r), userFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

//go:embed openapi.json
var openAPI []byte
