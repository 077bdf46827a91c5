package projection

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Notifications are written by the cases projection, in the transaction
// that writes the case and moves the checkpoint: the folded case before
// and after the event says who reports, holds and approves, and a crash
// can neither lose a notification nor send one twice. Their ids are
// derived from the event's ID and the recipient, so a rebuild writes the
// same ids again (and the read flags kept across it match).

// Groups tells who works in a caseworker group; *directory.Directory
// implements it. Group members are looked up when the event is projected,
// so a rebuild tells today's members.
type Groups interface {
	Caseworkers(group string) []string
}

// Kinds of notification.
const (
	// To the reporter.
	NoteCaseReceived        = "case-received"
	NoteInfoRequested       = "info-requested"
	NoteReplyReminder       = "reply-reminder"
	NoteCaseResolved        = "case-resolved"
	NoteCaseClosed          = "case-closed"
	NoteCaseRejected        = "case-rejected"
	NoteAccessGranted       = "access-granted"
	NoteAccessEnded         = "access-ended"
	NoteOnboardingReported  = "onboarding-reported"
	NoteOnboardingEscalated = "onboarding-escalated"
	// To the assignee (and, for the SLA, the case's group).
	NoteCaseAssigned = "case-assigned"
	NoteUserReplied  = "user-replied"
	NoteCaseReopened = "case-reopened"
	NoteSLAWarning   = "sla-warning"
	NoteSLABreach    = "sla-breach"
	// To approvers and the caseworkers who do the work.
	NoteApprovalRequested     = "approval-requested"
	NoteTaskOpened            = "task-opened"
	NoteTaskReminder          = "task-reminder"
	NoteApprovalEscalated     = "approval-escalated"
	NoteApprovalEscalatedAway = "approval-escalated-away"
	// To the reporter or the assignee.
	NoteComment = "comment-added"
)

// notificationSpace is the UUIDv5 namespace of notification ids.
var notificationSpace = uuid.MustParse("9d3aead3-47b2-4adc-a2e8-ae311c04a1b6")

// NotificationID is the id of the notification of event to recipient.
func NotificationID(event uuid.UUID, recipient string) string {
	return uuid.NewSHA1(notificationSpace, []byte(event.String()+"\x00"+recipient)).String()
}

// note is one notification decided: whom, what, in both languages
// (without the case reference, which notify puts in front).
type note struct {
	to, kind, nb, en string
	// task is the task the recipient is asked to act on, if any.
	task string
}

// notify writes the notifications of ev: e took the case from before to
// after. It runs in the projection step's transaction.
func (p *Projector) notify(ctx context.Context, tx *readmodel.Tx, ev eventstore.RecordedEvent, before, after helpdesk.Case, e helpdesk.Event, m helpdesk.Metadata) error {
	return addNotes(ctx, tx, ev, m, after.ID, after.Reference, notesFor(before, after, e, m, p.groups))
}

// addNotes writes notes about ev on the case or announcement id (its
// reference starts every title) in the projection step's transaction.
func addNotes(ctx context.Context, tx *readmodel.Tx, ev eventstore.RecordedEvent, m helpdesk.Metadata, id, reference string, notes []note) error {
	for _, n := range notes {
		if err := tx.QueueNotification(ctx, readmodel.Notification{
			ID:            NotificationID(ev.ID, n.to),
			Recipient:     n.to,
			CaseID:        id,
			CaseReference: reference,
			Kind:          n.kind,
			Title:         reference + ": " + n.nb,
			TitleEn:       reference + ": " + n.en,
			CreatedAt:     m.OccurredAt,
			EventID:       ev.ID.String(),
			Position:      ev.Position,
			TaskID:        n.task,
		}); err != nil {
			return fmt.Errorf("notify %s: %w", n.to, err)
		}
	}
	return nil
}

// notesFor decides who is told what about e, which took the case from
// before to after and was done by m.Actor. Nobody is told of their own
// step, nobody twice of one event, and internal comments reach no one.
// groups may be nil: then group members are told nothing.
func notesFor(before, after helpdesk.Case, e helpdesk.Event, m helpdesk.Metadata, groups Groups) []note {
	var out []note
	told := map[string]bool{}
	tell := func(kind, nb, en string, to ...string) {
		for _, who := range to {
			if who == "" || who == m.Actor || told[who] {
				continue
			}
			told[who] = true
			out = append(out, note{to: who, kind: kind, nb: nb, en: en})
		}
	}
	members := func(group string) []string {
		if groups == nil || group == "" {
			return nil
		}
		return groups.Caseworkers(group)
	}
	reporter, assignee := after.Reporter, after.Assignee

	switch e := e.(type) {
	// The reporter.
	case helpdesk.CaseOpened:
		// Only when someone else registered it (a caseworker on the
		// phone): who opened it knows. Except by mail: who wrote in gets
		// a receipt with the reference to reply to.
		if e.Channel == helpdesk.ChannelEmail && reporter == m.Actor {
			told[reporter] = true
			out = append(out, note{to: reporter, kind: NoteCaseReceived, nb: "Saken er mottatt", en: "Your case has been received"})
			break
		}
		tell(NoteCaseReceived, "Saken er mottatt", "Your case has been received", reporter)
	case helpdesk.InfoRequested:
		tell(NoteInfoRequested, "Saksbehandleren har et spørsmål til deg", "The caseworker has a question for you", reporter)
	case helpdesk.ReplyReminded:
		tell(NoteReplyReminder, "Påminnelse: saken venter på svar fra deg", "Reminder: the case is waiting for your reply", reporter)
	case helpdesk.CaseResolved:
		tell(NoteCaseResolved, "Saken er løst", "The case has been resolved", reporter)
	case helpdesk.CaseClosed:
		switch e.Reason {
		case helpdesk.ClosedNoReply:
			tell(NoteCaseClosed, "Saken er lukket fordi vi ikke fikk svar", "The case was closed because no reply came", reporter)
		default:
			tell(NoteCaseClosed, "Saken er lukket", "The case has been closed", reporter)
		}
	case helpdesk.CaseRejected:
		reason := clip(e.Reason)
		tell(NoteCaseRejected, "Saken er avslått: "+reason, "The case was rejected: "+reason, reporter)
	case helpdesk.AccessGranted:
		who := accessEmployee(after)
		tell(NoteAccessGranted, "ESA-tilgangen"+who+" er gitt", "ESA access"+who+" has been granted", reporter)
	case helpdesk.AccessEnded:
		who := accessEmployee(after)
		if e.Reason == "expired" {
			tell(NoteAccessEnded, "ESA-tilgangen"+who+" er utløpt", "ESA access"+who+" has expired", reporter)
		} else {
			tell(NoteAccessEnded, "ESA-tilgangen"+who+" er fjernet", "ESA access"+who+" has been removed", reporter)
		}
	case helpdesk.OnboardingReported:
		who := newEmployee(after)
		if e.Ready && len(e.Missing) == 0 {
			tell(NoteOnboardingReported, "Alt er klart til oppstart"+who, "Everything is ready for the start"+who, reporter)
		} else {
			missing := clip(strings.Join(e.Missing, ", "))
			tell(NoteOnboardingReported, "Ikke alt er klart til oppstart"+who+"; mangler: "+missing,
				"Not everything is ready for the start"+who+"; missing: "+missing, reporter)
		}
	case helpdesk.OnboardingEscalated:
		who := newEmployee(after)
		missing := clip(strings.Join(e.Missing, ", "))
		tell(NoteOnboardingEscalated, "Oppstarten"+who+" er eskalert; mangler: "+missing,
			"The onboarding"+who+" has been escalated; missing: "+missing, reporter)

	// The assignee.
	case helpdesk.CaseAssigned:
		// A claim (CaseClaimed) is the caseworker's own step; a
		// reassignment to the same person changes nothing for them.
		if e.Assignee != before.Assignee {
			tell(NoteCaseAssigned, "Saken er tildelt deg", "The case has been assigned to you", e.Assignee)
		}
	case helpdesk.UserReplied:
		tell(NoteUserReplied, "Innmelder har svart", "The reporter has replied", assignee)
	case helpdesk.CaseReopened:
		tell(NoteCaseReopened, "Saken er gjenåpnet", "The case has been reopened", assignee)
	case helpdesk.SLAWarned:
		nb, en := "SLA-varsel: løsningsfristen nærmer seg", "SLA warning: the resolution deadline is near"
		if e.Clock == helpdesk.ClockResponse {
			nb, en = "SLA-varsel: fristen for første svar nærmer seg", "SLA warning: the first-response deadline is near"
		}
		tell(NoteSLAWarning, nb, en, assignee)
		tell(NoteSLAWarning, nb, en, members(after.Group)...)
	case helpdesk.SLABreached:
		nb, en := "SLA brutt: løsningsfristen er passert", "SLA breached: the resolution deadline has passed"
		if e.Clock == helpdesk.ClockResponse {
			nb, en = "SLA brutt: fristen for første svar er passert", "SLA breached: the first-response deadline has passed"
		}
		tell(NoteSLABreach, nb, en, assignee)
		tell(NoteSLABreach, nb, en, members(after.Group)...)

	// Approvers and the caseworkers who do the work.
	case helpdesk.TaskOpened:
		t, ok := after.Task(e.TaskID)
		if !ok {
			break
		}
		title := clip(t.Title)
		switch {
		case t.Kind == helpdesk.TaskApproval && t.Approver != "":
			tell(NoteApprovalRequested, "Godkjenning venter på deg: "+title, "An approval awaits you: "+title, deciders(after, t, members)...)
		case t.Kind == helpdesk.TaskApproval:
			tell(NoteApprovalRequested, "Godkjenning venter på gruppen "+t.Group+": "+title,
				"An approval awaits group "+t.Group+": "+title, deciders(after, t, members)...)
		default:
			tell(NoteTaskOpened, "Ny oppgave: "+title, "New task: "+title, deciders(after, t, members)...)
		}
	case helpdesk.TaskReminded:
		t, ok := after.Task(e.TaskID)
		if !ok {
			break
		}
		title := clip(t.Title)
		tell(NoteTaskReminder, "Påminnelse: oppgaven venter på deg: "+title, "Reminder: a task awaits you: "+title, deciders(after, t, members)...)
	case helpdesk.TaskEscalated:
		t, ok := after.Task(e.TaskID)
		if !ok {
			break
		}
		title := clip(t.Title)
		if mayDecide(after, t, e.To) {
			tell(NoteApprovalEscalated, "Godkjenning eskalert til deg: "+title, "An approval was escalated to you: "+title, e.To)
		}
		if mayDecide(after, t, e.From) {
			tell(NoteApprovalEscalatedAway, "Godkjenningen ble ikke avgjort i tide og er sendt til "+e.To+": "+title,
				"The approval was not decided in time and went to "+e.To+": "+title, e.From)
		}

	// Comments: internal ones stay among caseworkers, who read them on
	// the case.
	case helpdesk.CommentAdded:
		switch {
		case e.Internal:
		case m.Actor == reporter:
			tell(NoteComment, "Ny kommentar fra innmelder", "A new comment from the reporter", assignee)
		default:
			// Only the reporter, the one who registered the case and
			// caseworkers may comment (helpdesk.Case.Comment).
			tell(NoteComment, "Ny kommentar fra saksbehandler", "A new comment from the caseworker", reporter)
		}
	}
	// A task's notes ask their recipients to act on it: the mail links
	// to its decision page.
	var task string
	switch e := e.(type) {
	case helpdesk.TaskOpened:
		task = e.TaskID
	case helpdesk.TaskReminded:
		task = e.TaskID
	case helpdesk.TaskEscalated:
		task = e.TaskID
	}
	for i := range out {
		out[i].task = task
	}
	return out
}

// deciders is who may act on task t of case c now: its approver (or the
// fallback once escalated); the caseworkers of its group for a group
// approval or a fulfilment task (the case's group when the task names
// none). Nobody decides an approval of a case they reported, unless it is
// their own attestation.
func deciders(c helpdesk.Case, t helpdesk.Task, members func(string) []string) []string {
	var who []string
	switch {
	case t.Kind == helpdesk.TaskApproval && t.Approver != "":
		who = []string{t.Approver}
		if t.Escalated {
			who = []string{t.Fallback}
		}
	case t.Kind == helpdesk.TaskApproval:
		who = members(t.Group)
	default:
		g := t.Group
		if g == "" {
			g = c.Group
		}
		return members(g)
	}
	return slices.DeleteFunc(slices.Clone(who), func(u string) bool { return !mayDecide(c, t, u) })
}

// mayDecide: nobody approves a case they reported, except to attest
// their own earlier request.
func mayDecide(c helpdesk.Case, t helpdesk.Task, who string) bool {
	return who != "" && (t.Kind != helpdesk.TaskApproval || t.Attestation || who != c.Reporter)
}

// accessEmployee names the employee of an access case, " for <name>".
func accessEmployee(c helpdesk.Case) string {
	if c.Access == nil || c.Access.Employee == "" {
		return ""
	}
	return " for " + c.Access.Employee
}

// newEmployee names the new employee of an onboarding case, " for <name>".
func newEmployee(c helpdesk.Case) string {
	if c.NewUser == nil {
		return ""
	}
	if name := strings.TrimSpace(c.NewUser.Request.DisplayName()); name != "" {
		return " for " + name
	}
	return ""
}

// maxDetail is the longest free text (a reason, a task title, a list of
// what is missing) a title quotes, in characters.
const maxDetail = 200

// clip shortens s to maxDetail characters, on one line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxDetail {
		return string(r[:maxDetail-1]) + "…"
	}
	return s
}
