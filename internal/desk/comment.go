package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Note is a comment on a case; an internal one is for caseworkers' eyes
// only and never shown to employees.
type Note struct {
	Body        string
	Internal    bool
	Attachments []AttachmentRef
}

// Comment adds a comment: the reporter's or a caseworker's.
func (d *Desk) Comment(ctx context.Context, actor helpdesk.Actor, ref string, n Note) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionComment); err != nil {
		return helpdesk.Case{}, err
	}
	atts, err := d.attachmentsOf(n.Attachments)
	if err != nil {
		return helpdesk.Case{}, err
	}
	return d.step(ctx, actor, ActionComment, ref, workflows.UpdateComment,
		workflows.StepInput{Body: n.Body, Internal: n.Internal, Attachments: atts})
}
