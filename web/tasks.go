package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The approvals inbox (API.md section 9): GET /tasks lists the tasks the
// user may act on now, GET /tasks/{id} is one task with its decision
// form, and the form POSTs to /tasks/{id}/complete (outcome, comment,
// output: the API's names); after it the browser goes back to the inbox
// (303), which says what was decided. Opening a task decides nothing: the
// approval mail links here.

var (
	tasksTemplate = parsePages("tasks.html")
	taskTemplate  = parsePages("task.html")
)

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /tasks", s.signedIn(s.tasks))
		s.mux.HandleFunc("GET /tasks/{id}", s.signedIn(s.task))
		s.mux.HandleFunc("POST /tasks/{id}/complete", s.signedIn(s.completeTask))
	})
}

// taskView is a task as the inbox and its page show it.
type taskView struct {
	ID, Href, Title string
	Approval        bool
	Kind            string
	CaseRef         string
	CaseHref        string
	CaseTitle       string
	CaseKind        string
	// Asked is what is asked, in a few words: the cost, the access.
	Cost      string
	Order     []orderLineView
	Access    *accessView
	Reporter  string
	AskedAt   moment
	Deadline  moment
	Escalate  moment
	Remind    moment
	Escalated bool
	// OnBehalfOf names the approver the user decides for as a deputy.
	OnBehalfOf string
	MayDecide  bool
	// Approver: the reader approves or works on tasks (the inbox is
	// theirs); otherwise the page leads back to the case.
	Approver bool
	// Completed: the outcome in words, who, when and why.
	Done                 bool
	Outcome, OutcomeCode string
	DecidedBy, DecidedOn string
	DecidedAt            moment
	Comment, Output      string
	// Account: the task records a new account's username as its output.
	Account bool
}

type orderLineView struct {
	Description, Unit, Total string
	Quantity                 int
	Standard                 bool
}

type accessView struct {
	Employee, Role, Units, Justification string
	Codes                                []codeView
	Sensitive                            bool
	ValidFrom, ValidTo                   moment
}

type tasksData struct {
	Tasks []taskView
	// Total is how many tasks wait for the user; Page is this page of
	// Pages, Prev and Next the links to the pages beside it ("" at an
	// end), Self this page's (for the live refresh).
	Total, Page, Pages int
	Prev, Next, Self   string
	// BadPage: the page asked for is not a page number.
	BadPage bool
	// Decided says what the user just decided (after the POST).
	Decided *taskView
}

// tasks is GET /tasks: the inbox.
func (s *Server) tasks(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "tasks.title")
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			v.Data = tasksData{BadPage: true, Tasks: []taskView{}, Page: 1, Pages: 1, Self: "/tasks"}
			s.render(w, r, http.StatusBadRequest, tasksTemplate, v)
			return
		}
		page = n
	}
	inbox, err := s.cfg.Desk.InboxPage(r.Context(), Actor(r), page)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	d := tasksData{Tasks: []taskView{}, Total: inbox.Total, Page: inbox.Page, Pages: inbox.Pages, Self: tasksPage(inbox.Page)}
	if inbox.Page > 1 {
		d.Prev = tasksPage(inbox.Page - 1)
	}
	if inbox.Page < inbox.Pages {
		d.Next = tasksPage(inbox.Page + 1)
	}
	for _, it := range inbox.Items {
		d.Tasks = append(d.Tasks, s.taskView(v, it))
	}
	if id := r.URL.Query().Get("decided"); id != "" {
		if it, err := s.cfg.Desk.InboxTask(r.Context(), Actor(r), id); err == nil && it.Task.Status == helpdesk.TaskStatusCompleted {
			tv := s.taskView(v, it)
			d.Decided = &tv
		}
	}
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live?kind=case"
	}
	s.render(w, r, http.StatusOK, tasksTemplate, v)
}

// tasksPage is the address of page n of the inbox.
func tasksPage(n int) string {
	if n <= 1 {
		return "/tasks"
	}
	return "/tasks?page=" + strconv.Itoa(n)
}

// task is GET /tasks/{id}: one task with its decision form.
func (s *Server) task(w http.ResponseWriter, r *http.Request) {
	s.renderTask(w, r, http.StatusOK, nil)
}

func (s *Server) renderTask(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	it, err := s.cfg.Desk.InboxTask(r.Context(), Actor(r), r.PathValue("id"))
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	v := s.view(r, "tasks.title")
	v.Form = f
	tv := s.taskView(v, it)
	v.Title = tv.Title
	v.Data = tv
	if s.cfg.Live != nil {
		v.Live = "/live?case=" + url.QueryEscape(it.Case.ID)
	}
	s.render(w, r, status, taskTemplate, v)
}

// completeTask is POST /tasks/{id}/complete: the decision (approved or
// rejected, with a reason to reject) or the fulfilment (done or failed,
// with its output). A refusal shows the task again with the error beside
// the field, and changes nothing.
func (s *Server) completeTask(w http.ResponseWriter, r *http.Request) {
	f := NewForm(r)
	if f.Value("from") == "case" {
		// The case page's own form: back to the case (complete_task.go).
		s.completeTaskOnCase(w, r)
		return
	}
	id := r.PathValue("id")
	req := helpdesk.CompleteRequest{Outcome: f.Value("outcome"), Comment: f.Value("comment"), Output: f.Value("output")}
	// The page asks for a reason to reject: whoever asked reads it. (The
	// JSON API keeps the comment optional, as its contract says.) An
	// attestation (the yearly "still needed?") is the requester's own and
	// needs none.
	if req.Outcome == helpdesk.OutcomeRejected && strings.TrimSpace(req.Comment) == "" {
		if it, err := s.cfg.Desk.InboxTask(r.Context(), Actor(r), id); err == nil && it.Task.Kind == helpdesk.TaskApproval && !it.Task.Attestation {
			f.Fail("comment", visitOf(r).lang.T("tasks.reasonRequired"))
			s.renderTask(w, r, http.StatusBadRequest, f)
			return
		}
	}
	if _, err := s.cfg.Desk.CompleteTask(r.Context(), Actor(r), id, req); err != nil {
		v := s.view(r, "tasks.title")
		v.Form = f
		status, refused := v.Refused(err, "outcome", "comment", "output")
		if !refused || status == http.StatusNotFound {
			s.deskFailure(w, r, err)
			return
		}
		s.renderTask(w, r, status, v.Form)
		return
	}
	http.Redirect(w, r, "/tasks?decided="+url.QueryEscape(id), http.StatusSeeOther)
}

// taskView describes an inbox item in v's language.
func (s *Server) taskView(v *view, it desk.InboxItem) taskView {
	t, c, l := it.Task, it.Case, v.Lang
	tv := taskView{ID: t.ID, Href: "/tasks/" + url.PathEscape(t.ID), Title: t.Title, Approval: t.Kind == helpdesk.TaskApproval,
		CaseRef: c.Reference, CaseHref: "/cases/" + url.PathEscape(c.Reference), CaseTitle: c.Title, CaseKind: caseKind(l, c.Kind),
		Reporter: s.nameOf(c.Reporter), AskedAt: v.at(t.CreatedAt), Escalated: t.Escalated, MayDecide: it.MayDecide,
		OnBehalfOf: s.nameOf(it.OnBehalfOf), Account: strings.HasPrefix(t.Type, helpdesk.TaskTypeCreateAccount),
		Approver: desk.Allowed(v.Actor, desk.ActionComplete)}
	tv.Kind = l.T("tasks.kind.fulfilment")
	if tv.Approval {
		tv.Kind = l.T("tasks.kind.approval")
		if t.Attestation {
			tv.Kind = l.T("tasks.kind.attestation")
		}
		tv.Deadline, tv.Remind = v.at(it.DecideBy), v.at(it.RemindAt)
		if !t.Escalated {
			tv.Escalate = v.at(it.EscalateAt)
		}
	} else {
		tv.Deadline = v.at(t.DueAt)
	}
	if t.CostNOK > 0 {
		tv.Cost = v.NOK(t.CostNOK)
	}
	if o := c.Order; o != nil {
		for _, ln := range o.Lines {
			tv.Order = append(tv.Order, orderLineView{Description: ln.Description, Quantity: ln.Quantity, Standard: ln.Standard,
				Unit: v.NOK(ln.UnitCostNOK), Total: v.NOK(ln.UnitCostNOK * int64(ln.Quantity))})
		}
		if tv.Cost == "" && o.TotalNOK > 0 {
			tv.Cost = v.NOK(o.TotalNOK)
		}
	}
	if a := c.Access; a != nil {
		av := &accessView{Employee: s.nameOf(a.Employee), Role: a.Role, Justification: a.Justification, Sensitive: a.Sensitive,
			ValidFrom: v.dateOf(a.ValidFrom), ValidTo: v.dateOf(a.ValidTo)}
		var units []string
		for _, u := range a.Units {
			units = append(units, s.cfg.Directory.UnitName(u))
		}
		av.Units = l.List(units)
		for _, code := range a.AccessCodes {
			av.Codes = append(av.Codes, codeView{Code: code, Sensitive: containsFold(it.Sensitive, code)})
		}
		tv.Access = av
	}
	if t.Status == helpdesk.TaskStatusCompleted {
		tv.Done, tv.OutcomeCode = true, t.Outcome
		key := "tasks.outcome." + t.Outcome
		tv.Outcome = l.T(key)
		tv.DecidedBy, tv.DecidedOn, tv.DecidedAt = s.nameOf(t.DecidedBy), s.nameOf(t.OnBehalfOf), v.at(t.CompletedAt)
		if t.DecidedBy == "brukerhjelp" || t.DecidedBy == "" {
			tv.DecidedBy = l.T("live.system")
		}
		tv.Comment, tv.Output = t.Comment, t.Output
	}
	return tv
}
