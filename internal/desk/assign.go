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
// read the directory, so whether the assignee is a caseworker and the
// group exists is checked here.
func (d *Desk) Assign(ctx context.Context, actor helpdesk.Actor, ref string, to Assignment) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionAssign); err != nil {
		return helpdesk.Case{}, err
	}
	if to.Assignee != "" {
		u, ok := d.dir.User(to.Assignee)
		if !ok || !u.Actor().Has(helpdesk.RoleCaseworker) {
			return helpdesk.Case{}, invalid("assignee", "assignee må være en saksbehandler", "assignee must be a caseworker")
		}
	}
	if to.Group != "" && !d.dir.HasGroup(to.Group) {
		return helpdesk.Case{}, invalid("group", "ukjent gruppe", "unknown group")
	}
	return d.step(ctx, actor, ActionAssign, ref, workflows.UpdateAssign, workflows.StepInput{Assignee: to.Assignee, Group: to.Group})
}
