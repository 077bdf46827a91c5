package web

import (
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// timelineItem is one entry of a case page's timeline: a sentence saying
// what happened ("Per Johansen tok saken."), and the text that came with
// it (a comment, a question, a resolution) with its files.
type timelineItem struct {
	Revision int64
	At       time.Time
	Text     string
	Body     string
	// Kind styles the entry: comment, internal, question, reply,
	// resolution, event.
	Kind        string
	Attachments []helpdesk.Attachment
}

// Internal reports whether the entry is a caseworkers' internal note.
func (t timelineItem) Internal() bool { return t.Kind == "internal" }

// timelineItem says e in the page's language; ok is false for the
// record's bookkeeping (the SLA clock, reminders), which a person does
// not need to read.
func (s *Server) timelineItem(v *view, p names, c helpdesk.Case, e desk.TimelineEntry) (timelineItem, bool) {
	who := p.Name(e.Actor)
	it := timelineItem{Revision: e.Revision, At: e.At, Kind: "event"}
	t := v.T
	switch ev := e.Event.(type) {
	case helpdesk.CaseOpened:
		channel := t("case.channel." + string(helpdesk.ChannelPortal))
		if ev.Channel != "" {
			channel = t("case.channel." + string(ev.Channel))
		}
		if ev.CreatedBy != "" && ev.CreatedBy != ev.Reporter {
			it.Text = t("timeline.openedFor", p.Name(ev.CreatedBy), p.Name(ev.Reporter), channel)
		} else {
			it.Text = t("timeline.opened", p.Name(ev.Reporter), channel)
		}
		it.Attachments = ev.Attachments
	case helpdesk.CaseClaimed:
		it.Text = t("timeline.claimed", who)
	case helpdesk.CaseAssigned:
		switch {
		case ev.Assignee != "" && ev.Group != "":
			it.Text = t("timeline.assignedInGroup", who, p.Name(ev.Assignee), p.Group(ev.Group))
		case ev.Assignee != "":
			it.Text = t("timeline.assigned", who, p.Name(ev.Assignee))
		default:
			it.Text = t("timeline.assignedGroup", who, p.Group(ev.Group))
		}
	case helpdesk.CommentAdded:
		it.Kind, it.Text, it.Body, it.Attachments = "comment", t("timeline.comment", who), ev.Body, ev.Attachments
		if ev.Internal {
			it.Kind, it.Text = "internal", t("timeline.internal", who)
		}
	case helpdesk.InfoRequested:
		it.Kind, it.Text, it.Body = "question", t("timeline.question", who), ev.Question
	case helpdesk.UserReplied:
		it.Kind, it.Text, it.Body, it.Attachments = "reply", t("timeline.reply", who), ev.Body, ev.Attachments
	case helpdesk.CaseResolved:
		it.Kind, it.Text, it.Body = "resolution", t("timeline.resolved", who), ev.Resolution
	case helpdesk.CaseClosed:
		// Only the reporter's confirmation is somebody's doing; the
		// other reasons are the timers'.
		it.Text = t("timeline.closed." + string(ev.Reason))
		if ev.Reason == helpdesk.ClosedConfirmed {
			it.Text = t("timeline.closed."+string(ev.Reason), who)
		}
	case helpdesk.CaseReopened:
		it.Kind, it.Text, it.Body = "comment", t("timeline.reopened", who), ev.Reason
	case helpdesk.CaseCancelled:
		it.Kind, it.Text, it.Body = "comment", t("timeline.cancelled", who), ev.Reason
	case helpdesk.CaseRejected:
		it.Kind, it.Text, it.Body = "resolution", t("timeline.rejected"), ev.Reason
	case helpdesk.LinkedToAnnouncement:
		it.Text = t("timeline.linked", who, ev.Title)
	case helpdesk.OrderPlaced:
		it.Text = t("timeline.ordered", v.NOK(ev.Order.TotalNOK))
	case helpdesk.TaskOpened:
		if ev.Kind == helpdesk.TaskApproval {
			approver := p.Name(ev.Approver)
			if ev.Approver == "" {
				approver = p.Group(ev.Group)
			}
			it.Text = t("timeline.approvalOpened", ev.Title, approver)
		} else {
			it.Text = t("timeline.taskOpened", ev.Title, p.Group(ev.Group))
		}
	case helpdesk.TaskEscalated:
		it.Text = t("timeline.taskEscalated", taskTitle(c, ev.TaskID), p.Name(ev.To))
	case helpdesk.TaskCompleted:
		key := "timeline.task." + ev.Outcome
		if !v.Lang.Has(key) {
			return it, false
		}
		it.Text = t(key, p.Name(ev.DecidedBy), taskTitle(c, ev.TaskID))
		it.Body = ev.Comment
		if ev.Output != "" {
			it.Body = joinLines(ev.Output, ev.Comment)
		}
	case helpdesk.SLABreached:
		if !v.IsCaseworker() {
			return it, false
		}
		it.Text = t("timeline.slaBreached."+string(ev.Clock), v.When(ev.Due))
	default:
		return it, false
	}
	return it, true
}

func taskTitle(c helpdesk.Case, id string) string {
	if t, ok := c.Task(id); ok {
		return t.Title
	}
	return id
}

func joinLines(a, b string) string {
	if b == "" {
		return a
	}
	return a + "\n\n" + b
}
