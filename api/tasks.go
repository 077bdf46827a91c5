package api

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// handleCompleteTask decides an approval or finishes a fulfilment task
// (API.md section 5); the answer is the case after the change.
func (s *Server) handleCompleteTask(w http.ResponseWriter, r *http.Request) {
	var body helpdesk.CompleteRequest
	if p := decode(w, r, &body, false); p != nil {
		writeProblem(w, p)
		return
	}
	c, err := s.desk.CompleteTask(r.Context(), s.actor(r), r.PathValue("id"), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
