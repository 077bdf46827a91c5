package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// IncidentWorkflowInput starts an incident (a fault or a problem).
type IncidentWorkflowInput struct {
	CaseStart
	Request helpdesk.OpenRequest `json:"request"`
	// Attachments of a case opened by mail; they go into its CaseOpened.
	Attachments []helpdesk.Attachment `json:"attachments,omitempty"`
	// Announcement links the new case to an active outage (the desk has
	// checked it is one).
	Announcement *helpdesk.AnnouncementLink `json:"announcement,omitempty"`
	// MailAuth says how the sender of a case opened by mail was
	// authenticated; MailMessageID is that mail's Message-ID, so the
	// receipt threads under it. Both go into its CaseOpened.
	MailAuth      string `json:"mailAuth,omitempty"`
	MailMessageID string `json:"mailMessageId,omitempty"`
}

func incidentInputOf(in CaseInput, s CaseStart) IncidentWorkflowInput {
	return IncidentWorkflowInput{CaseStart: s, Request: in.Request, Attachments: in.Attachments,
		Announcement: in.Announcement, MailAuth: in.MailAuth, MailMessageID: in.MailMessageID}
}

func (in IncidentWorkflowInput) caseInput() CaseInput {
	c := in.CaseStart.caseInput()
	c.Request, c.Attachments, c.Announcement, c.MailAuth, c.MailMessageID = in.Request, in.Attachments, in.Announcement, in.MailAuth, in.MailMessageID
	return c
}

// IncidentWorkflow runs one incident from report to closing: it records
// every step, keeps the SLA clocks, reminds, resolves with its outage and
// closes by itself when a window runs out. A long one continues as new.
func IncidentWorkflow(ctx workflow.Context, in IncidentWorkflowInput) (helpdesk.Case, error) {
	return runCase(ctx, in.caseInput(), IncidentWorkflowName)
}
