package api

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
)

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	evs, err := s.desk.History(r.Context(), s.actor(r), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, evs)
}

func (s *Server) handleVerifyCase(w http.ResponseWriter, r *http.Request) {
	res, err := s.desk.VerifyCase(r.Context(), s.actor(r), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleVerifyAll(w http.ResponseWriter, r *http.Request) {
	res, err := s.desk.VerifyAll(r.Context(), s.actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleSLA(w http.ResponseWriter, r *http.Request) {
	ex, err := s.desk.ExplainSLA(r.Context(), s.actor(r), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ex)
}

// handleAuditReads answers GET /audit/reads?from=&to=: who read the record
// in the period, oldest first. Reading it is recorded too.
func (s *Server) handleAuditReads(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	log, err := s.desk.AuditReads(r.Context(), s.actor(r), desk.Period{From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, log)
}
