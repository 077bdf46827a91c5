package helpdesk

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is the payload of a domain event. Events are plain past-tense facts.
type Event interface {
	EventType() string
}

// Metadata travels with every stored event.
type Metadata struct {
	Actor         string    `json:"actor"`
	OccurredAt    time.Time `json:"occurredAt"`
	CorrelationID string    `json:"correlationId,omitempty"`
}

// CaseOpened starts every case stream.
type CaseOpened struct {
	CaseID      string   `json:"caseId"`
	Reference   string   `json:"reference"`
	Kind        Kind     `json:"kind"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Priority    Priority `json:"priority,omitempty"`
	Service     string   `json:"service,omitempty"`
	Channel     Channel  `json:"channel,omitempty"`
	Reporter    string   `json:"reporter"`
	CreatedBy   string   `json:"createdBy"`
	Group       string   `json:"group"`
	// Attachments came with the request (a mail's files); optional.
	Attachments []Attachment `json:"attachments,omitempty"`
	// MailAuth says how the sender of a case opened by mail was
	// authenticated ("relay 10.0.0.5", "dkim fylke.example"); optional.
	MailAuth string `json:"mailAuth,omitempty"`
	// MailMessageID is the Message-ID of that mail (without angle
	// brackets), so what the help desk answers threads under it; optional.
	MailMessageID string `json:"mailMessageId,omitempty"`
}

// Attachment is a file kept content-addressed outside the record
// (<data-dir>/attachments/<sha256>); events carry only this reference.
type Attachment struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// CaseClaimed: a caseworker took the case.
type CaseClaimed struct {
	Assignee string `json:"assignee"`
}

// CaseResolved: the assignee solved it; the reporter is told.
type CaseResolved struct {
	Resolution string `json:"resolution"`
}

// CaseClosed: the case is finished.
type CaseClosed struct {
	Reason CloseReason `json:"reason"`
}

// CloseReason says why a case closed.
type CloseReason string

// Close reasons.
const (
	ClosedConfirmed     CloseReason = "confirmed"      // the reporter confirmed the resolution
	ClosedReopenExpired CloseReason = "reopen-expired" // nobody reopened within the window
	ClosedNoReply       CloseReason = "no-reply"       // the reporter never answered the question
)

// CaseAssigned: a caseworker gave the case to a person or a group queue.
// Reassignment appends another; the history keeps every hand-over.
type CaseAssigned struct {
	Assignee string `json:"assignee"`
	Group    string `json:"group"`
}

// CommentAdded: someone wrote on the case. Internal comments are for
// caseworkers only.
type CommentAdded struct {
	CommentID string `json:"commentId"`
	Body      string `json:"body"`
	Internal  bool   `json:"internal"`
	// Attachments came with the comment (a mail's files); optional.
	Attachments []Attachment `json:"attachments,omitempty"`
	// MailAuth: how the sender of a comment by mail was authenticated.
	MailAuth string `json:"mailAuth,omitempty"`
}

// InfoRequested: the assignee asked the reporter a question; the case
// waits for the user and its SLA clock pauses.
type InfoRequested struct {
	Question string `json:"question"`
}

// UserReplied: the reporter answered; work goes on.
type UserReplied struct {
	Body string `json:"body"`
	// Attachments came with the reply (a mail's files); optional.
	Attachments []Attachment `json:"attachments,omitempty"`
	// MailAuth: how the sender of a reply by mail was authenticated.
	MailAuth string `json:"mailAuth,omitempty"`
}

// ReplyReminded: the reporter was reminded of an unanswered question.
type ReplyReminded struct {
	Question string `json:"question"`
}

// CaseReopened: the reporter was not satisfied with the resolution.
type CaseReopened struct {
	Reason string `json:"reason"`
}

// CaseCancelled: the reporter withdrew the case before it was resolved.
type CaseCancelled struct {
	Reason string `json:"reason"`
}

// ReferenceAllocated: reference number n of a year went to a case. These
// events make up the reference streams.
type ReferenceAllocated struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference"`
}

func (CaseOpened) EventType() string         { return "CaseOpened" }
func (CaseClaimed) EventType() string        { return "CaseClaimed" }
func (CaseResolved) EventType() string       { return "CaseResolved" }
func (CaseClosed) EventType() string         { return "CaseClosed" }
func (CaseAssigned) EventType() string       { return "CaseAssigned" }
func (CommentAdded) EventType() string       { return "CommentAdded" }
func (InfoRequested) EventType() string      { return "InfoRequested" }
func (UserReplied) EventType() string        { return "UserReplied" }
func (ReplyReminded) EventType() string      { return "ReplyReminded" }
func (CaseReopened) EventType() string       { return "CaseReopened" }
func (CaseCancelled) EventType() string      { return "CaseCancelled" }
func (SLAStarted) EventType() string         { return "SLAStarted" }
func (SLAPaused) EventType() string          { return "SLAPaused" }
func (SLAResumed) EventType() string         { return "SLAResumed" }
func (SLAResponded) EventType() string       { return "SLAResponded" }
func (SLAStopped) EventType() string         { return "SLAStopped" }
func (SLAWarned) EventType() string          { return "SLAWarned" }
func (SLABreached) EventType() string        { return "SLABreached" }
func (ReferenceAllocated) EventType() string { return "ReferenceAllocated" }

// decoders knows every event type, so history, audit and projections can
// decode what was stored.
var decoders = map[string]func([]byte) (Event, error){}

func register[E Event]() {
	var zero E
	decoders[zero.EventType()] = func(data []byte) (Event, error) {
		var e E
		err := json.Unmarshal(data, &e)
		return e, err
	}
}

func init() {
	register[CaseOpened]()
	register[CaseClaimed]()
	register[CaseResolved]()
	register[CaseClosed]()
	register[CaseAssigned]()
	register[CommentAdded]()
	register[InfoRequested]()
	register[UserReplied]()
	register[ReplyReminded]()
	register[CaseReopened]()
	register[CaseCancelled]()
	register[SLAStarted]()
	register[SLAPaused]()
	register[SLAResumed]()
	register[SLAResponded]()
	register[SLAStopped]()
	register[SLAWarned]()
	register[SLABreached]()
	register[ReferenceAllocated]()

	// Personal data (personal.go): what erasing a case's key removes.
	attached := []string{"attachments[].name", "attachments[].sha256"}
	declarePersonal[CaseOpened](append([]string{"title", "description"}, attached...)...)
	declarePersonal[CaseClaimed]()
	declarePersonal[CaseResolved]("resolution")
	declarePersonal[CaseClosed]()
	declarePersonal[CaseAssigned]()
	declarePersonal[CommentAdded](append([]string{"body"}, attached...)...)
	declarePersonal[InfoRequested]("question")
	declarePersonal[UserReplied](append([]string{"body"}, attached...)...)
	declarePersonal[ReplyReminded]("question")
	declarePersonal[CaseReopened]("reason")
	declarePersonal[CaseCancelled]("reason")
	declarePersonal[SLAStarted]()
	declarePersonal[SLAPaused]()
	declarePersonal[SLAResumed]()
	declarePersonal[SLAResponded]()
	declarePersonal[SLAStopped]()
	declarePersonal[SLAWarned]()
	declarePersonal[SLABreached]()
	declarePersonal[ReferenceAllocated]()
}

// DecodeEvent turns stored JSON back into a typed event (a value, not a
// pointer).
func DecodeEvent(eventType string, data []byte) (Event, error) {
	decode, ok := decoders[eventType]
	if !ok {
		return nil, fmt.Errorf("unknown event type %q", eventType)
	}
	e, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
