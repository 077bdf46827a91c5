package api

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
)

// recordTimeout bounds how long a read waits for its record: a store too
// slow to take it answers 503 instead of a hanging request.
const recordTimeout = 3 * time.Second

// maxQueryLen bounds the query string kept in the record.
const maxQueryLen = 500

// recordRead puts a read of the record on the record before it is
// answered (docs/SECURITY.md, "Reads of the record are recorded"): who,
// what, which case, with which query. If the record cannot be written the
// read is refused with 503 and recordRead reports false: an auditor's
// read nobody can see afterwards is worse than a read refused.
func (s *Server) recordRead(w http.ResponseWriter, r *http.Request, what, caseID string) bool {
	u := userFrom(r.Context())
	q := r.URL.RawQuery
	if len(q) > maxQueryLen {
		q = q[:maxQueryLen]
	}
	rd := audit.AuditRead{Actor: u.Username, Roles: roleNames(u), What: what, CaseID: caseID, Ref: r.PathValue("ref"),
		Query: q, At: time.Now().UTC(), RequestID: uuid.NewString()}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), recordTimeout)
	defer cancel()
	if err := s.reads.Record(ctx, rd); err != nil {
		s.log.Error("audit read not recorded; read refused", "user", u.Username, "what", what, "case", caseID, "error", err)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, problem(r, http.StatusServiceUnavailable, "",
			"lesingen kunne ikke loggføres, og blir derfor ikke utført; prøv igjen", "the read could not be recorded, so it is not served; try again"))
		return false
	}
	return true
}

// handleAuditReads answers GET /audit/reads?from=&to=: who read the record
// in the period, oldest first. Reading it is recorded too.
func (s *Server) handleAuditReads(w http.ResponseWriter, r *http.Request) {
	from, to, p := queryPeriod(r, time.Now(), audit.MaxDays)
	if p != nil {
		writeProblem(w, p)
		return
	}
	if !s.recordRead(w, r, audit.ReadAuditReads, "") {
		return
	}
	reads, err := audit.Reads(r.Context(), s.store, from, to)
	if err != nil {
		s.internalError(w, r, "list audit reads", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		From  time.Time            `json:"from"`
		To    time.Time            `json:"to"`
		Reads []audit.RecordedRead `json:"reads"`
	}{from, to, reads})
}
