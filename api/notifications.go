package api

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
)

// handleListNotifications answers GET /api/v1/notifications: a page of
// the caller's own notifications, newest first; ?unread=true leaves out
// those marked read.
func (s *Server) handleListNotifications(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "unread", "limit", "cursor")
	if p != nil {
		writeProblem(w, p)
		return
	}
	f := desk.NotificationFilter{Cursor: q.Get("cursor")}
	switch q.Get("unread") {
	case "", "false":
	case "true":
		f.UnreadOnly = true
	default:
		writeProblem(w, badParam(r, "unread", "unread må være true eller false", "unread must be true or false"))
		return
	}
	var err error
	if f.Limit, err = desk.ParseLimit(q.Get("limit")); err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.desk.ListNotifications(r.Context(), s.actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// handleReadNotification answers POST /api/v1/notifications/{id}/read:
// marks one of the caller's notifications read and returns it.
func (s *Server) handleReadNotification(w http.ResponseWriter, r *http.Request) {
	var body struct{}
	if p := decode(w, r, &body, true); p != nil {
		writeProblem(w, p)
		return
	}
	n, err := s.desk.MarkNotificationRead(r.Context(), s.actor(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
