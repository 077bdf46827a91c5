package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// What the desk answers, as a page shows it. Forms carry the API's field
// names, so a refusal naming a field lands beside that field.

// Refused puts a refusal of the desk on the page's form: beside the field
// it names, or, when the form has no such field, on its first field
// (fields lists the form's fields in order) so the summary still links
// somewhere. It says with which status the form is shown again; ok is
// false for an error that is no refusal (an internal failure), which the
// page answers with deskFailure instead.
func (v *view) Refused(err error, fields ...string) (status int, ok bool) {
	e, isRefusal := desk.AsError(err)
	if !isRefusal {
		return 0, false
	}
	if v.Form == nil {
		v.Form = &Form{}
	}
	field := e.Field
	if !slices.Contains(fields, field) && len(fields) > 0 {
		field = fields[0]
	}
	v.Form.Fail(field, e.Text(v.Lang == i18n.EN))
	return refusalStatus(e.Kind), true
}

// refusalStatus is the HTTP status of a refusal's kind, as the JSON API
// answers it.
func refusalStatus(k desk.Kind) int {
	switch k {
	case desk.Invalid:
		return http.StatusBadRequest
	case desk.Forbidden:
		return http.StatusForbidden
	case desk.NotFound:
		return http.StatusNotFound
	case desk.Conflict:
		return http.StatusConflict
	case desk.Busy, desk.Unavailable:
		return http.StatusServiceUnavailable
	case desk.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// deskFailure answers a desk error that no form shows: a case or task the
// user may not see is the not-found page (as if it did not exist), a
// refusal the forbidden page, a busy engine "try again", anything else
// the internal-error page (logged).
func (s *Server) deskFailure(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := desk.AsError(err)
	if !ok {
		s.log.ErrorContext(r.Context(), "web: the desk failed", "path", r.URL.Path, "error", err)
		s.errorPage(w, r, http.StatusInternalServerError, "")
		return
	}
	switch e.Kind {
	case desk.NotFound:
		s.errorPage(w, r, http.StatusNotFound, "")
	case desk.Forbidden:
		s.errorPage(w, r, http.StatusForbidden, "")
	case desk.Busy, desk.Unavailable:
		var cause interface{ Unwrap() []error }
		if errors.As(err, &cause) {
			s.log.ErrorContext(r.Context(), "web: refused for now", "path", r.URL.Path, "error", err)
		}
		w.Header().Set("Retry-After", "5")
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.busy")
	default:
		s.errorPage(w, r, refusalStatus(e.Kind), "error.refused", e.Text(visitOf(r).lang == i18n.EN))
	}
}
