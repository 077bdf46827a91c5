package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// RequestInfo asks the reporter a question: the case waits for the user
// and its SLA clock pauses. Only the assignee may ask.
func (d *Desk) RequestInfo(ctx context.Context, actor helpdesk.Actor, ref, question string) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionRequest, ref, workflows.UpdateRequestInfo, workflows.StepInput{Question: question})
}
