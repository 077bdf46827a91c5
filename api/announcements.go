package api

import (
	"bytes"
	"io"
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Announcements: operations post maintenance notices and outages
// (docs/ANNOUNCEMENTS.md).

// announcementList is the answer of GET /api/v1/announcements.
type announcementList struct {
	Items []helpdesk.Announcement `json:"items"`
}

func (s *Server) handleCreateAnnouncement(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, problem(r, http.StatusRequestEntityTooLarge, "", "forespørselen er større enn 1 MiB", "the request body is larger than 1 MiB"))
		return
	}
	var req helpdesk.AnnouncementRequest
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if p := decode(w, r, &req, false); p != nil {
		writeProblem(w, p)
		return
	}
	a, err := s.desk.Announce(r.Context(), s.actor(r), desk.NewAnnouncement{Request: req,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), Fingerprint: fingerprint(raw)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/announcements/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) handleListAnnouncements(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "active", "limit")
	if p != nil {
		writeProblem(w, p)
		return
	}
	var f desk.AnnouncementFilter
	switch v := q.Get("active"); v {
	case "":
	case "true", "false":
		active := v == "true"
		f.Active = &active
	default:
		writeProblem(w, badParam(r, "active", "active må være true eller false", "active must be true or false"))
		return
	}
	var err error
	if f.Limit, err = desk.ParseLimit(q.Get("limit")); err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.desk.ListAnnouncements(r.Context(), s.actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, announcementList{Items: items})
}

func (s *Server) handleGetAnnouncement(w http.ResponseWriter, r *http.Request) {
	a, err := s.desk.Announcement(r.Context(), s.actor(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleResolveAnnouncement(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Comment string `json:"comment"`
	}
	if p := decode(w, r, &body, true); p != nil {
		writeProblem(w, p)
		return
	}
	a, err := s.desk.ResolveOutage(r.Context(), s.actor(r), r.PathValue("id"), body.Comment)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
