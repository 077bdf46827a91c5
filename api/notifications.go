package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Notifications is what the notification endpoints read and write: the
// caller's in-app notifications in the read model, which the projector
// writes a moment after the record. *readmodel.DB implements it.
type Notifications interface {
	ListNotifications(ctx context.Context, f readmodel.NotificationFilter) (readmodel.NotificationPage, error)
	MarkNotificationRead(ctx context.Context, recipient, id string, at time.Time) (readmodel.Notification, error)
}

// handleListNotifications answers GET /api/v1/notifications: a page of
// the caller's own notifications, newest first; ?unread=true leaves out
// those marked read.
func (s *Server) handleListNotifications(w http.ResponseWriter, r *http.Request) {
	if s.notes == nil {
		writeProblem(w, notificationsUnavailable(r))
		return
	}
	q, p := strictQuery(r, "unread", "limit", "cursor")
	if p != nil {
		writeProblem(w, p)
		return
	}
	f := readmodel.NotificationFilter{Recipient: s.actor(r).Username, Cursor: q.Get("cursor")}
	switch q.Get("unread") {
	case "", "false":
	case "true":
		f.UnreadOnly = true
	default:
		writeProblem(w, badParam(r, "unread", "unread må være true eller false", "unread must be true or false"))
		return
	}
	n, p := queryLimit(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	f.Limit = n
	page, err := s.notes.ListNotifications(r.Context(), f)
	s.writePage(w, r, "list notifications", page, err)
}

// handleReadNotification answers POST /api/v1/notifications/{id}/read:
// marks one of the caller's notifications read and returns it. Someone
// else's is 404, exactly as one that does not exist. Marking it again
// changes nothing.
func (s *Server) handleReadNotification(w http.ResponseWriter, r *http.Request) {
	if s.notes == nil {
		writeProblem(w, notificationsUnavailable(r))
		return
	}
	var body struct{}
	if p := decode(w, r, &body, true); p != nil {
		writeProblem(w, p)
		return
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeProblem(w, badParam(r, "id", "id må være en varsel-ID (UUID)", "id must be a notification id (a UUID)"))
		return
	}
	n, err := s.notes.MarkNotificationRead(r.Context(), s.actor(r).Username, id.String(), time.Now().UTC())
	if errors.Is(err, readmodel.ErrNoNotification) {
		writeProblem(w, problem(r, http.StatusNotFound, "", "varselet finnes ikke", "no such notification"))
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "mark notification read", "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func notificationsUnavailable(r *http.Request) *Problem {
	return problem(r, http.StatusServiceUnavailable, "", "varsler er ikke tilgjengelige: lesemodellen er ikke koblet til",
		"notifications are unavailable: no read model is configured")
}
