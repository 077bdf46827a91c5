package web

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// langCookie remembers a language chosen with ?lang=.
const langCookie = "lang"

// chooseLang picks the page's language (API.md section 9): ?lang=en or
// ?lang=nb (and remembers it in a cookie), else the cookie, else the
// browser's Accept-Language, else bokmål.
func (s *Server) chooseLang(w http.ResponseWriter, r *http.Request) i18n.Lang {
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, ok := i18n.Parse(q); ok {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: !s.cfg.InsecureCookie, SameSite: http.SameSiteLaxMode})
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	if l, ok := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return i18n.NB
}
