package api

import (
	"net/http"
	"time"

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
// was at T.
func (s *Server) handleCaseState(w http.ResponseWriter, r *http.Request) {
	asOf, p := queryTime(r, "asOf")
	if p != nil {
		writeProblem(w, p)
		return
	}
	then, at, err := s.desk.CaseAsOf(r.Context(), s.actor(r), r.PathValue("ref"), asOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		AsOf time.Time     `json:"asOf"`
		Case helpdesk.Case `json:"case"`
	}{at, then})
}

// handleAuditExport streams every event recorded in [from, to) as JSON
// Lines, in global order, in constant memory.
func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request) {
	from, p := queryTime(r, "from")
	if p != nil {
		writeProblem(w, p)
		return
	}
	to, p := queryTime(r, "to")
	if p != nil {
		writeProblem(w, p)
		return
	}
	export, err := s.desk.Export(r.Context(), s.actor(r), from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	// The status is sent; a cut-off export ends without its last line,
	// which a reader notices.
	if err := export(r.Context(), w, flush); err != nil && r.Context().Err() == nil {
		s.log.ErrorContext(r.Context(), "audit export", "error", err)
	}
}
