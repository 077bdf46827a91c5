package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Cancel withdraws a case before it is resolved: by its reporter or
// whoever opened it.
func (d *Desk) Cancel(ctx context.Context, actor helpdesk.Actor, ref, reason string) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionCancel, ref, workflows.UpdateCancel, workflows.StepInput{Reason: reason})
}
