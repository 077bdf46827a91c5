package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
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
	evs, err := s.store.ReadStream(r.Context(), helpdesk.Stream(c.ID), 0, 0)
	if err != nil {
		s.internalError(w, r, "read case for state", err)
		return
	}
	var upTo []eventstore.RecordedEvent
	for _, e := range evs {
		var m helpdesk.Metadata
		if json.Unmarshal(e.Metadata, &m) == nil && m.OccurredAt.After(asOf) {
			break
		}
		upTo = append(upTo, e)
	}
	then, err := fold(upTo)
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

// exportLine is one event of GET /audit/export.
type exportLine struct {
	Stream     string          `json:"stream"`
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Revision   uint64          `json:"revision"`
	Position   uint64          `json:"position"`
	RecordedAt time.Time       `json:"recordedAt"`
	Data       json.RawMessage `json:"data"`
	Metadata   json.RawMessage `json:"metadata"`
	Hash       string          `json:"hash"`
	PrevHash   string          `json:"prevHash"`
}

// exportPage bounds memory: the export streams page by page.
const exportPage = 1000

// handleAuditExport streams every event recorded in [from, to) as JSON
// Lines, in global order, in constant memory.
func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request) {
	from, p := queryTime(r, "from")
	if p == nil {
		var to time.Time
		if to, p = queryTime(r, "to"); p == nil && !to.IsZero() && to.Before(from) {
			p = problem(r, http.StatusBadRequest, "to", "to er før from", "to is before from")
		}
		if p == nil {
			s.export(w, r, from, to)
			return
		}
	}
	writeProblem(w, p)
}

func (s *Server) export(w http.ResponseWriter, r *http.Request, from, to time.Time) {
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	flusher, _ := w.(http.Flusher)
	var after uint64
	for {
		evs, err := s.store.ReadAll(r.Context(), after, exportPage, eventstore.Filter{})
		if err != nil {
			// The status is sent; a cut-off export ends without its last
			// line, which a reader notices.
			s.log.ErrorContext(r.Context(), "audit export", "error", err)
			return
		}
		for _, e := range evs {
			after = e.Position
			if (!from.IsZero() && e.RecordedAt.Before(from)) || (!to.IsZero() && !e.RecordedAt.Before(to)) {
				continue
			}
			line := exportLine{Stream: e.Stream, ID: e.ID.String(), Type: e.Type, Revision: e.Revision, Position: e.Position,
				RecordedAt: e.RecordedAt, Data: e.Data, Metadata: e.Metadata, Hash: e.Hash, PrevHash: e.PrevHash}
			if len(line.Metadata) == 0 {
				line.Metadata = json.RawMessage("{}")
			}
			if err := enc.Encode(line); err != nil {
				return // the client went away
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		if len(evs) < exportPage {
			return
		}
	}
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what, "path", r.URL.Path, "error", err)
	writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
}
