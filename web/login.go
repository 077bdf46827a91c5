package web

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

var (
	loginTemplate     = parsePage("login.html")
	signedOutTemplate = parsePage("signed-out.html")
)

// loginData is the dev sign-in form's.
type loginData struct {
	Users   []loginUser
	Next    string
	Expired bool
}

type loginUser struct {
	Username, DisplayName, Roles string
}

// login is GET /login. Signed in already, it goes on to next. In dev mode
// it is a form with one button per directory user; in production it
// starts the OpenID Connect sign-in (oidc.go).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if visitOf(r).user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	switch {
	case s.cfg.OIDC != nil:
		s.oidcStart(w, r, next)
	case s.cfg.DevLogin:
		// The form's CSRF token needs a session: an anonymous one, which
		// sign-in replaces.
		if _, err := s.anonymousSession(w, r, nil); err != nil {
			s.log.ErrorContext(r.Context(), "web: starting a session", "error", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "")
			return
		}
		s.renderLogin(w, r, http.StatusOK, next, nil)
	default:
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
	}
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, next string, form *Form) {
	v := s.view(r, "login.title")
	v.Form = form
	d := loginData{Next: next, Expired: r.URL.Query().Get("expired") == "1"}
	for _, u := range s.cfg.Directory.Users() {
		d.Users = append(d.Users, loginUser{Username: u.Username, DisplayName: u.DisplayName, Roles: roleNames(v.Lang, u)})
	}
	v.Data = d
	s.render(w, r, status, loginTemplate, v)
}

// roleNames are u's roles in words: "ansatt og saksbehandler".
func roleNames(l i18n.Lang, u directory.User) string {
	var names []string
	for _, r := range u.Roles {
		names = append(names, l.T("role."+string(r)))
	}
	return l.List(names)
}

// devLogin is POST /login in dev mode: username signs in, no password.
// The CSRF check has run: the form came from this site's GET /login.
func (s *Server) devLogin(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.DevLogin {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	form := NewForm(r)
	next := safeNext(form.Value("next"))
	name := form.Value("username")
	l := visitOf(r).lang
	u, ok, err := s.admit(r.Context(), name, nil)
	if err != nil {
		s.log.ErrorContext(r.Context(), "web: sign-in", "user", name, "error", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "")
		return
	}
	if !ok {
		if du, inDirectory := s.cfg.Directory.User(name); inDirectory && name != "" {
			s.log.WarnContext(r.Context(), "web: sign-in refused: the account is disabled", "user", name)
			form.Fail("username", l.T("login.disabled", du.DisplayName))
		} else {
			form.Fail("username", l.T("login.unknown"))
		}
		s.renderLogin(w, r, http.StatusBadRequest, next, form)
		return
	}
	if err := s.startSession(w, r, u.Username, nil); err != nil {
		s.log.ErrorContext(r.Context(), "web: starting a session", "error", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "")
		return
	}
	s.log.InfoContext(r.Context(), "web: signed in", "user", u.Username, "how", "dev")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout is POST /logout: the session ends, here and in the store (so on
// every replica).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	if v.sess != nil {
		s.end(w, r, v.sess.ID)
		s.log.InfoContext(r.Context(), "web: signed out", "user", v.username())
	}
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
}

// signedOut is GET /signed-out, where signing out lands. It does not
// sign in again by itself (in production GET /login would, silently,
// at the identity provider).
func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	if visitOf(r).user != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, signedOutTemplate, s.view(r, "login.signedOutPage"))
}
