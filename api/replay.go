package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/query"
)

// queryTime reads an optional RFC 3339 query parameter (internal/query).
func queryTime(r *http.Request, q url.Values, name string) (time.Time, *Problem) {
	t, err := query.Time(name, q.Get(name))
	if se, ok := helpdesk.AsStepError(err); ok {
		return t, problem(r, http.StatusBadRequest, se.Field, se.Message, se.English)
	}
	return t, nil
}

// handleCaseState answers GET /cases/{ref}/state?asOf=T: the case as it
// was at T.
func (s *Server) handleCaseState(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "asOf")
	if p != nil {
		writeProblem(w, p)
		return
	}
	asOf, p := queryTime(r, q, "asOf")
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
	q, p := strictQuery(r, "from", "to")
	if p != nil {
		writeProblem(w, p)
		return
	}
	from, p := queryTime(r, q, "from")
	if p != nil {
		writeProblem(w, p)
		return
	}
	to, p := queryTime(r, q, "to")
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
