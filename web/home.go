package web

import (
	"net/http"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

var homeTemplate = parsePage("home.html", "case_table.html")

// homeData is the home page's: for an employee the portal (service
// notices first, then their cases with what the help desk waits for,
// then what they may report), for a caseworker the workspace (their
// queues and the cases they hold, soonest deadline first).
type homeData struct {
	Unit, Groups, Deputising string
	// Announcements are the outages and maintenance in effect now.
	Announcements []helpdesk.Announcement
	// Cases: the employee's latest cases, or the caseworker's own open
	// ones; More lists them all.
	Cases caseTable
	More  string
	// Kinds the user may open.
	Kinds []helpdesk.Kind
	// Queues are the caseworker's.
	Queues    []queue
	Workspace bool
	// Unavailable: the read model did not answer; the page says so
	// rather than failing.
	Unavailable bool
}

// homeCases is how many cases the home page lists.
const homeCases = 10

// home is GET /: the signed-in user's home, by role. It follows every
// change the user may see, read out in the live region.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "home.title")
	d := homeData{Groups: strings.Join(v.User.Groups, ", ")}
	if v.User.Unit != "" {
		d.Unit = s.cfg.Directory.UnitName(v.User.Unit)
	}
	if len(v.Actor.Deputising) > 0 {
		d.Deputising = v.Lang.List(v.Actor.Deputising)
	}
	if s.cfg.Desk != nil {
		if err := s.homeDesk(r, v, &d); desk.IsKind(err, desk.Unavailable) {
			s.log.WarnContext(r.Context(), "web: the home page without its lists", "error", err)
			d.Unavailable = true
		} else if err != nil {
			s.deskFailure(w, r, err)
			return
		}
	}
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live"
	}
	s.render(w, r, http.StatusOK, homeTemplate, v)
}

// homeDesk fills in what the desk knows.
func (s *Server) homeDesk(r *http.Request, v *view, d *homeData) error {
	ctx, actor := r.Context(), v.Actor
	active := true
	anns, err := s.cfg.Desk.ListAnnouncements(ctx, actor, desk.AnnouncementFilter{Active: &active})
	if err != nil {
		return err
	}
	d.Announcements = anns
	for _, k := range newCaseKinds {
		if _, ok := caseForms[k]; ok && desk.Allowed(actor, desk.ActionCreate(k)) {
			d.Kinds = append(d.Kinds, k)
		}
	}
	var q caseQuery
	d.Workspace = actor.Has(helpdesk.RoleCaseworker)
	if d.Workspace {
		d.Queues = s.queues(v, caseQuery{})
		q = d.Queues[0].Query // mine, soonest deadline first
		d.Cases.Caption = v.T("home.myQueue")
	} else {
		q = caseQuery{Reporter: actor.Username}
		d.Cases.Caption = v.T("home.myCases")
	}
	page, err := s.listCases(ctx, actor, q)
	if err != nil {
		return err
	}
	items := page.Items
	if len(items) > homeCases {
		items = items[:homeCases]
	}
	d.Cases = caseTable{names: s.names(v), Rows: s.rows(v, items), Query: q, Workspace: d.Workspace, Caption: d.Cases.Caption}
	if len(page.Items) > homeCases || page.NextCursor != "" {
		d.More = q.URL()
	}
	return nil
}
