// Package web is the help desk's HTML door: server-rendered pages
// (html/template), styled with Digdir's Designsystemet and made faster and
// live with htmx and server-sent events, every action working as a plain
// form without JavaScript. It signs people in (a demo-user form in dev
// mode, OpenID Connect in production) into server-side sessions, guards
// every state-changing form with a CSRF token, speaks bokmål and English,
// and serves its embedded assets. docs/WEB.md describes it; API.md
// section 9 is its contract.
//
// Each page is a handler in a file of its own with its template beside
// it (home.go and home.html), rendered inside layout.html.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
	"github.com/brukerhjelp/brukerhjelp/web/session"
)

// Config wires the web door.
type Config struct {
	// Directory knows who may sign in (required).
	Directory *directory.Directory
	// Store is the record. When set, a departure disables the account
	// (people.Resolve, as the JSON API checks it) and users that new-user
	// cases created may sign in from their start date.
	Store people.Reader
	// Desk is the application layer the pages call (internal/desk). When
	// set, the signed-in user's actor is the desk's (Desk.Actor, which
	// also refuses an account a departure disabled), as the JSON API's is.
	Desk *desk.Desk
	// Sessions keeps the sessions; nil keeps them in memory, which only
	// suits a single process (dev, tests). Replicas share session.SQL.
	Sessions session.Store
	// DevLogin offers every directory user at GET /login, signed in by
	// POST /login with no password: `brukerhjelp dev` only.
	DevLogin bool
	// OIDC signs users in with OpenID Connect (production; NewOIDC).
	// With neither DevLogin nor OIDC, pages that need a session say that
	// sign-in is not set up (503).
	OIDC *OIDC
	// InsecureCookie leaves the Secure flag off the cookies: only for dev
	// on a loopback address, where the browser speaks plain HTTP.
	InsecureCookie bool
	// PublicURL is the address users reach the pages at
	// (https://brukerhjelp.fylke.no), when known: a form posted from it
	// passes the cross-origin check even behind a proxy that rewrites
	// Host, and https there turns on Strict-Transport-Security.
	PublicURL string
	// Live feeds GET /live, the pages' live updates; nil turns them off.
	Live *live.Broker
	// Logger logs requests and failures; nil means slog.Default().
	Logger *slog.Logger
	// SessionIdle ends a session unused this long (30 min);
	// SessionMaxAge ends any session this old (10 h: a working day).
	SessionIdle, SessionMaxAge time.Duration
	// Now is the clock; nil means time.Now (tests move it).
	Now func() time.Time
}

// Defaults for Config.
const (
	DefaultSessionIdle   = 30 * time.Minute
	DefaultSessionMaxAge = 10 * time.Hour
)

// Server is the web door, an http.Handler for every address that is not
// the JSON API's (/api/, /healthz, /readyz, /metrics).
type Server struct {
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
	sessions   session.Store
	assets     *assets
	mux        *http.ServeMux
	cookieName string
	origins    *http.CrossOriginProtection
	hsts       bool
	// sweep stops the expired-session sweeper.
	sweep context.CancelFunc
}

// New builds the web door. Close stops its background work.
func New(cfg Config) (*Server, error) {
	if cfg.Directory == nil {
		return nil, errors.New("web: the directory is required")
	}
	if cfg.DevLogin && cfg.OIDC != nil {
		return nil, errors.New("web: dev sign-in and OpenID Connect exclude each other")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = DefaultSessionMaxAge
	}
	if cfg.Sessions == nil {
		cfg.Sessions = session.NewMemory()
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, sessions: cfg.Sessions, assets: a, mux: http.NewServeMux(),
		cookieName: "__Host-brukerhjelp", origins: http.NewCrossOriginProtection()}
	if cfg.InsecureCookie {
		// The __Host- prefix needs Secure.
		s.cookieName = "brukerhjelp"
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("web: public URL %q is not an http(s) URL", cfg.PublicURL)
		}
		if err := s.origins.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: public URL: %w", err)
		}
		s.hsts = u.Scheme == "https"
	}
	s.origins.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "web: cross-origin form refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "secFetchSite", r.Header.Get("Sec-Fetch-Site"))
		s.errorPage(w, r, http.StatusForbidden, "error.csrf")
	}))
	s.routes()
	ctx, cancel := context.WithCancel(context.Background())
	s.sweep = cancel
	go s.sweepSessions(ctx)
	return s, nil
}

// routes names every address the door answers. A page is a handler in a
// file of its own; signedIn wraps those that need a session.
func (s *Server) routes() {
	s.mux.Handle("GET /static/", s.assets)
	s.mux.HandleFunc("GET /{$}", s.signedIn(s.home))
	s.mux.HandleFunc("GET /tilgjengelighet", s.accessibility)
	s.mux.HandleFunc("GET /login", s.login)
	s.mux.HandleFunc("POST /login", s.devLogin)
	s.mux.HandleFunc("GET /auth/callback", s.oidcCallback)
	s.mux.HandleFunc("POST /logout", s.logout)
	s.mux.HandleFunc("GET /signed-out", s.signedOut)
	s.mux.HandleFunc("GET /live", s.live)
	for _, add := range pageRoutes {
		add(s)
	}
}

// Close stops the session sweeper. It does not end live streams: close
// the broker for that (on shutdown, before the HTTP server waits for its
// requests).
func (s *Server) Close() { s.sweep() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		id = uuid.NewString()
	}
	r = r.WithContext(logctx.With(r.Context(), id))
	rec := &statusWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "web: panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
			if rec.status == 0 {
				s.errorPage(rec, r, http.StatusInternalServerError, "")
			}
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") || rec.status >= 400 {
			s.log.Log(r.Context(), level, "web request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"user", visitOf(r).username(), "ms", s.now().Sub(start).Milliseconds())
		}
	}()
	s.securityHeaders(rec, r)
	if strings.HasPrefix(r.URL.Path, "/static/") {
		s.mux.ServeHTTP(rec, r)
		return
	}
	v := &visit{requestID: id, lang: s.chooseLang(rec, r)}
	r = r.WithContext(context.WithValue(r.Context(), visitKey{}, v))
	if err := s.loadSession(rec, r, v); err != nil {
		s.log.ErrorContext(r.Context(), "web: reading the session", "error", err)
		s.errorPage(rec, r, http.StatusServiceUnavailable, "")
		return
	}
	s.origins.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.checkCSRF(w, r) {
			return
		}
		s.route(w, r)
	})).ServeHTTP(rec, r)
}

// route hands r to its page, or answers 404 or 405 with a page of the
// layout rather than the mux's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.mux.Handler(r); pattern == "" {
		probe := &headerOnly{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			s.errorPage(w, r, http.StatusMethodNotAllowed, "")
			return
		}
		if probe.status == http.StatusNotFound {
			s.errorPage(w, r, http.StatusNotFound, "")
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// securityHeaders: no inline script or style anywhere, nothing from
// elsewhere, never in a frame. Pages hold personal data: no caching.
func (s *Server) securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if r.TLS != nil || s.hsts {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// statusWriter remembers the status for the request log. It passes
// Flush on (the live stream needs it).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headerOnly takes what the mux's own 404 and 405 handlers write.
type headerOnly struct {
	header http.Header
	status int
}

func (h *headerOnly) Header() http.Header         { return h.header }
func (h *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerOnly) WriteHeader(code int)        { h.status = code }
