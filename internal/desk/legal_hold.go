package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// CaseHold is a case's legal hold (after a change).
type CaseHold struct {
	CaseID    string             `json:"caseId"`
	Reference string             `json:"reference"`
	Kind      helpdesk.Kind      `json:"kind"`
	Status    helpdesk.Status    `json:"status"`
	LegalHold helpdesk.LegalHold `json:"legalHold"`
	// Erased: the case's personal data is gone already; nothing to hold.
	Erased bool `json:"erased"`
}

// LegalHoldOf is a case's legal hold as the data protection officer sees
// it before she sets or lifts one.
func (d *Desk) LegalHoldOf(ctx context.Context, actor helpdesk.Actor, ref string) (CaseHold, error) {
	if err := Authorize(actor, ActionLegalHold); err != nil {
		return CaseHold{}, err
	}
	id, err := d.caseID(ctx, ref)
	if err != nil {
		return CaseHold{}, err
	}
	c, err := d.loadCase(ctx, id)
	if err != nil {
		return CaseHold{}, err
	}
	h, err := d.legalHold(ctx, id)
	if err != nil {
		return CaseHold{}, err
	}
	return caseHold(c, h), nil
}

func caseHold(c helpdesk.Case, h helpdesk.LegalHold) CaseHold {
	return CaseHold{CaseID: c.ID, Reference: c.Reference, Kind: c.Kind, Status: c.Status, LegalHold: h, Erased: c.Erasure != nil}
}

// holdSpace derives the IDs of hold events from their stream and
// revision, so a request sent twice cannot record two holds.
var holdSpace = uuid.MustParse("2c3f6f4a-0f6e-4d55-9a8e-7b1f0d2e3c41")

// SetLegalHold keeps a case's personal data past its retention until the
// hold is lifted: a dispute, a complaint, an inquiry (reason says which).
// Only the data protection officer may; she need not see the case in
// the help desk's lists to hold it. The hold has a stream of its own
// (the case's stream is its workflow's while the case runs).
func (d *Desk) SetLegalHold(ctx context.Context, actor helpdesk.Actor, ref, reason string) (CaseHold, error) {
	return d.changeHold(ctx, actor, ref, func(h helpdesk.LegalHold, c helpdesk.Case) (helpdesk.Event, error) {
		return h.SetHold(c, reason)
	})
}

// LiftLegalHold ends a case's legal hold; retention applies again.
func (d *Desk) LiftLegalHold(ctx context.Context, actor helpdesk.Actor, ref, reason string) (CaseHold, error) {
	return d.changeHold(ctx, actor, ref, func(h helpdesk.LegalHold, c helpdesk.Case) (helpdesk.Event, error) {
		return h.LiftHold(c, reason)
	})
}

func (d *Desk) changeHold(ctx context.Context, actor helpdesk.Actor, ref string, decide func(helpdesk.LegalHold, helpdesk.Case) (helpdesk.Event, error)) (CaseHold, error) {
	if err := Authorize(actor, ActionLegalHold); err != nil {
		return CaseHold{}, err
	}
	id, err := d.caseID(ctx, ref)
	if err != nil {
		return CaseHold{}, err
	}
	c, err := d.loadCase(ctx, id)
	if err != nil {
		return CaseHold{}, err
	}
	h, err := d.legalHold(ctx, id)
	if err != nil {
		return CaseHold{}, err
	}
	ev, err := decide(h, c)
	if err != nil {
		return CaseHold{}, fromDomain(err)
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return CaseHold{}, err
	}
	m := helpdesk.Metadata{Actor: actor.Username, OccurredAt: d.now().UTC()}
	meta, err := json.Marshal(m)
	if err != nil {
		return CaseHold{}, err
	}
	stream := helpdesk.LegalHoldStream(id)
	expected := eventstore.NoStream()
	if h.Revision >= 0 {
		expected = eventstore.Exact(uint64(h.Revision))
	}
	eid := uuid.NewSHA1(holdSpace, fmt.Appendf(nil, "%s\x00%d", stream, expected.Next()))
	_, err = d.record.Append(ctx, stream, expected, eventstore.EventData{ID: eid, Type: ev.EventType(), Data: data, Metadata: meta})
	if errors.Is(err, eventstore.ErrWrongExpectedRevision) || errors.Is(err, eventstore.ErrIDConflict) {
		return CaseHold{}, refuse(Conflict, "", "rettslig hold ble endret samtidig; last inn på nytt", "the legal hold was changed meanwhile; reload")
	}
	if err != nil {
		return CaseHold{}, fmt.Errorf("desk: record hold of %s: %w", id, err)
	}
	h.Apply(ev, m, int64(expected.Next()))
	return caseHold(c, h), nil
}

// legalHold reads a case's hold from the record.
func (d *Desk) legalHold(ctx context.Context, caseID string) (helpdesk.LegalHold, error) {
	h, err := audit.LegalHold(ctx, d.record, caseID)
	if err != nil {
		return h, fmt.Errorf("desk: %w", err)
	}
	return h, nil
}
