package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// A manager's team (GET /team): the people of the units they lead, their
// active accesses with expiry and recertification dates, and every open
// request with who is to act on it now (desk.Team). Links start the
// manager's requests (new employee, ESA access, departure).

var teamTemplate = parsePages("team.html")

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /team", s.signedIn(s.team))
	})
}

type teamData struct {
	Units    []teamUnitView
	Requests []requestView
	// Starts are the requests the manager may open from here.
	Starts []choice
}

type teamUnitView struct {
	ID, Name string
	People   []memberView
}

type memberView struct {
	Username, Name string
	New            bool
	From           moment
	Disabled       bool
	Accesses       []teamAccessView
	// ESAHref and DepartureHref start a request for the person.
	ESAHref, DepartureHref string
}

type teamAccessView struct {
	Ref, Href, Role, Units string
	Codes                  []codeView
	Granted, Recertify     moment
	ValidTo                moment
	// RecertifySoon: within 30 days.
	RecertifySoon bool
}

type requestView struct {
	Ref, Href, Title, Kind, Status, StatusCode string
	Reporter                                   string
	Created                                    moment
	Acting                                     []actingView
}

type actingView struct {
	Who, Task string
	You       bool
	Due       moment
}

// team is GET /team.
func (s *Server) team(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "team.title")
	actor := Actor(r)
	t, err := s.cfg.Desk.Team(r.Context(), actor)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	d := teamData{}
	for _, k := range []helpdesk.Kind{helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture} {
		if desk.Allowed(actor, desk.ActionCreate(k)) {
			key := "newCase." + string(k) + ".title"
			d.Starts = append(d.Starts, choice{Value: "/cases/new?kind=" + string(k), Label: v.T(key)})
		}
	}
	for _, u := range t.Units {
		uv := teamUnitView{ID: u.ID, Name: u.Name}
		for _, m := range u.People {
			mv := memberView{Username: m.Username, Name: m.DisplayName, New: m.New, From: v.dateOf(m.From), Disabled: m.Disabled}
			if !m.Disabled && m.Username != actor.Username {
				mv.ESAHref = "/cases/new?kind=esa-access&employee=" + url.QueryEscape(m.Username)
				mv.DepartureHref = "/cases/new?kind=departure&employee=" + url.QueryEscape(m.Username)
			}
			for _, a := range m.Accesses {
				av := teamAccessView{Ref: a.Reference, Href: "/cases/" + url.PathEscape(a.Reference), Role: a.Role,
					Granted: v.day(a.GrantedAt), Recertify: v.day(a.RecertifyBy), ValidTo: v.dateOf(a.ValidTo),
					RecertifySoon: !a.RecertifyBy.IsZero() && a.RecertifyBy.Sub(v.now) < 30*24*time.Hour}
				var units []string
				for _, id := range a.Units {
					units = append(units, s.cfg.Directory.UnitName(id))
				}
				av.Units = v.Lang.List(units)
				for _, c := range a.AccessCodes {
					av.Codes = append(av.Codes, codeView{Code: c, Sensitive: containsFold(s.cfg.Desk.CasePolicy().SensitiveAccessCodes, c)})
				}
				mv.Accesses = append(mv.Accesses, av)
			}
			uv.People = append(uv.People, mv)
		}
		d.Units = append(d.Units, uv)
	}
	for _, rq := range t.Requests {
		rv := requestView{Ref: rq.Reference, Href: "/cases/" + url.PathEscape(rq.Reference), Title: rq.Title, Kind: caseKind(v.Lang, rq.Kind),
			Status: caseStatus(v.Lang, rq.Status), StatusCode: string(rq.Status), Reporter: s.nameOf(rq.Reporter), Created: v.at(rq.CreatedAt)}
		for _, a := range rq.Acting {
			av := actingView{Task: a.Task, Due: v.at(a.Due), You: a.Username != "" && a.Username == actor.Username}
			if a.Username != "" {
				av.Who = s.nameOf(a.Username)
			} else {
				av.Who = v.T("team.group", groupName(v.Lang, a.Group))
			}
			rv.Acting = append(rv.Acting, av)
		}
		d.Requests = append(d.Requests, rv)
	}
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live?kind=case"
	}
	s.render(w, r, http.StatusOK, teamTemplate, v)
}
