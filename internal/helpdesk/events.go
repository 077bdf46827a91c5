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
}

// CaseClaimed: a caseworker took the case.
type CaseClaimed struct {
	Assignee string `json:"assignee"`
}

// CaseResolved: the assignee solved it; the reporter is told.
type CaseResolved struct {
	Resolution string `json:"resolution"`
}

// CaseClosed: the case is finished (confirmed by the reporter).
type CaseClosed struct {
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
func (ReferenceAllocated) EventType() string { return "ReferenceAllocated" }

// decoders knows every event type, so history, audit and projections can
// decode what was stored.
var decoders = map[string]func() Event{
	"CaseOpened":         func() Event { return &CaseOpened{} },
	"CaseClaimed":        func() Event { return &CaseClaimed{} },
	"CaseResolved":       func() Event { return &CaseResolved{} },
	"CaseClosed":         func() Event { return &CaseClosed{} },
	"ReferenceAllocated": func() Event { return &ReferenceAllocated{} },
}

// DecodeEvent turns stored JSON back into a typed event.
func DecodeEvent(eventType string, data []byte) (Event, error) {
	mk, ok := decoders[eventType]
	if !ok {
		return nil, fmt.Errorf("unknown event type %q", eventType)
	}
	e := mk()
	if err := json.Unmarshal(data, e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
