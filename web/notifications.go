package web

import (
	"net/http"
	"strconv"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// GET /notifications: the signed-in user's in-app notifications, newest
// first, unread ones marked in words; POST /notifications/{id}/read and
// POST /notifications/read marks one, or every unread one, read. The
// header of every page counts the unread ones (view.Unread).

var notificationsTemplate = parsePage("notifications.html")

type notificationsData struct {
	Items  []readmodel.Notification
	Unread int
	Next   string
}

// UnreadText is the count as the page says it.
func (d notificationsData) UnreadText() string { return unreadText(d.Unread) }

// UnreadCount is the header's count as it says it.
func (v *view) UnreadCount() string { return unreadText(v.Unread) }

// unreadText says n, or "1000+" at the read model's cap: the count stops
// there (readmodel.MaxUnread).
func unreadText(n int) string {
	if n >= readmodel.MaxUnread {
		return strconv.Itoa(readmodel.MaxUnread) + "+"
	}
	return strconv.Itoa(n)
}

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /notifications", s.signedIn(s.notifications))
		s.mux.HandleFunc("POST /notifications/read", s.signedIn(s.readAllNotifications))
		s.mux.HandleFunc("POST /notifications/{id}/read", s.signedIn(s.readNotification))
	})
}

// unread counts the user's unread notifications for the header; 0 when
// it cannot tell (no desk, the read model away): a header never fails a
// page.
func (s *Server) unread(r *http.Request) int {
	if s.cfg.Desk == nil {
		return 0
	}
	page, err := s.cfg.Desk.ListNotifications(r.Context(), Actor(r), desk.NotificationFilter{UnreadOnly: true, Limit: 1})
	if err != nil {
		return 0
	}
	return page.Unread
}

// notifications is GET /notifications[?cursor=].
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	v := s.view(r, "notifications.title")
	page, err := s.cfg.Desk.ListNotifications(r.Context(), Actor(r), desk.NotificationFilter{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	d := notificationsData{Items: page.Items, Unread: page.Unread}
	if page.NextCursor != "" {
		d.Next = "/notifications?cursor=" + page.NextCursor
	}
	v.Data = d
	v.Unread = page.Unread
	if s.cfg.Live != nil {
		v.Live = "/live?kind=case"
	}
	s.render(w, r, http.StatusOK, notificationsTemplate, v)
}

// readNotification is POST /notifications/{id}/read.
func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	if _, err := s.cfg.Desk.MarkNotificationRead(r.Context(), Actor(r), r.PathValue("id")); err != nil {
		s.deskFailure(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// readAllNotifications is POST /notifications/read: every unread one, a
// page of them at a time.
func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	ctx, actor := r.Context(), Actor(r)
	for range 20 {
		page, err := s.cfg.Desk.ListNotifications(ctx, actor, desk.NotificationFilter{UnreadOnly: true, Limit: readmodel.MaxLimit})
		if err != nil {
			s.deskFailure(w, r, err)
			return
		}
		for _, n := range page.Items {
			if _, err := s.cfg.Desk.MarkNotificationRead(ctx, actor, n.ID); err != nil {
				s.deskFailure(w, r, err)
				return
			}
		}
		if page.NextCursor == "" {
			break
		}
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
