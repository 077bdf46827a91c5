package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
)

// exchange is what the middleware learns about one request while it runs:
// who called (auth.go), which action it was (policy.go), how it was
// answered (writeProblem). It exists so refusals are logged in one place.
type exchange struct {
	http.ResponseWriter
	status  int
	user    string
	action  desk.Action
	reason  string // why authentication failed; never sent to the caller
	problem *Problem
}

type exchangeKey struct{}

func (e *exchange) WriteHeader(code int) {
	if e.status == 0 {
		e.status = code
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *exchange) Write(b []byte) (int, error) {
	if e.status == 0 {
		e.status = http.StatusOK
	}
	return e.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (e *exchange) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// Flush keeps streaming answers (JSON Lines) streaming.
func (e *exchange) Flush() {
	if f, ok := e.ResponseWriter.(http.Flusher); ok {
		if e.status == 0 {
			e.status = http.StatusOK
		}
		f.Flush()
	}
}

func exchangeOf(r *http.Request) *exchange {
	e, _ := r.Context().Value(exchangeKey{}).(*exchange)
	return e
}

func noteUser(r *http.Request, user string) {
	if e := exchangeOf(r); e != nil {
		e.user = user
	}
}

func noteAuthFailure(r *http.Request, reason string) {
	if e := exchangeOf(r); e != nil {
		if len(reason) > 300 { // it may quote what the caller sent
			reason = strings.ToValidUTF8(reason[:300], "") + "…"
		}
		e.reason = reason
	}
}

func noteAction(r *http.Request, a desk.Action) {
	if e := exchangeOf(r); e != nil {
		e.action = a
	}
}

// track starts an exchange for r. The request's context carries its
// correlation ID (internal/logctx), so every line logged about it names
// the ID; the answer names it too (X-Correlation-ID).
func track(w http.ResponseWriter, r *http.Request) (*exchange, *http.Request) {
	e := &exchange{ResponseWriter: w}
	id := requestCorrelationID(r)
	w.Header().Set("X-Correlation-ID", id)
	ctx := logctx.With(r.Context(), id)
	return e, r.WithContext(context.WithValue(ctx, exchangeKey{}, e))
}

// requestCorrelationID is the caller's X-Correlation-ID when it is a
// sensible one (1–100 printable ASCII characters, no spaces), else a new
// UUID.
func requestCorrelationID(r *http.Request) string {
	id := r.Header.Get("X-Correlation-ID")
	if id == "" || len(id) > 100 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return uuid.NewString()
	}
	return id
}

// noteRequestedCase names the case a case route asked for when the
// handler did not resolve it to its reference (bad reference, 404, a
// refusal before the lookup). The log encoder escapes it.
func noteRequestedCase(r *http.Request) {
	ref := r.PathValue("ref")
	if ref == "" {
		return
	}
	if _, known := logctx.Fields(r.Context()); known == "" {
		if len(ref) > 100 {
			ref = strings.ToValidUTF8(ref[:100], "")
		}
		logctx.SetCaseRef(r.Context(), ref)
	}
}

// quietRoutes are polled by machines (probes, scrapers); their request log
// lines are at debug level so they do not drown the rest.
var quietRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// logRequest writes one line per answered request: the route pattern,
// status, time taken and the caller. The request's context adds the
// correlation ID and, for a case route, the case reference (logctx).
func (s *Server) logRequest(e *exchange, r *http.Request, took time.Duration) {
	noteRequestedCase(r)
	status := e.status
	if status == 0 {
		status = http.StatusOK
	}
	user := e.user
	if user == "" {
		user = "-"
	}
	level := slog.LevelInfo
	if quietRoutes[r.Pattern] {
		level = slog.LevelDebug
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
		slog.Int("status", status), slog.Float64("durationMs", float64(took.Microseconds())/1000),
		slog.String("user", user), slog.String("remote", r.RemoteAddr))
}

// logRefusal logs a refused request with user, action and resource. A 404
// is logged too because a case the caller may not see answers 404.
func (s *Server) logRefusal(e *exchange, r *http.Request) {
	level, ok := refusalLevel(e.status)
	if !ok {
		return
	}
	noteRequestedCase(r)
	user := e.user
	if user == "" {
		user = "-"
	}
	attrs := []any{"status", e.status, "user", user, "action", string(e.action),
		"method", r.Method, "resource", r.URL.Path, "remote", r.RemoteAddr}
	if e.problem != nil && e.problem.Detail != "" {
		attrs = append(attrs, "detail", e.problem.Detail)
	}
	if e.reason != "" {
		attrs = append(attrs, "reason", e.reason)
	}
	s.log.Log(r.Context(), level, "request refused", attrs...)
}

// probeMethods are the methods tried when a path exists but not for the
// request's method.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// notRouted answers what no route matched: 405 with Allow when the path
// exists for other methods, else 404, both as problems. Under /api/ the
// caller must be authenticated first, so unknown endpoints are not
// revealed to strangers.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request) {
	answer := func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 && !slices.Contains(allow, r.Method) {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeProblem(w, problem(r, http.StatusMethodNotAllowed, "",
				"metoden "+r.Method+" er ikke tillatt her; tillatt: "+strings.Join(allow, ", "),
				"method "+r.Method+" is not allowed here; allowed: "+strings.Join(allow, ", ")))
			return
		}
		writeProblem(w, problem(r, http.StatusNotFound, "", "ukjent adresse", "no such endpoint"))
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.authenticated(answer)(w, r)
		return
	}
	answer(w, r)
}
