// Package logctx carries what every log line about one piece of work must
// name — the correlation ID and, once known, the case reference — in a
// context, and adds them to each slog record logged with that context.
//
// The fields live behind one pointer in the context, so a handler that
// learns the case reference late (after resolving a UUID, after opening a
// case) can note it and the request's closing log line still carries it.
package logctx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// Attribute names, as they appear in the JSON log lines.
const (
	CorrelationIDKey = "correlationId"
	CaseRefKey       = "caseRef"
)

type fields struct {
	mu            sync.Mutex
	correlationID string
	caseRef       string
}

type key struct{}

// With returns a context whose log lines carry correlationID.
func With(ctx context.Context, correlationID string) context.Context {
	return context.WithValue(ctx, key{}, &fields{correlationID: correlationID})
}

// SetCaseRef notes the case reference of the work ctx belongs to; it does
// nothing on a context not made by With.
func SetCaseRef(ctx context.Context, ref string) {
	if f, ok := ctx.Value(key{}).(*fields); ok && ref != "" {
		f.mu.Lock()
		f.caseRef = ref
		f.mu.Unlock()
	}
}

// CorrelationID is the correlation ID ctx carries, or "".
func CorrelationID(ctx context.Context) string {
	id, _ := Fields(ctx)
	return id
}

// Fields returns the correlation ID and case reference ctx carries.
func Fields(ctx context.Context) (correlationID, caseRef string) {
	if ctx == nil {
		return "", ""
	}
	f, ok := ctx.Value(key{}).(*fields)
	if !ok {
		return "", ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.correlationID, f.caseRef
}

// Handler wraps h so every record logged with a context made by With gets
// the correlationId and caseRef attributes (when set).
func Handler(h slog.Handler) slog.Handler {
	if _, ok := h.(handler); ok {
		return h
	}
	return handler{h}
}

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id, ref := Fields(ctx); id != "" || ref != "" {
		r = r.Clone()
		if id != "" {
			r.AddAttrs(slog.String(CorrelationIDKey, id))
		}
		if ref != "" {
			r.AddAttrs(slog.String(CaseRefKey, ref))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler { return handler{h.Handler.WithAttrs(as)} }
func (h handler) WithGroup(name string) slog.Handler    { return handler{h.Handler.WithGroup(name)} }

// Formats are the log formats the processes accept.
var Formats = []string{"json", "text"}

// New is the processes' logger: JSON lines (production's default, for log
// collectors) or slog's key=value text (dev's default), at level, wrapped
// by Handler.
func New(w io.Writer, format string, level slog.Leveler) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case "json", "":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("unknown log format %q: use json or text", format)
	}
	return slog.New(Handler(h)), nil
}
