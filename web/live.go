package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
	"github.com/brukerhjelp/brukerhjelp/web/session"
)

// liveHeartbeat is how often an idle live stream says it is alive (and
// checks its session is): proxies close quiet connections.
var liveHeartbeat = 20 * time.Second

// liveMessage is one change as a page gets it: the data of an SSE event
// "change". Text says it in the user's language, for the aria-live
// region; it is empty for a change not worth reading out.
type liveMessage struct {
	Kind      string    `json:"kind"`
	ID        string    `json:"id"`
	Reference string    `json:"reference,omitempty"`
	Status    string    `json:"status,omitempty"`
	Revision  uint64    `json:"revision"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actorName"`
	At        time.Time `json:"at"`
	Text      string    `json:"text,omitempty"`
}

// live is GET /live: server-sent events of the changes the signed-in user
// may see, as the projection commits them (internal/live). Without
// parameters every change they may see; case=<id or reference> (repeated)
// narrows it to those cases, kind=case or kind=announcement to one kind.
// Events: "change" (liveMessage), "resync" (changes were missed: read
// afresh) and "ended" (the session ended).
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	if v.user == nil {
		// An EventSource cannot follow a redirect to the sign-in page.
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	if s.cfg.Live == nil {
		http.Error(w, "live updates are off", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	cases, kind := q["case"], q.Get("kind")
	if kind != "" && kind != live.KindCase && kind != live.KindAnnouncement {
		http.Error(w, "kind is case or announcement", http.StatusBadRequest)
		return
	}
	actor := v.actor
	sub := s.cfg.Live.Subscribe(func(c live.Change) bool {
		if kind != "" && c.Kind != kind {
			return false
		}
		if len(cases) > 0 && (c.Kind != live.KindCase || !(slices.Contains(cases, c.ID) || slices.Contains(cases, c.Reference))) {
			return false
		}
		return c.VisibleTo(actor)
	})
	defer sub.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not hold events back
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 5000\n: live\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case c, ok := <-sub.C:
			if !ok {
				return // shutting down
			}
			if sub.Missed() {
				writeEvent(w, "resync", map[string]string{"text": v.lang.T("live.resync")})
			}
			writeEvent(w, "change", s.liveMessage(v.lang, c))
		case <-beat.C:
			// The session may have ended meanwhile (signed out elsewhere,
			// expired, a departure).
			if _, err := s.sessions.Get(r.Context(), v.sess.ID); errors.Is(err, session.ErrNotFound) ||
				s.now().Sub(v.sess.Created) > s.cfg.SessionMaxAge {
				writeEvent(w, "ended", map[string]string{})
				rc.Flush()
				return
			}
			fmt.Fprint(w, ": ping\n\n")
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, name string, data any) {
	b, _ := json.Marshal(data)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
}

// liveMessage says c in l: "Per Johansen tok BH-2026-000042." The texts
// are live.<kind>.<event type>, with the reference (or an announcement's
// title) and who as arguments.
func (s *Server) liveMessage(l i18n.Lang, c live.Change) liveMessage {
	who := l.T("live.system")
	if u, ok := s.cfg.Directory.User(c.Actor); ok {
		who = u.DisplayName
	} else if c.Actor != "" && c.Actor != "system" {
		who = c.Actor
	}
	// Only what a person would want read out is said (a claim, a reply);
	// bookkeeping (the SLA clock starting, pausing) changes the page but
	// says nothing, so it does not talk over what just happened.
	var text string
	subject := c.Reference // a case by its reference, an announcement by its title
	if c.Kind == live.KindAnnouncement {
		subject = c.Title
	}
	if key := "live." + c.Kind + "." + c.Type; l.Has(key) {
		text = l.T(key, subject, who)
	}
	return liveMessage{Kind: c.Kind, ID: c.ID, Reference: c.Reference, Status: c.Status, Revision: c.Revision, Type: c.Type,
		Actor: c.Actor, ActorName: who, At: c.At, Text: text}
}
