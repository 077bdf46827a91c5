package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Claim assigns the case to the calling caseworker; a Conflict if a person
// already holds it.
func (d *Desk) Claim(ctx context.Context, actor helpdesk.Actor, ref string) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionClaim, ref, workflows.UpdateClaim, workflows.StepInput{})
}
