package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Reopen puts a resolved case back in progress, by its reporter, within
// the reopen window.
func (d *Desk) Reopen(ctx context.Context, actor helpdesk.Actor, ref, reason string) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionReopen, ref, workflows.UpdateReopen, workflows.StepInput{Reason: reason})
}
