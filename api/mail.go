package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Mail in (internal/mailin) creates cases and replies through these
// methods: the same workflow calls, domain rules and checks as the HTTP
// handlers, with the sender as the actor.

// mailNamespace derives case IDs and update IDs from Message-IDs.
var mailNamespace = uuid.MustParse("6a1f3c9e-2d47-5b8a-9c1e-4f7d2b6a8e13")

// ErrNotActionable means the sender may not act on the case a mail names
// (it does not exist, they may not see it, or it is finished): the mail
// should become a new case instead.
var ErrNotActionable = errors.New("api: the sender may not act on that case")

// MailCase is an incoming mail as a case or a reply.
type MailCase struct {
	// MessageID identifies the mail; the same id gives the same case (or
	// the same reply) again instead of a second one.
	MessageID   string
	Title, Body string
	Attachments []helpdesk.Attachment
}

// CreateCaseFromMail opens an incident with channel email for username,
// titled by the subject, described by the text body.
func (s *Server) CreateCaseFromMail(ctx context.Context, username string, m MailCase) (helpdesk.Case, error) {
	u, ok := s.dir.User(username)
	if !ok {
		return helpdesk.Case{}, fmt.Errorf("api: unknown user %q", username)
	}
	actor := s.dir.ActorOn(u, today())
	req := helpdesk.OpenRequest{Kind: helpdesk.KindIncident, Title: clipRunes(m.Title, helpdesk.MaxTitle),
		Description: clipRunes(m.Body, helpdesk.MaxDescription), Channel: helpdesk.ChannelEmail}
	if req.Title == "" {
		req.Title = "(uten emne)"
	}
	if req.Description == "" {
		req.Description = req.Title
	}
	if err := req.Normalize(actor); err != nil {
		return helpdesk.Case{}, err
	}
	caseID := uuid.NewSHA1(mailNamespace, []byte(username+"\x00"+m.MessageID))
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	view, err := s.startCase(ctx, workflows.CaseInput{CaseID: caseID.String(), Request: req, Actor: actor,
		RequestHash: "mail:" + m.MessageID, CorrelationID: uuid.NewString(), Policy: s.policy, Attachments: m.Attachments})
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			// Delivered again after its case finished: that case it is.
			if c, lerr := s.loadCase(ctx, caseID.String()); lerr == nil {
				return c, nil
			}
		}
		if se, ok := refused(err); ok {
			return helpdesk.Case{}, se
		}
		return helpdesk.Case{}, err
	}
	return view.Case, nil
}

// ReplyFromMail adds a mail from username to the case ref: the reporter's
// reply while the case waits for them, else a comment (the same rules as
// POST /cases/{ref}/reply and /comment). ErrNotActionable when username
// may not act on the case.
func (s *Server) ReplyFromMail(ctx context.Context, username, ref string, m MailCase) (helpdesk.Case, error) {
	u, ok := s.dir.User(username)
	if !ok {
		return helpdesk.Case{}, fmt.Errorf("api: unknown user %q", username)
	}
	actor := s.dir.ActorOn(u, time.Now().In(helpdesk.Oslo).Format(time.DateOnly))
	id, err := s.resolveRef(ctx, ref)
	if errors.Is(err, errNoCase) {
		return helpdesk.Case{}, ErrNotActionable
	}
	if err != nil {
		return helpdesk.Case{}, err
	}
	c, err := s.loadCase(ctx, id)
	if errors.Is(err, errNoCase) {
		return helpdesk.Case{}, ErrNotActionable
	}
	if err != nil {
		return helpdesk.Case{}, err
	}
	if !actor.CanSee(c) {
		return helpdesk.Case{}, ErrNotActionable
	}
	in := workflows.StepInput{Actor: actor, Body: clipRunes(m.Body, helpdesk.MaxComment), CorrelationID: uuid.NewString(), Attachments: m.Attachments}
	if in.Body == "" {
		in.Body = clipRunes(m.Title, helpdesk.MaxComment)
	}
	update := workflows.UpdateComment
	if _, err := c.Reply(actor, in.Body); err == nil {
		update = workflows.UpdateReply
	} else if _, err := c.Comment(actor, "", in.Body, false); err != nil {
		// Not the reporter or a caseworker, or the case is finished.
		return helpdesk.Case{}, ErrNotActionable
	}
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	updateID := uuid.NewSHA1(mailNamespace, []byte(username+"\x00"+m.MessageID+"\x00"+id)).String()
	view, err := s.sendStep(ctx, id, update, updateID, in)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return helpdesk.Case{}, ErrNotActionable
		}
		if se, ok := refused(err); ok {
			if se.Code == helpdesk.CodeConflict || se.Code == helpdesk.CodeForbidden {
				return helpdesk.Case{}, ErrNotActionable
			}
			return helpdesk.Case{}, se
		}
		return helpdesk.Case{}, err
	}
	return view.Case, nil
}

// clipRunes shortens s to at most max characters.
func clipRunes(s string, max int) string {
	if r := []rune(s); len(r) > max {
		return string(r[:max])
	}
	return s
}
