package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Reply is the reporter's answer to the help desk's question: the case is
// back in progress and its clock runs again.
func (d *Desk) Reply(ctx context.Context, actor helpdesk.Actor, ref, body string, attachments []helpdesk.Attachment) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionReply, ref, workflows.UpdateReply, workflows.StepInput{Body: body, Attachments: attachments})
}
