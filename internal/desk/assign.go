package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Assignment gives a case to a caseworker or to a group.
type Assignment struct {
	Assignee string
	Group    string
}

// Assign gives the case to a caseworker or a group. The workflow cannot
// read the directory, so the directory's rule is asked here: the assignee
// is a caseworker, the group exists, and an assignee named with a group
// is in it.
func (d *Desk) Assign(ctx context.Context, actor helpdesk.Actor, ref string, to Assignment) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionAssign); err != nil {
		return helpdesk.Case{}, err
	}
	if err := d.dir.CheckAssignment(to.Assignee, to.Group); err != nil {
		return helpdesk.Case{}, fromDomain(err)
	}
	return d.step(ctx, actor, ActionAssign, ref, workflows.UpdateAssign, workflows.StepInput{Assignee: to.Assignee, Group: to.Group})
}
