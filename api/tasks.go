package api

import (
	"errors"
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// handleCompleteTask decides an approval or finishes a fulfilment task
// (API.md section 5). The workflow checks who may; the answer is the case
// after the change.
func (s *Server) handleCompleteTask(w http.ResponseWriter, r *http.Request) {
	var body helpdesk.CompleteRequest
	if p := decode(w, r, &body, false); p != nil {
		writeProblem(w, p)
		return
	}
	notFound := problem(r, http.StatusNotFound, "", "oppgaven finnes ikke", "no such task")
	taskID := r.PathValue("id")
	caseID, ok := helpdesk.ParseTaskID(taskID)
	if !ok {
		writeProblem(w, notFound)
		return
	}
	c, err := s.loadCase(r.Context(), caseID)
	if err != nil {
		if errors.Is(err, errNoCase) {
			writeProblem(w, notFound)
			return
		}
		s.log.ErrorContext(r.Context(), "load case", "case", caseID, "error", err)
		writeProblem(w, problem(r, http.StatusInternalServerError, "", "en intern feil oppstod", "an internal error occurred"))
		return
	}
	actor := s.actor(r)
	if _, ok := c.Task(taskID); !ok || !actor.CanSee(c) {
		writeProblem(w, notFound)
		return
	}
	s.step(w, r, c.ID, workflows.UpdateCompleteTask,
		workflows.StepInput{Actor: actor, TaskID: taskID, Completion: body, CorrelationID: correlationID(r)})
}
