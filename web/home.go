package web

import (
	"net/http"
	"strings"
)

var homeTemplate = parsePage("home.html")

// homeData is the home page's: for now a greeting (the portal of #15
// replaces it).
type homeData struct {
	Unit, Groups, Deputising string
}

// home is GET /: the signed-in user's home. A placeholder until the
// employee's portal and the caseworker's workspace come: it greets the
// user by name and role, and follows every change they may see.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "home.title")
	d := homeData{Groups: strings.Join(v.User.Groups, ", ")}
	if v.User.Unit != "" {
		d.Unit = s.cfg.Directory.UnitName(v.User.Unit)
	}
	if len(v.Actor.Deputising) > 0 {
		d.Deputising = v.Lang.List(v.Actor.Deputising)
	}
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live"
	}
	s.render(w, r, http.StatusOK, homeTemplate, v)
}
