package web

import "net/http"

var accessibilityTemplate = parsePage("accessibility.html")

// accessibility is GET /tilgjengelighet, the accessibility statement the
// regulations ask for (forskrift om universell utforming av IKT). It is
// public: someone who cannot sign in must be able to read it, and how to
// complain.
func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "a11y.title")
	s.render(w, r, http.StatusOK, accessibilityTemplate, v)
}
