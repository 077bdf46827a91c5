package api

import (
	"encoding/json"
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// historyEvent is one entry of a case's history (API.md section 6).
type historyEvent = audit.HistoryEvent

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	c, p := s.visibleCase(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	if !s.recordRead(w, r, audit.ReadHistory, c.ID) {
		return
	}
	evs, err := s.store.ReadStream(r.Context(), helpdesk.Stream(c.ID), 0, 0)
	if err != nil {
		s.log.ErrorContext(r.Context(), "read history", "case", c.ID, "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	actor := userFrom(r.Context()).Actor()
	seesInternal := actor.Has(helpdesk.RoleCaseworker) || actor.Has(helpdesk.RoleAuditor)
	out := make([]historyEvent, 0, len(evs))
	for _, e := range evs {
		if !seesInternal && isInternal(e.Type, e.Data) {
			continue
		}
		out = append(out, audit.HistoryOf(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleVerifyCase(w http.ResponseWriter, r *http.Request) {
	c, p := s.visibleCase(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	if !s.recordRead(w, r, audit.ReadVerifyCase, c.ID) {
		return
	}
	res, err := s.store.Verify(r.Context(), helpdesk.Stream(c.ID))
	if err != nil {
		s.log.ErrorContext(r.Context(), "verify", "case", c.ID, "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleVerifyAll(w http.ResponseWriter, r *http.Request) {
	a := userFrom(r.Context()).Actor()
	if !a.Has(helpdesk.RoleAuditor) && !a.Has(helpdesk.RoleServiceOwner) {
		writeProblem(w, problem(r, http.StatusForbidden, "", "bare revisorer og tjenesteeier kan verifisere hele arkivet", "only auditors and the service owner may verify the whole record"))
		return
	}
	if !s.recordRead(w, r, audit.ReadVerifyAll, "") {
		return
	}
	res, err := s.store.VerifyAll(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "verify all", "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// isInternal reports whether an event is for caseworkers' eyes only.
func isInternal(eventType string, data []byte) bool {
	if eventType != (helpdesk.CommentAdded{}).EventType() {
		return false
	}
	var c helpdesk.CommentAdded
	return json.Unmarshal(data, &c) != nil || c.Internal
}
