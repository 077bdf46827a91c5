package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
	"github.com/brukerhjelp/brukerhjelp/web/session"
)

// visit is what the door knows of one request: its language, its
// session (nil without one) and, once signed in, the user.
type visit struct {
	requestID string
	lang      i18n.Lang
	sess      *session.Session
	user      *directory.User
	actor     helpdesk.Actor
	// expired is set when the request's session had run out.
	expired bool
}

type visitKey struct{}

// visitOf returns the request's visit; a request that did not come
// through ServeHTTP gets an empty one in bokmål.
func visitOf(r *http.Request) *visit {
	if v, ok := r.Context().Value(visitKey{}).(*visit); ok {
		return v
	}
	return &visit{lang: i18n.NB}
}

func (v *visit) username() string {
	if v == nil || v.user == nil {
		return ""
	}
	return v.user.Username
}

// User is the signed-in user of r, for page handlers; ok is false on a
// request without a signed-in session (signedIn pages never see one).
func User(r *http.Request) (directory.User, bool) {
	v := visitOf(r)
	if v.user == nil {
		return directory.User{}, false
	}
	return *v.user, true
}

// Actor is the signed-in user of r as the domain sees them today,
// including whom they stand in for as a deputy: what the application
// layer's commands and queries take.
func Actor(r *http.Request) helpdesk.Actor { return visitOf(r).actor }

// Lang is the language r's page is written in.
func Lang(r *http.Request) i18n.Lang { return visitOf(r).lang }

// Session data keys.
const (
	dataRoles    = "roles"  // roles the identity provider granted, comma-separated
	dataGroups   = "groups" // caseworker groups likewise
	dataState    = "oidc.state"
	dataNonce    = "oidc.nonce"
	dataVerifier = "oidc.verifier"
	dataNext     = "next"
)

// touchEvery is how stale a session's last use may be before it is
// written again: idle expiry is checked to the minute, not to the
// request, so a busy page does not write on every request.
const touchEvery = time.Minute

// loadSession reads the session the request's cookie names into v,
// ending it if it has expired or its user may no longer sign in.
func (s *Server) loadSession(w http.ResponseWriter, r *http.Request, v *visit) error {
	c, err := r.Cookie(s.cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	ctx := r.Context()
	sess, err := s.sessions.Get(ctx, c.Value)
	if errors.Is(err, session.ErrNotFound) {
		s.clearCookie(w)
		return nil
	}
	if err != nil {
		return err
	}
	now := s.now()
	if now.Sub(sess.Seen) > s.cfg.SessionIdle || now.Sub(sess.Created) > s.cfg.SessionMaxAge {
		v.expired = sess.Username != ""
		s.end(w, r, sess.ID)
		return nil
	}
	if sess.Username != "" {
		u, ok, err := s.resolve(ctx, sess.Username, sess.Data)
		if err != nil {
			return err
		}
		if !ok {
			// A departure took effect, or the user left the directory.
			s.log.WarnContext(ctx, "web: session ended: the user may no longer sign in", "user", sess.Username)
			s.end(w, r, sess.ID)
			return nil
		}
		actor, err := s.actorOf(ctx, u)
		if desk.IsKind(err, desk.Unauthenticated) {
			s.log.WarnContext(ctx, "web: session ended: the desk refuses the account", "user", sess.Username)
			s.end(w, r, sess.ID)
			return nil
		}
		if err != nil {
			return err
		}
		v.user, v.actor = &u, actor
	}
	if now.Sub(sess.Seen) >= touchEvery {
		if err := s.sessions.Touch(ctx, sess.ID, now); err != nil && !errors.Is(err, session.ErrNotFound) {
			return err
		}
		sess.Seen = now
	}
	v.sess = &sess
	return nil
}

// admit is username as they may sign in: the user, and ok false when
// they may not (unknown, or disabled by a departure, by the record or by
// the desk).
func (s *Server) admit(ctx context.Context, username string, data map[string]string) (directory.User, bool, error) {
	u, ok, err := s.resolve(ctx, username, data)
	if err != nil || !ok {
		return u, ok, err
	}
	if _, err := s.actorOf(ctx, u); desk.IsKind(err, desk.Unauthenticated) {
		return directory.User{}, false, nil
	} else if err != nil {
		return directory.User{}, false, err
	}
	return u, true, nil
}

// actorOf is u as the domain sees them today, with whom they deputise
// for: the desk's when there is one (the same the JSON API decides with),
// else the directory's.
func (s *Server) actorOf(ctx context.Context, u directory.User) (helpdesk.Actor, error) {
	if s.cfg.Desk != nil {
		return s.cfg.Desk.Actor(ctx, u)
	}
	return s.cfg.Directory.ActorOn(u, s.now().In(helpdesk.Oslo).Format(time.DateOnly)), nil
}

// resolve is username as the directory and the record know them today,
// with what the identity provider granted at sign-in (data); ok is false
// for someone who may not sign in (unknown, or disabled by a departure).
func (s *Server) resolve(ctx context.Context, username string, data map[string]string) (directory.User, bool, error) {
	var (
		u   directory.User
		ok  bool
		err error
	)
	if s.cfg.Store != nil {
		u, ok, err = people.Resolve(ctx, s.cfg.Store, s.cfg.Directory, username, s.now().In(helpdesk.Oslo).Format(time.DateOnly))
		if err != nil {
			return directory.User{}, false, fmt.Errorf("web: who is %s: %w", username, err)
		}
	} else {
		u, ok = s.cfg.Directory.User(username)
	}
	if !ok {
		return directory.User{}, false, nil
	}
	// The directory's slices are shared.
	u.Roles, u.Groups = slices.Clone(u.Roles), slices.Clone(u.Groups)
	for _, r := range splitList(data[dataRoles]) {
		if role := helpdesk.Role(r); !slices.Contains(u.Roles, role) {
			u.Roles = append(u.Roles, role)
		}
	}
	for _, g := range splitList(data[dataGroups]) {
		if !slices.Contains(u.Groups, g) {
			u.Groups = append(u.Groups, g)
		}
	}
	return u, true, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// startSession signs username in: a new session with a new token and a
// new CSRF token replaces whatever session the browser had (so a token
// planted before sign-in is worth nothing after it).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, username string, data map[string]string) error {
	if v := visitOf(r); v.sess != nil {
		if err := s.sessions.Delete(r.Context(), v.sess.ID); err != nil {
			return err
		}
	}
	now := s.now()
	sess := session.Session{ID: session.NewToken(), Username: username, CSRF: session.NewToken(), Created: now, Seen: now, Data: data}
	if err := s.sessions.Create(r.Context(), sess); err != nil {
		return err
	}
	s.setCookie(w, sess.ID)
	return nil
}

// anonymousSession is the request's session, or a new one without a user
// (for the sign-in form's CSRF token, or an OIDC sign-in under way).
func (s *Server) anonymousSession(w http.ResponseWriter, r *http.Request, data map[string]string) (session.Session, error) {
	v := visitOf(r)
	if v.sess != nil && data == nil {
		return *v.sess, nil
	}
	if v.sess != nil {
		// An OIDC sign-in begins afresh: its state replaces the old.
		if err := s.sessions.Delete(r.Context(), v.sess.ID); err != nil {
			return session.Session{}, err
		}
	}
	now := s.now()
	sess := session.Session{ID: session.NewToken(), CSRF: session.NewToken(), Created: now, Seen: now, Data: data}
	if err := s.sessions.Create(r.Context(), sess); err != nil {
		return session.Session{}, err
	}
	s.setCookie(w, sess.ID)
	v.sess = &sess
	return sess, nil
}

// end deletes the session and its cookie.
func (s *Server) end(w http.ResponseWriter, r *http.Request, id string) {
	if err := s.sessions.Delete(r.Context(), id); err != nil {
		s.log.WarnContext(r.Context(), "web: ending a session", "error", err)
	}
	s.clearCookie(w)
}

func (s *Server) setCookie(w http.ResponseWriter, token string) {
	// No Max-Age: the cookie ends with the browser; the server ends the
	// session sooner (idle, absolute).
	http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookie, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: "", Path: "/", HttpOnly: true,
		Secure: !s.cfg.InsecureCookie, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// signedIn wraps a page that needs a signed-in user: without one the
// browser is sent (303) to /login, which comes back here afterwards.
func (s *Server) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := visitOf(r)
		if v.user == nil {
			q := url.Values{}
			if next := r.URL.RequestURI(); next != "/" {
				q.Set("next", next)
			}
			if v.expired {
				q.Set("expired", "1")
			}
			target := "/login"
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// safeNext is where to go after sign-in: next when it is a path on this
// site ("/cases?status=new"), else "/". Never another site: no scheme,
// no host, no "//" or "/\" that a browser would read as one.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" || u.Path == "/auth/callback" || u.Path == "/signed-out" {
		return "/"
	}
	return u.RequestURI()
}

// sweepSessions deletes expired sessions now and then, so the store does
// not grow with abandoned ones (each request checks expiry itself).
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		now := s.now()
		if n, err := s.sessions.DeleteExpired(ctx, now.Add(-s.cfg.SessionIdle), now.Add(-s.cfg.SessionMaxAge)); err != nil && ctx.Err() == nil {
			s.log.Warn("web: sweeping expired sessions", "error", err)
		} else if n > 0 {
			s.log.Debug("web: expired sessions swept", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
