package helpdesk

import (
	"slices"
	"strconv"
	"time"
)

// Comment is one comment on a case.
type Comment struct {
	ID       string    `json:"id"`
	Author   string    `json:"author"`
	Body     string    `json:"body"`
	Internal bool      `json:"internal"`
	At       time.Time `json:"at"`
	// Attachments are the files that came with it.
	Attachments []Attachment `json:"attachments,omitempty"`
	// MailAuth: how the sender was authenticated, when it came by mail.
	MailAuth string `json:"mailAuth,omitempty"`
}

// NewCase is the state before the first event.
func NewCase() Case { return Case{Revision: -1} }

// Apply folds one event into the case. It is the single definition of what
// an event means: workflows, projections and the auditor's replay all use it.
func (c *Case) Apply(e Event, m Metadata, revision int64) {
	switch e := e.(type) {
	case CaseOpened:
		c.ID = e.CaseID
		c.Reference = e.Reference
		c.Kind = e.Kind
		c.Title = e.Title
		c.Description = e.Description
		c.Priority = e.Priority
		c.Service = e.Service
		c.Channel = e.Channel
		c.Reporter = e.Reporter
		c.CreatedBy = e.CreatedBy
		c.Group = e.Group
		c.Attachments = e.Attachments
		c.MailAuth = e.MailAuth
		c.Status = StatusNew
		c.Comments = []Comment{}
		c.CreatedAt = m.OccurredAt
	case CaseClaimed:
		c.Assignee = e.Assignee
		c.Status = StatusInProgress
	case CaseAssigned:
		c.Assignee = e.Assignee
		if e.Group != "" {
			c.Group = e.Group
		}
		if c.Status == StatusNew || c.Status == StatusInProgress {
			c.Status = StatusNew
			if e.Assignee != "" {
				c.Status = StatusInProgress
			}
		}
	case CommentAdded:
		c.Comments = append(slices.Clip(c.Comments), Comment{ID: e.CommentID, Author: m.Actor, Body: e.Body, Internal: e.Internal, At: m.OccurredAt, Attachments: e.Attachments, MailAuth: e.MailAuth})
	case InfoRequested:
		c.Status = StatusWaitingForUser
		c.Question = e.Question
		c.WaitingSince = m.OccurredAt
		c.Reminded = false
	case UserReplied:
		c.Status = StatusInProgress
		c.Question = ""
		c.WaitingSince = time.Time{}
		c.Comments = append(slices.Clip(c.Comments), Comment{ID: "reply-" + strconv.FormatInt(revision, 10), Author: m.Actor, Body: e.Body, At: m.OccurredAt, Attachments: e.Attachments, MailAuth: e.MailAuth})
	case ReplyReminded:
		c.Reminded = true
	case CaseResolved:
		c.Resolution = e.Resolution
		c.Status = StatusResolved
		c.ResolvedAt = m.OccurredAt
		c.Question = ""
		c.WaitingSince = time.Time{}
	case CaseReopened:
		c.Status = StatusInProgress
		c.Reopened++
		c.ResolvedAt = time.Time{}
	case CaseCancelled:
		c.Status = StatusCancelled
		c.ClosedAt = m.OccurredAt
	case CaseClosed:
		c.Status = StatusClosed
		c.CloseReason = e.Reason
		c.ClosedAt = m.OccurredAt
	case SLAStarted, SLAPaused, SLAResumed, SLAResponded, SLAStopped, SLAWarned, SLABreached:
		c.applySLA(e, m)
	case TaskOpened, TaskReminded, TaskEscalated, TaskCompleted:
		c.applyTask(e, m)
		if o, ok := e.(TaskOpened); ok && !c.Final() && c.Status != StatusActive {
			c.Status = StatusInProgress
			if o.Kind == TaskApproval {
				c.Status = StatusAwaitingApproval
			}
		}
	case AccessRequested, AccessGranted, AccessRecertified, AccessRevokeRequested, AccessEnded:
		c.applyAccess(e, m)
	case DepartureRequested:
		d := e.Departure
		c.Departure = &d
	case DepartureTookEffect:
		c.DepartureEffective = true
	case NewUserRequested:
		n := e.Request
		c.NewUser = &NewUser{Request: n}
	case UserAccountCreated:
		if c.NewUser != nil {
			n := *c.NewUser
			n.Username = e.Username
			c.NewUser = &n
		}
	case OnboardingReported:
		if c.NewUser != nil {
			n := *c.NewUser
			n.Reported, n.Ready, n.Missing = true, e.Ready, e.Missing
			c.NewUser = &n
		}
	case OnboardingEscalated:
		if c.NewUser != nil {
			n := *c.NewUser
			n.Escalated = true
			c.NewUser = &n
		}
	case LinkedToAnnouncement:
		c.Announcement = &AnnouncementLink{ID: e.AnnouncementID, Reference: e.Reference, Title: e.Title}
	case OrderPlaced:
		o := e.Order
		c.Order = &o
	case CaseRejected:
		c.Status = StatusRejected
		c.ClosedAt = m.OccurredAt
		if c.Order != nil {
			o := *c.Order
			o.RejectedReason = e.Reason
			c.Order = &o
		}
		c.Resolution = e.Reason
	case PersonalDataErased:
		c.Erasure = &Erasure{At: m.OccurredAt, Rule: e.Rule, Basis: e.Basis, BasisEn: e.BasisEn, By: m.Actor}
	}
	c.UpdatedAt = m.OccurredAt
	c.Revision = revision
}

// Final reports whether nothing more can happen to the case.
func (c Case) Final() bool {
	switch c.Status {
	case StatusClosed, StatusCancelled, StatusRejected, StatusExpired, StatusRevoked:
		return true
	}
	return false
}

// VisibleTo returns the case as actor may read it: employees never see
// internal comments.
func (c Case) VisibleTo(a Actor) Case {
	if a.Has(RoleCaseworker) || a.Has(RoleAuditor) {
		return c
	}
	out := c
	out.Comments = []Comment{}
	for _, cm := range c.Comments {
		if !cm.Internal {
			out.Comments = append(out.Comments, cm)
		}
	}
	return out
}
