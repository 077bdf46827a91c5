package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// CompleteTask decides an approval (approved or rejected) or finishes a
// fulfilment task (done or failed, perhaps with output), API.md section 5.
// The workflow checks who may: only the designated approver or their
// deputy, never the case's own reporter. Rejecting an approval needs a
// reason (the comment), which the reporter is shown. The answer is the case after
// the change.
func (d *Desk) CompleteTask(ctx context.Context, actor helpdesk.Actor, taskID string, req helpdesk.CompleteRequest) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionComplete); err != nil {
		return helpdesk.Case{}, err
	}
	if err := req.Normalize(); err != nil {
		return helpdesk.Case{}, fromDomain(err)
	}
	c, err := d.taskCase(ctx, actor, taskID)
	if err != nil {
		return helpdesk.Case{}, err
	}
	// A rejection says why: the reporter reads it. An attestation (the
	// yearly "still needed?") is the requester's own and needs none.
	if t, _ := c.Task(taskID); t.Kind == helpdesk.TaskApproval && !t.Attestation &&
		req.Outcome == helpdesk.OutcomeRejected && req.Comment == "" {
		return helpdesk.Case{}, invalid("comment", "skriv hvorfor du avslår: den som spurte, får se begrunnelsen",
			"say why you reject: whoever asked will see the reason")
	}
	// What the task takes (an account task a well-formed username, an
	// approval no output) is refused before it travels; the workflow
	// checks it again, and that the username is free.
	if err := c.CheckTaskInput(taskID, req); err != nil {
		return helpdesk.Case{}, fromDomain(err)
	}
	return d.update(ctx, actor, c.ID, workflows.UpdateCompleteTask, "", workflows.StepInput{TaskID: taskID, Completion: req})
}

// taskCase is the case a task belongs to, if the actor may see it;
// NotFound otherwise.
func (d *Desk) taskCase(ctx context.Context, actor helpdesk.Actor, taskID string) (helpdesk.Case, error) {
	caseID, ok := helpdesk.ParseTaskID(taskID)
	if !ok {
		return helpdesk.Case{}, errNoTask
	}
	c, err := d.loadCase(ctx, caseID)
	if IsKind(err, NotFound) {
		return helpdesk.Case{}, errNoTask
	}
	if err != nil {
		return helpdesk.Case{}, err
	}
	if _, ok := c.Task(taskID); !ok || !actor.CanSee(c) {
		return helpdesk.Case{}, errNoTask
	}
	logctx.SetCaseRef(ctx, c.Reference)
	return c, nil
}
