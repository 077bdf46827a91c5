package api

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
)

// handleUploadAttachment answers POST /api/v1/attachments?name=: the body
// is the file itself (at most 10 MiB); the answer names it by hash for the
// case, comment or reply that uses it (their "attachments").
func (s *Server) handleUploadAttachment(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "name")
	if p != nil {
		writeProblem(w, p)
		return
	}
	body := http.MaxBytesReader(w, r.Body, attachments.MaxUpload)
	a, err := s.desk.UploadAttachment(r.Context(), s.actor(r), q.Get("name"), body)
	if isMaxBytes(err) {
		writeProblem(w, problem(r, http.StatusRequestEntityTooLarge, "", "filen er større enn 10 MiB", "the file is larger than 10 MiB"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

// handleGetAttachment answers GET /api/v1/cases/{ref}/attachments/{sha256}:
// a file of a case the caller may see, as a download that never renders
// in the API's origin.
func (s *Server) handleGetAttachment(w http.ResponseWriter, r *http.Request) {
	a, f, err := s.desk.Attachment(r.Context(), s.actor(r), r.PathValue("ref"), r.PathValue("sha256"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	ServeAttachment(w, r, a.Name, a.Type, a.Size, f)
}
