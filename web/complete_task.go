package web

import (
	"net/http"
	"net/url"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// POST /tasks/{id}/complete (API.md section 9) from the case page: its
// fulfilment tasks post here with from=case (tasks.go's completeTask
// hands them on); success answers 303 to the case page, a refusal shows
// the case page again with the error beside the task's field.

// taskFields are the completion form's fields in order.
var taskFields = []string{"outcome", "output", "comment"}

// completeTaskOnCase is POST /tasks/{id}/complete from the case page.
func (s *Server) completeTaskOnCase(w http.ResponseWriter, r *http.Request) {
	if !s.hasDesk(w, r) {
		return
	}
	id := r.PathValue("id")
	f := NewForm(r)
	req := helpdesk.CompleteRequest{Outcome: f.Value("outcome"), Comment: f.Value("comment"), Output: f.Value("output")}
	c, err := s.cfg.Desk.CompleteTask(r.Context(), Actor(r), id, req)
	if err != nil {
		caseID, ok := helpdesk.ParseTaskID(id)
		if !ok {
			s.deskFailure(w, r, err)
			return
		}
		s.stepRefused(w, r, caseID, "task-"+id, taskFields, f, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.Reference)+"?done=task", http.StatusSeeOther)
}
