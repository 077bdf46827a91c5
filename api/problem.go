package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Field names the offending input field of a 400.
	Field string `json:"field,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problem builds a problem whose detail is in the caller's language.
func problem(r *http.Request, status int, field, no, en string) *Problem {
	detail := no
	if english(r) {
		detail = en
	}
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Field: field}
}

// english reports whether the caller prefers English to bokmål.
func english(r *http.Request) bool {
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	return strings.HasPrefix(al, "en")
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	if e, ok := w.(*exchange); ok {
		e.problem = p // for the refusal log (api/middleware.go)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(inOslo(v)) // every time as +01:00/+02:00 (oslo.go)
}

// maxBody is the largest request body accepted (API.md: 413 above 1 MiB).
const maxBody = 1 << 20

// decode reads a JSON body strictly: JSON only, at most 1 MiB, no unknown
// fields, no trailing data. An empty body decodes as {} when allowEmpty.
func decode(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) *Problem {
	if r.ContentLength == 0 && allowEmpty && r.Header.Get("Content-Type") == "" {
		return nil
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return problem(r, http.StatusUnsupportedMediaType, "", "forespørselen må være JSON (Content-Type: application/json)", "the request body must be JSON (Content-Type: application/json)")
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return problem(r, http.StatusBadRequest, "", "forespørselen har data etter JSON-objektet", "unexpected data after the JSON object")
		}
		return nil
	}
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return problem(r, http.StatusRequestEntityTooLarge, "", "forespørselen er større enn 1 MiB", "the request body is larger than 1 MiB")
	case errors.Is(err, io.EOF):
		if allowEmpty {
			return nil
		}
		return problem(r, http.StatusBadRequest, "", "forespørselen mangler innhold", "the request body is empty")
	case errors.As(err, &typeErr):
		field := fieldPath(v, typeErr.Field)
		return problem(r, http.StatusBadRequest, field,
			fmt.Sprintf("feltet %q har feil type", field), fmt.Sprintf("field %q has the wrong type", field))
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return problem(r, http.StatusBadRequest, "", "forespørselen er ikke gyldig JSON", "the request body is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem(r, http.StatusBadRequest, field,
			fmt.Sprintf("ukjent felt %q", field), fmt.Sprintf("unknown field %q", field))
	}
	return problem(r, http.StatusBadRequest, "", "forespørselen kunne ikke leses", "the request body could not be read")
}

// fieldPath is a field as the caller wrote it: encoding/json names a
// field of an embedded struct with the struct's Go name in front
// ("OpenRequest.title"), which the caller never saw.
func fieldPath(v any, field string) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return field
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.Anonymous {
			if rest, ok := strings.CutPrefix(field, f.Name+"."); ok {
				return rest
			}
		}
	}
	return field
}

// isJSON reports whether a Content-Type names JSON.
func isJSON(ct string) bool {
	mt := strings.TrimSpace(strings.Split(ct, ";")[0])
	return strings.EqualFold(mt, "application/json")
}

// fail answers a desk method's error: a refusal as the problem of its
// kind, in the caller's language, anything else as a 500 without
// internals (logged).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := desk.AsError(err)
	if !ok {
		s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	status := map[desk.Kind]int{
		desk.Invalid:         http.StatusBadRequest,
		desk.Forbidden:       http.StatusForbidden,
		desk.NotFound:        http.StatusNotFound,
		desk.Conflict:        http.StatusConflict,
		desk.Busy:            http.StatusServiceUnavailable,
		desk.Unavailable:     http.StatusServiceUnavailable,
		desk.Unauthenticated: http.StatusUnauthorized,
	}[e.Kind]
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusServiceUnavailable {
		if _, bare := err.(*desk.Error); !bare {
			// A refusal with a cause (a read that could not be recorded):
			// the operator needs the cause.
			s.log.ErrorContext(r.Context(), "request refused for now", "path", r.URL.Path, "error", err)
		}
		w.Header().Set("Retry-After", "5")
	}
	writeProblem(w, problem(r, status, e.Field, e.Message, e.English))
}
