package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Confirm is the reporter accepting the resolution, which closes the case.
func (d *Desk) Confirm(ctx context.Context, actor helpdesk.Actor, ref string) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionConfirm, ref, workflows.UpdateConfirm, workflows.StepInput{})
}
