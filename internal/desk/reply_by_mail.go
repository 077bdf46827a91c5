package desk

import (
	"context"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// ReplyByMail adds a mail from the sender to the case ref names: the
// reporter's reply while the case waits for them, else a comment, under
// the same rules as Reply and Comment. NotFound when the sender may not
// act on that case (it does not exist, they may not see it, or it is
// finished): the mail door then opens a new case instead. An actor the
// policy does not let reply or comment is Forbidden.
func (d *Desk) ReplyByMail(ctx context.Context, actor helpdesk.Actor, ref string, m Mail) (helpdesk.Case, error) {
	if !Allowed(actor, ActionReply) && !Allowed(actor, ActionComment) {
		return helpdesk.Case{}, Authorize(actor, ActionReply)
	}
	notActionable := notFound("avsenderen kan ikke svare på denne saken", "the sender may not act on that case")
	c, err := d.visibleCase(ctx, actor, ref)
	if IsKind(err, NotFound) {
		return helpdesk.Case{}, notActionable
	}
	if err != nil {
		return helpdesk.Case{}, err
	}
	in := workflows.StepInput{Body: clipRunes(m.Body, helpdesk.MaxComment), Attachments: m.Attachments}
	if in.Body == "" {
		in.Body = clipRunes(m.Subject, helpdesk.MaxComment)
	}
	update := workflows.UpdateComment
	if _, err := c.Reply(actor, in.Body); err == nil && Allowed(actor, ActionReply) {
		update = workflows.UpdateReply
	} else if _, err := c.Comment(actor, "", in.Body, false); err != nil || !Allowed(actor, ActionComment) {
		// Not the reporter or a caseworker, or the case is finished.
		return helpdesk.Case{}, notActionable
	}
	updateID := uuid.NewSHA1(mailNamespace, []byte(actor.Username+"\x00"+m.MessageID+"\x00"+c.ID)).String()
	got, err := d.update(ctx, actor, c.ID, update, updateID, in)
	if IsKind(err, Conflict) || IsKind(err, Forbidden) {
		return helpdesk.Case{}, notActionable
	}
	return got, err
}
