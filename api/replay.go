package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(r *http.Request, name string) (time.Time, *Problem) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, problem(r, http.StatusBadRequest, name, name+" må være et tidspunkt i RFC 3339 (2026-11-24T09:00:00+01:00)",
			name+" must be an RFC 3339 time (2026-11-24T09:00:00+01:00)")
	}
	return t, nil
}

// handleCaseState answers GET /cases/{ref}/state?asOf=T: the case as it
// was at T, folded from its events by the same code as everywhere else.
func (s *Server) handleCaseState(w http.ResponseWriter, r *http.Request) {
	asOf, p := queryTime(r, "asOf")
	if p != nil {
		writeProblem(w, p)
		return
	}
	if asOf.IsZero() {
		asOf = time.Now()
	}
	c, p := s.visibleCase(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	if !s.recordRead(w, r, audit.ReadState, c.ID) {
		return
	}
	then, _, err := audit.CaseAsOf(r.Context(), s.store, c.ID, asOf)
	if errors.Is(err, errNoCase) {
		writeProblem(w, problem(r, http.StatusNotFound, "asOf", "saken fantes ikke ennå på det tidspunktet", "the case did not exist yet at that time"))
		return
	}
	if err != nil {
		s.internalError(w, r, "fold case for state", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		AsOf time.Time     `json:"asOf"`
		Case helpdesk.Case `json:"case"`
	}{asOf, then.VisibleTo(s.actor(r))})
}

// handleAuditExport streams every event recorded in [from, to) as JSON
// Lines, in global order, in constant memory (internal/audit, shared with
// brukerhjelp audit export).
func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request) {
	from, p := queryTime(r, "from")
	if p == nil {
		var to time.Time
		if to, p = queryTime(r, "to"); p == nil && !to.IsZero() && to.Before(from) {
			p = problem(r, http.StatusBadRequest, "to", "to er før from", "to is before from")
		}
		if p == nil {
			if !s.recordRead(w, r, audit.ReadExport, "") {
				return
			}
			w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
			flusher, _ := w.(http.Flusher)
			flush := func() {
				if flusher != nil {
					flusher.Flush()
				}
			}
			// The status is sent; a cut-off export ends without its last
			// line, which a reader notices.
			if err := audit.Export(r.Context(), s.store, w, from, to, flush); err != nil && r.Context().Err() == nil {
				s.log.Error("audit export", "error", err)
			}
			return
		}
	}
	writeProblem(w, p)
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what, "path", r.URL.Path, "error", err)
	writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
}
