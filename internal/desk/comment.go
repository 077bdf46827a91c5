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
	Attachments []helpdesk.Attachment
}

// Comment adds a comment: the reporter's or a caseworker's.
func (d *Desk) Comment(ctx context.Context, actor helpdesk.Actor, ref string, n Note) (helpdesk.Case, error) {
	return d.step(ctx, actor, ActionComment, ref, workflows.UpdateComment,
		workflows.StepInput{Body: n.Body, Internal: n.Internal, Attachments: n.Attachments})
}
