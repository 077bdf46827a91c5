package desk

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Mail is a message to the help desk, as the mail door read it.
type Mail struct {
	// MessageID identifies the mail; the same id gives the same case (or
	// the same reply) again instead of a second one.
	MessageID   string
	Subject     string
	Body        string
	Attachments []helpdesk.Attachment
	// Auth says how the sender was authenticated ("relay 10.0.0.5",
	// "dkim fylke.example"); the case's event records it.
	Auth string
	// Header is the mail's own Message-ID header (with its angle
	// brackets), "" when it had none: a receipt threads under it.
	Header string
}

// ownMessageID is the Message-ID of header h without angle brackets, if
// it is one: printable ASCII with an @, no space, at most 250 characters
// (it goes into the receipt's In-Reply-To); else "".
func ownMessageID(h string) string {
	id, ok := strings.CutPrefix(strings.TrimSpace(h), "<")
	if id, ok = strings.CutSuffix(id, ">"); !ok || len(id) > 250 || !strings.Contains(id, "@") {
		return ""
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || r == '<' || r == '>' {
			return ""
		}
	}
	return id
}

// mailNamespace derives case IDs and update IDs from Message-IDs.
var mailNamespace = uuid.MustParse("6a1f3c9e-2d47-5b8a-9c1e-4f7d2b6a8e13")

// OpenCaseByMail opens an incident with channel email for the sender,
// titled by the subject and described by the text body, under the same
// policy as every other door: someone who may not report (an auditor) is
// Forbidden.
func (d *Desk) OpenCaseByMail(ctx context.Context, actor helpdesk.Actor, m Mail) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionCreate(helpdesk.KindIncident)); err != nil {
		return helpdesk.Case{}, err
	}
	req := helpdesk.OpenRequest{Kind: helpdesk.KindIncident, Title: clipRunes(m.Subject, helpdesk.MaxTitle),
		Description: clipRunes(m.Body, helpdesk.MaxDescription), Channel: helpdesk.ChannelEmail}
	if req.Title == "" {
		req.Title = "(uten emne)"
	}
	if req.Description == "" {
		req.Description = req.Title
	}
	if err := req.Normalize(actor); err != nil {
		return helpdesk.Case{}, fromDomain(err)
	}
	caseID := uuid.NewSHA1(mailNamespace, []byte(actor.Username+"\x00"+m.MessageID))
	return d.startCase(ctx, actor, workflows.CaseInput{CaseID: caseID.String(), Request: req,
		RequestHash: "mail:" + m.MessageID, Attachments: m.Attachments, MailAuth: m.Auth, MailMessageID: ownMessageID(m.Header)})
}
