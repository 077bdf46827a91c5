package api

import (
	"net/http"
	"net/url"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/query"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// handleListCases answers GET /api/v1/cases: a page of the cases the
// caller may see, most recently updated first.
func (s *Server) handleListCases(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "kind", "status", "assignee", "group", "reporter", "q", "sort", "limit", "cursor")
	if p != nil {
		writeProblem(w, p)
		return
	}
	limit, err := desk.ParseLimit(q.Get("limit"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.desk.ListCases(r.Context(), s.actor(r), desk.CaseFilter{
		Kind: helpdesk.Kind(q.Get("kind")), Status: helpdesk.Status(q.Get("status")),
		Assignee: q.Get("assignee"), Group: q.Get("group"), Reporter: q.Get("reporter"),
		Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor"),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// taskList is the answer of GET /api/v1/tasks.
type taskList struct {
	Items []readmodel.TaskItem `json:"items"`
}

// handleListTasks answers GET /api/v1/tasks: the open tasks the caller
// may act on, oldest first.
func (s *Server) handleListTasks(w http.ResponseWriter, r *http.Request) {
	q, p := strictQuery(r, "case")
	if p != nil {
		writeProblem(w, p)
		return
	}
	items, err := s.desk.ListTasks(r.Context(), s.actor(r), q.Get("case"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, taskList{Items: items})
}

// strictQuery reads the query string by the one rule every door keeps
// (internal/query): parameters the endpoint knows, each once, clean one
// line each.
func strictQuery(r *http.Request, known ...string) (url.Values, *Problem) {
	q, err := query.Parse(r.URL.RawQuery, known...)
	if se, ok := helpdesk.AsStepError(err); ok {
		return nil, problem(r, http.StatusBadRequest, se.Field, se.Message, se.English)
	}
	return q, nil
}

func badParam(r *http.Request, name, no, en string) *Problem {
	return problem(r, http.StatusBadRequest, name, no, en)
}
