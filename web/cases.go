package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// GET /cases: the lists and queues (API.md section 9), the JSON API's
// filters as query parameters (kind, status, assignee, group, reporter,
// q, cursor) and sort. An employee sees their own cases; a caseworker
// the workspace's queues: theirs, each of their groups' unassigned
// cases, those waiting for the user, and every open case, each sortable
// by the SLA deadline. The table follows /live: htmx fetches the page
// again when a case changes and swaps the table in.

var casesTemplate = parsePage("cases.html", "case_table.html")

// Query values of the queues: every status someone still works on, the
// cases nobody holds, the soonest resolution deadline first (the desk's
// words, desk.StatusOpen, desk.AssigneeNone, desk.SortDue).
const (
	statusOpen   = string(desk.StatusOpen)
	assigneeNone = desk.AssigneeNone
	sortDue      = desk.SortDue
)

// caseQuery is a list's query, as its address carries it.
type caseQuery struct {
	Kind, Status, Assignee, Group, Reporter, Q, Sort, Cursor string
}

func readCaseQuery(q url.Values) caseQuery {
	return caseQuery{Kind: q.Get("kind"), Status: q.Get("status"), Assignee: q.Get("assignee"), Group: q.Get("group"),
		Reporter: q.Get("reporter"), Q: q.Get("q"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
}

// values are the query's parameters, without the empty ones.
func (c caseQuery) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"kind", c.Kind}, {"status", c.Status}, {"assignee", c.Assignee}, {"group", c.Group},
		{"reporter", c.Reporter}, {"q", c.Q}, {"sort", c.Sort}, {"cursor", c.Cursor}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// URL is /cases with the query.
func (c caseQuery) URL() string {
	if q := c.values().Encode(); q != "" {
		return "/cases?" + q
	}
	return "/cases"
}

// SortedBy is the list with another order, from its first page.
func (c caseQuery) SortedBy(sort string) string {
	c.Sort, c.Cursor = sort, ""
	return c.URL()
}

// Page is the list from cursor on.
func (c caseQuery) Page(cursor string) string {
	c.Cursor = cursor
	return c.URL()
}

// sameList reports whether c and o list the same cases (in any order,
// from any page).
func (c caseQuery) sameList(o caseQuery) bool {
	c.Sort, c.Cursor, o.Sort, o.Cursor = "", "", "", ""
	return c == o
}

// queue is a saved list of the workspace.
type queue struct {
	Query caseQuery
	Name  string
	// Lead says what the queue holds.
	Lead    string
	Current bool
}

// queues are the caseworker's queues: mine, each of my groups'
// unassigned cases, waiting for the user, and all open cases.
func (s *Server) queues(v *view, current caseQuery) []queue {
	p := s.names(v)
	qs := []queue{{Query: caseQuery{Assignee: v.Actor.Username, Status: statusOpen, Sort: sortDue},
		Name: v.T("queue.mine"), Lead: v.T("queue.mine.lead")}}
	for _, g := range v.Actor.Groups {
		qs = append(qs, queue{Query: caseQuery{Status: statusOpen, Assignee: assigneeNone, Group: g, Sort: sortDue},
			Name: v.T("queue.unassigned", p.Group(g)), Lead: v.T("queue.unassigned.lead", p.Group(g))})
	}
	qs = append(qs,
		queue{Query: caseQuery{Status: string(helpdesk.StatusWaitingForUser), Sort: sortDue},
			Name: v.T("queue.waiting"), Lead: v.T("queue.waiting.lead")},
		queue{Query: caseQuery{Status: statusOpen, Sort: sortDue}, Name: v.T("queue.open"), Lead: v.T("queue.open.lead")})
	for i := range qs {
		qs[i].Current = qs[i].Query.sameList(current)
	}
	return qs
}

// caseRow is one case of a list, with its deadlines, and what its cells
// say already in words: a queue has up to 200 rows, and a template asking
// for each word by reflection costs more than the query.
type caseRow struct {
	readmodel.CaseSummary
	Deadlines []deadline
	// Urgency is the most urgent deadline's state.
	Urgency                                     string
	Kind, StatusText, StatusColor, PriorityText string
	ReporterName, AssigneeName, GroupName       string
	WaitingFor                                  string
	// Acting: what the help desk waits for is the reporter.
	Acting                bool
	UpdatedISO, UpdatedAt string
	Due                   []dueCell
}

// dueCell is a deadline as its cell says it.
type dueCell struct {
	State, Clock, Text string
	Icon               template.HTML
}

// caseTable is a table of cases, on the list page and the home page.
type caseTable struct {
	names
	Rows []caseRow
	// Query is the list's, for the sort links (Sortable).
	Query    caseQuery
	Sortable bool
	// Workspace: the caseworker's (and auditor's) columns; otherwise the
	// employee's own cases with what the desk waits for.
	Workspace bool
	Caption   string
}

// casesData is the list page's.
type casesData struct {
	Table  caseTable
	Query  caseQuery
	Queues []queue
	// Next is the address of the next page; empty on the last.
	Next     string
	Kinds    []helpdesk.Kind
	Statuses []string
}

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /cases", s.signedIn(s.cases))
	})
}

// cases is GET /cases.
func (s *Server) cases(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	q := readCaseQuery(r.URL.Query())
	actor := Actor(r)
	workspace := actor.Has(helpdesk.RoleCaseworker) || actor.Has(helpdesk.RoleAuditor)
	v := s.view(r, "cases.title")
	if !workspace {
		v.Title = v.T("cases.mine")
	}
	d := casesData{Query: q, Kinds: desk.ListKinds, Statuses: append([]string{statusOpen}, statusNames()...),
		Table: caseTable{names: s.names(v), Query: q, Sortable: true, Workspace: workspace}}
	if actor.Has(helpdesk.RoleCaseworker) {
		d.Queues = s.queues(v, q)
		for _, qu := range d.Queues {
			if qu.Current {
				v.Title = qu.Name
			}
		}
	}
	page, err := s.listCases(r.Context(), actor, q)
	if err != nil {
		if status, ok := v.Refused(err, "q"); ok {
			v.Data = d
			s.render(w, r, status, casesTemplate, v)
			return
		}
		s.deskFailure(w, r, err)
		return
	}
	d.Table.Rows, d.Table.Caption = s.rows(v, page.Items), v.Title
	if page.NextCursor != "" {
		d.Next = q.Page(page.NextCursor)
	}
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live?kind=case"
	}
	s.render(w, r, http.StatusOK, casesTemplate, v)
}

func statusNames() []string {
	out := make([]string, len(desk.ListStatuses))
	for i, st := range desk.ListStatuses {
		out[i] = string(st)
	}
	return out
}

// hasDesk answers 503 for a door without the application layer (a test
// of sign-in alone): the case pages need it.
func (s *Server) hasDesk(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Desk == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.busy")
		return false
	}
	return true
}

// listCases asks the desk for the list q names (the queues' words
// status=open, assignee=none and sort=due are the desk's).
func (s *Server) listCases(ctx context.Context, actor helpdesk.Actor, q caseQuery) (readmodel.Page, error) {
	return s.cfg.Desk.ListCases(ctx, actor, desk.CaseFilter{Kind: helpdesk.Kind(q.Kind), Status: helpdesk.Status(q.Status),
		Assignee: q.Assignee, Group: q.Group, Reporter: q.Reporter, Q: q.Q, Sort: q.Sort, Cursor: q.Cursor})
}

// rows gives each case its deadlines and its cells' words.
func (s *Server) rows(v *view, items []readmodel.CaseSummary) []caseRow {
	policy, now, n := s.cfg.Desk.CasePolicy(), s.now(), s.names(v)
	out := make([]caseRow, len(items))
	for i, c := range items {
		r := caseRow{CaseSummary: c, Kind: v.KindText(c.Kind), StatusText: v.StatusText(c.Status), StatusColor: statusColor(c.Status),
			PriorityText: v.PriorityText(c.Priority), ReporterName: n.Name(c.Reporter), GroupName: n.Group(c.Group),
			WaitingFor: word(v.Lang, "cases.waits.", string(c.Status)), UpdatedISO: v.ISO(c.UpdatedAt), UpdatedAt: v.Short(c.UpdatedAt),
			Acting: c.Status == helpdesk.StatusWaitingForUser || c.Status == helpdesk.StatusResolved}
		if c.Assignee != "" {
			r.AssigneeName = n.Name(c.Assignee)
		}
		if c.SLA != nil {
			r.Deadlines = deadlinesOf(factsOfSummary(c.SLA, c.Status), c.Status, c.Priority, policy, now)
			r.Urgency = worst(r.Deadlines)
			for _, d := range r.Deadlines {
				cell := dueCell{State: d.State, Clock: string(d.Clock), Icon: v.Icon(d.State)}
				switch d.State {
				case duePaused:
					cell.Text = v.T("due.paused")
				default:
					cell.Text = v.T("due."+d.State+"."+string(d.Clock), v.Short(d.At))
				}
				r.Due = append(r.Due, cell)
			}
		}
		out[i] = r
	}
	return out
}
