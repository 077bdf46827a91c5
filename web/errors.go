package web

import "net/http"

var errorTemplate = parsePage("error.html")

// errorData is what an error page says.
type errorData struct {
	Status int
	Text   string
}

// errorPage answers status with a page of the layout saying what went
// wrong in the user's language: the texts key+".title" and key+".text"
// (formatted with args); key "" picks the status's own.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	if key == "" {
		switch status {
		case http.StatusNotFound:
			key = "error.notFound"
		case http.StatusForbidden:
			key = "error.forbidden"
		case http.StatusMethodNotAllowed:
			key = "error.method"
		default:
			key = "error.internal"
		}
	}
	v := s.view(r, key+".title")
	if key == "error.internal" && len(args) == 0 {
		args = []any{v.RequestID()}
	}
	text := v.T(key+".text", args...)
	v.Data = errorData{Status: status, Text: text}
	s.render(w, r, status, errorTemplate, v)
}
