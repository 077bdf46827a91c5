package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Reply is the reporter's answer to the help desk's question: the case is
// back in progress and its clock runs again.
func (d *Desk) Reply(ctx context.Context, actor helpdesk.Actor, ref, body string, files []AttachmentRef) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionReply); err != nil {
		return helpdesk.Case{}, err
	}
	atts, err := d.attachmentsOf(files)
	if err != nil {
		return helpdesk.Case{}, err
	}
	return d.step(ctx, actor, ActionReply, ref, workflows.UpdateReply, workflows.StepInput{Body: body, Attachments: atts})
}
