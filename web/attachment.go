package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
)

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /cases/{ref}/attachments/{sha256}", s.signedIn(s.attachment))
	})
}

// attachment is GET /cases/{ref}/attachments/{sha256}: a file of a case
// the user may see (Desk.Attachment), as a download that never renders on
// the pages' origin — the same headers as the JSON API's download. A file
// of a case they may not see is not found.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	a, f, err := s.cfg.Desk.Attachment(r.Context(), Actor(r), r.PathValue("ref"), r.PathValue("sha256"))
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	defer f.Close()
	name := a.Name
	if name == "" {
		name = "vedlegg"
	}
	h := w.Header()
	h.Set("Content-Type", a.Type)
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, f)
	}
}
