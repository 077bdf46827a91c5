// Package audit is what the auditor's tools share, online (the API's
// audit routes) and offline (brukerhjelp audit): finding a case by its
// reference, folding a case as it was at an instant, the JSON Lines
// export of the record, and the record of who read the record
// (reads.go). It reads the event store through the small Reader
// interface, so a read-only store serves it as well as the live one.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Reader is the part of the event store the auditor's tools read.
type Reader interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error)
	ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error)
}

// ErrNoCase means the reference names no case (or none yet, at asOf).
var ErrNoCase = errors.New("no such case")

// ResolveRef turns a UUID or a BH-reference into a case ID. A reference is
// looked up in its year's reference stream: number n is revision n-1.
func ResolveRef(ctx context.Context, r Reader, ref string) (string, error) {
	if id, err := uuid.Parse(ref); err == nil {
		return id.String(), nil
	}
	year, n, ok := helpdesk.ParseReference(ref)
	if !ok {
		return "", ErrNoCase
	}
	evs, err := r.ReadStream(ctx, helpdesk.ReferenceStream(year), n-1, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) || (err == nil && len(evs) == 0) {
		return "", ErrNoCase
	}
	if err != nil {
		return "", err
	}
	var ra helpdesk.ReferenceAllocated
	if err := json.Unmarshal(evs[0].Data, &ra); err != nil {
		return "", err
	}
	return ra.CaseID, nil
}

// Fold folds a case's events with the domain's own Apply; ErrNoCase if
// they do not open a case.
func Fold(evs []eventstore.RecordedEvent) (helpdesk.Case, error) {
	c := helpdesk.NewCase()
	for _, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			return c, err
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return c, err
		}
		c.Apply(ev, m, int64(e.Revision))
	}
	if c.ID == "" {
		return c, ErrNoCase
	}
	return c, nil
}

// UpTo is the prefix of a stream's events that had occurred at asOf.
func UpTo(evs []eventstore.RecordedEvent, asOf time.Time) []eventstore.RecordedEvent {
	for i, e := range evs {
		var m helpdesk.Metadata
		if json.Unmarshal(e.Metadata, &m) == nil && m.OccurredAt.After(asOf) {
			return evs[:i]
		}
	}
	return evs
}

// CaseAsOf folds case id as it was at asOf and returns it with the events
// it was folded from. ErrNoCase if the case did not exist (yet).
func CaseAsOf(ctx context.Context, r Reader, id string, asOf time.Time) (helpdesk.Case, []eventstore.RecordedEvent, error) {
	evs, err := r.ReadStream(ctx, helpdesk.Stream(id), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Case{}, nil, ErrNoCase
	}
	if err != nil {
		return helpdesk.Case{}, nil, err
	}
	evs = UpTo(evs, asOf)
	c, err := Fold(evs)
	return c, evs, err
}

// ExportLine is one event of the JSON Lines export (GET /audit/export,
// brukerhjelp audit export).
type ExportLine struct {
	Stream     string          `json:"stream"`
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Revision   uint64          `json:"revision"`
	Position   uint64          `json:"position"`
	RecordedAt time.Time       `json:"recordedAt"`
	Data       json.RawMessage `json:"data"`
	Metadata   json.RawMessage `json:"metadata"`
	Hash       string          `json:"hash"`
	PrevHash   string          `json:"prevHash"`
}

// exportPage bounds memory: the export reads the record page by page.
const exportPage = 1000

// Export writes every event recorded in [from, to) (a zero bound is
// open) as JSON Lines, in global order, in constant memory. flush, if not
// nil, runs after every page.
func Export(ctx context.Context, r Reader, w io.Writer, from, to time.Time, flush func()) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var after uint64
	for {
		evs, err := r.ReadAll(ctx, after, exportPage, eventstore.Filter{})
		if err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		for _, e := range evs {
			after = e.Position
			if (!from.IsZero() && e.RecordedAt.Before(from)) || (!to.IsZero() && !e.RecordedAt.Before(to)) {
				continue
			}
			line := ExportLine{Stream: e.Stream, ID: e.ID.String(), Type: e.Type, Revision: e.Revision, Position: e.Position,
				RecordedAt: e.RecordedAt, Data: e.Data, Metadata: e.Metadata, Hash: e.Hash, PrevHash: e.PrevHash}
			if len(line.Metadata) == 0 {
				line.Metadata = json.RawMessage("{}")
			}
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("audit export: %w", err)
			}
		}
		if flush != nil {
			flush()
		}
		if len(evs) < exportPage {
			return nil
		}
	}
}

// HistoryEvent is one entry of a case's history (GET /cases/{ref}/history,
// brukerhjelp audit replay).
type HistoryEvent struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Revision   uint64          `json:"revision"`
	Position   uint64          `json:"position"`
	OccurredAt time.Time       `json:"occurredAt"`
	RecordedAt time.Time       `json:"recordedAt"`
	Actor      string          `json:"actor"`
	Data       json.RawMessage `json:"data"`
	Hash       string          `json:"hash"`
	PrevHash   string          `json:"prevHash"`
}

// HistoryOf is e as a history entry.
func HistoryOf(e eventstore.RecordedEvent) HistoryEvent {
	var m helpdesk.Metadata
	_ = json.Unmarshal(e.Metadata, &m)
	data := json.RawMessage(e.Data)
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return HistoryEvent{
		ID: e.ID.String(), Type: e.Type, Revision: e.Revision, Position: e.Position,
		// In Oslo, as every time the help desk shows; the metadata as
		// stored (which the hash covers) says the same instant.
		OccurredAt: m.OccurredAt.In(helpdesk.Oslo), RecordedAt: e.RecordedAt.In(helpdesk.Oslo), Actor: m.Actor,
		Data: data, Hash: e.Hash, PrevHash: e.PrevHash,
	}
}
