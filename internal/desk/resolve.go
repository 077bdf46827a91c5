package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Resolve records the assignee's resolution; the reporter is told.
func (d *Desk) Resolve(ctx context.Context, actor helpdesk.Actor, ref, resolution string) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionResolve, ref, workflows.UpdateResolve, workflows.StepInput{Resolution: resolution})
}
