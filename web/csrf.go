package web

import (
	"crypto/subtle"
	"errors"
	"html/template"
	"mime"
	"net/http"
)

// CSRFField is the name of the hidden form field that carries the
// session's CSRF token; htmx requests may send it as the header
// CSRFHeader instead.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// maxForm bounds a form body; maxUpload a multipart one (a form with
// attachments), of which up to uploadMemory is held in memory and the
// rest in temporary files.
const (
	maxForm      = 1 << 20
	maxUpload    = 25 << 20
	uploadMemory = 8 << 20
)

// checkCSRF lets through safe requests and state-changing ones that carry
// their session's CSRF token. Any other is answered 403 before a handler
// runs, so it changes nothing. Every door-level POST passes here: a page
// cannot forget it. (Cross-site requests were already refused by the
// Origin / Sec-Fetch-Site check.)
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	v := visitOf(r)
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			err := r.ParseMultipartForm(uploadMemory)
			if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
				// Files over the form's limit: say so, rather than that the
				// form was stale. Nothing was read, so nothing changes.
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.tooLarge")
				return false
			}
			if err == nil {
				got = r.PostFormValue(CSRFField)
			}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err == nil {
				got = r.PostForm.Get(CSRFField)
			}
		}
	}
	if v.sess == nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.sess.CSRF)) != 1 {
		s.log.WarnContext(r.Context(), "web: form without a valid CSRF token refused", "method", r.Method, "path", r.URL.Path,
			"user", v.username(), "session", v.sess != nil, "token", got != "")
		s.errorPage(w, r, http.StatusForbidden, "error.csrf")
		return false
	}
	return true
}

// csrfInput is the hidden field every state-changing form carries
// ({{.CSRFField}} in a template).
func csrfInput(token string) template.HTML {
	return template.HTML(`<input type="hidden" name="` + CSRFField + `" value="` + template.HTMLEscapeString(token) + `">`)
}
