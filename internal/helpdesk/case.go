package helpdesk

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Kind is the kind of work a case is.
type Kind string

// Kinds of cases. All share one family so one queue holds them all.
const (
	KindIncident  Kind = "incident"
	KindGuidance  Kind = "guidance"
	KindOrder     Kind = "order"
	KindNewUser   Kind = "new-user"
	KindESAAccess Kind = "esa-access"
	KindDeparture Kind = "departure"
)

// Status is where a case is in its life.
type Status string

// Statuses, as API.md lists them.
const (
	StatusNew              Status = "new"
	StatusInProgress       Status = "in-progress"
	StatusWaitingForUser   Status = "waiting-for-user"
	StatusAwaitingApproval Status = "awaiting-approval"
	StatusResolved         Status = "resolved"
	StatusClosed           Status = "closed"
	StatusRejected         Status = "rejected"
	StatusCancelled        Status = "cancelled"
)

// Priority of an incident or guidance case.
type Priority string

// Priorities; PriorityNormal is the default.
const (
	PriorityLow      Priority = "low"
	PriorityNormal   Priority = "normal"
	PriorityHigh     Priority = "high"
	PriorityCritical Priority = "critical"
)

// Priorities lists the valid priorities, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityCritical}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	for _, q := range Priorities {
		if p == q {
			return true
		}
	}
	return false
}

// Channel is how the case reached the help desk.
type Channel string

// Channels; ChannelPortal is the default.
const (
	ChannelPortal Channel = "portal"
	ChannelEmail  Channel = "email"
	ChannelPhone  Channel = "phone"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	return c == ChannelPortal || c == ChannelEmail || c == ChannelPhone
}

// FirstLineGroup is the caseworker group that receives new cases.
const FirstLineGroup = "brukerhjelp"

// Case is a case as folded from its events.
type Case struct {
	ID          string      `json:"id"`
	Reference   string      `json:"reference"`
	Kind        Kind        `json:"kind"`
	Status      Status      `json:"status"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Priority    Priority    `json:"priority,omitempty"`
	Service     string      `json:"service,omitempty"`
	Channel     Channel     `json:"channel,omitempty"`
	Reporter    string      `json:"reporter"`
	CreatedBy   string      `json:"createdBy,omitempty"`
	Assignee    string      `json:"assignee"`
	Group       string      `json:"group"`
	Resolution  string      `json:"resolution,omitempty"`
	CloseReason CloseReason `json:"closeReason,omitempty"`
	// Question is the assignee's open question while waiting for the user.
	Question     string    `json:"question,omitempty"`
	WaitingSince time.Time `json:"waitingSince,omitzero"`
	Reminded     bool      `json:"-"`
	Reopened     int       `json:"reopened"`
	Comments     []Comment `json:"comments"`
	// Attachments came with the case when it was opened.
	Attachments []Attachment `json:"attachments,omitempty"`
	// MailAuth says how the sender of a case opened by mail was
	// authenticated (internal/mailauth).
	MailAuth  string            `json:"mailAuth,omitempty"`
	SLA       *SLA              `json:"sla,omitempty"`
	Tasks     []Task            `json:"tasks,omitempty"`
	Order     *Order            `json:"order,omitempty"`
	Access    *ESAAccess        `json:"access,omitempty"`
	Departure *DepartureRequest `json:"departure,omitempty"`
	// DepartureEffective: the last working day has ended.
	DepartureEffective bool     `json:"departureEffective,omitempty"`
	NewUser            *NewUser `json:"newUser,omitempty"`
	// Announcement is the outage the case is linked to (announcement.go).
	Announcement *AnnouncementLink `json:"announcement,omitempty"`
	CreatedAt    time.Time         `json:"createdAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
	ResolvedAt   time.Time         `json:"resolvedAt,omitzero"`
	ClosedAt     time.Time         `json:"closedAt,omitzero"`
	// Revision is the stream revision of the case's last event; -1 before
	// the case is opened.
	Revision int64 `json:"revision"`

	// Erasure says when and why the case's personal data was erased
	// (personal.go); its personal fields then read as Erased.
	Erasure *Erasure `json:"erasure,omitempty"`
}

// Stream is the event-store stream that holds a case's events.
func Stream(caseID string) string { return "case-" + caseID }

// ReferencePrefix starts every human case reference.
const ReferencePrefix = "BH"

var referencePattern = regexp.MustCompile(`^BH-(\d{4})-(\d{6,})$`)

// FormatReference makes the human reference of the n-th case of a year,
// e.g. BH-2026-000042.
func FormatReference(year int, n uint64) string {
	return fmt.Sprintf("%s-%04d-%06d", ReferencePrefix, year, n)
}

// ParseReference splits a reference into year and sequence number.
func ParseReference(ref string) (year int, n uint64, ok bool) {
	m := referencePattern.FindStringSubmatch(ref)
	if m == nil {
		return 0, 0, false
	}
	year, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, 0, false
	}
	n, err = strconv.ParseUint(m[2], 10, 64)
	if err != nil || n == 0 {
		return 0, 0, false
	}
	return year, n, true
}

// ReferenceStream is the stream whose n-th event (revision n-1) allocates
// reference n of a year to a case.
func ReferenceStream(year int) string { return fmt.Sprintf("reference-%04d", year) }

// NewUser is the onboarding part of a new-user case.
type NewUser struct {
	Request   NewUserRequest `json:"request"`
	Username  string         `json:"username,omitempty"`
	Reported  bool           `json:"reported"`
	Escalated bool           `json:"escalated"`
	Ready     bool           `json:"ready"`
	Missing   []string       `json:"missing,omitempty"`
}
