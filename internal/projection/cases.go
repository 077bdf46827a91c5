package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// caseStreamPrefix starts the streams the cases projection reads; others
// (the reference streams) are passed over.
const caseStreamPrefix = "case-"

// handleCase applies one event to the cases and tasks tables.
func (p *Projector) handleCase(msg *message.Message) error {
	ev, err := fromMessage(msg)
	if err != nil {
		return poison(err)
	}
	var change *live.Change // for Options.Live (live.go)
	applied, err := p.db.Project(msg.Context(), Cases, ev.Position, func(ctx context.Context, tx *readmodel.Tx) error {
		if err := p.applyCase(ctx, tx, ev); err != nil {
			return err
		}
		change = p.liveChange(ctx, tx, ev)
		return nil
	})
	if err != nil {
		if !isPoison(err) {
			p.failed(err)
		}
		return fmt.Errorf("event %s at position %d (%s %s@%d): %w", ev.ID, ev.Position, ev.Type, ev.Stream, ev.Revision, err)
	}
	if applied && isErasure(ev) {
		p.scrub(msg.Context())
	}
	if applied {
		p.live.observe(ev, time.Now())
		if change != nil {
			p.opts.Live.Publish(*change)
		}
	}
	p.succeeded()
	return nil
}

// applyCase folds ev onto its case with the domain's own Apply and writes
// the result. It runs inside the transaction that moves the checkpoint.
func (p *Projector) applyCase(ctx context.Context, tx *readmodel.Tx, ev eventstore.RecordedEvent) error {
	if id, ok := strings.CutPrefix(ev.Stream, helpdesk.AnnouncementStreamPrefix); ok {
		return p.applyAnnouncement(ctx, tx, id, ev) // announcements.go
	}
	id, ok := strings.CutPrefix(ev.Stream, caseStreamPrefix)
	if !ok {
		tx.Ignore()
		return nil
	}
	c, seen, exists, err := tx.Case(ctx, id)
	if errors.Is(err, readmodel.ErrBadState) {
		return poison(err)
	}
	if err != nil {
		return err
	}
	rev := int64(ev.Revision)
	switch {
	case rev <= seen:
		// Already folded in; cannot happen while the checkpoint commits
		// with the row, but costs nothing to tolerate.
		tx.Ignore()
		return nil
	case rev != seen+1:
		// An earlier event of the stream is missing (it was poisoned):
		// folding on would build a case that never existed.
		return poison(fmt.Errorf("case %s: revision %d follows revision %d; an earlier event was not applied", id, rev, seen))
	}
	if !knownType(ev.Type) {
		// Written by newer code: pass over it, counted, and remember the
		// stream got this far so the next event is not taken for a gap.
		tx.Skip()
		p.log.Warn("projection: unknown event type skipped", "type", ev.Type, "stream", ev.Stream, "revision", ev.Revision)
		if exists {
			return tx.MarkSeen(ctx, id, rev)
		}
		return nil
	}
	e, err := helpdesk.DecodeEvent(ev.Type, ev.Data)
	if err != nil {
		return poison(err)
	}
	var m helpdesk.Metadata
	if err := json.Unmarshal(ev.Metadata, &m); err != nil {
		return poison(fmt.Errorf("metadata: %w", err))
	}
	if isErasure(ev) && exists {
		return p.applyErasure(ctx, tx, ev, id) // privacy.go
	}
	before := c // for notifications: Apply copies what it changes
	c.Apply(e, m, rev)
	if c.ID != id {
		return poison(fmt.Errorf("stream %s holds case %q; a case stream starts with CaseOpened of its own case", ev.Stream, c.ID))
	}
	if err := tx.PutCase(ctx, c, rev); err != nil {
		return err
	}
	// Who is told what, in the same transaction (notifications.go).
	if err := p.notify(ctx, tx, ev, before, c, e, m); err != nil {
		return err
	}
	if p.fault != nil {
		return p.fault(ctx, ev)
	}
	return nil
}

// knownType reports whether this code can decode events of type t. Every
// known type decodes "{}"; DecodeEvent has no sentinel for unknown types.
func knownType(t string) bool {
	_, err := helpdesk.DecodeEvent(t, []byte("{}"))
	return err == nil
}

// poisonError marks a failure that no retry can fix: the event itself
// cannot be applied.
type poisonError struct{ err error }

func (e poisonError) Error() string { return e.err.Error() }
func (e poisonError) Unwrap() error { return e.err }

func poison(err error) error { return poisonError{err} }

func isPoison(err error) bool {
	var p poisonError
	return errors.As(err, &p)
}

// cannotSucceed decides what goes to the poison queue once retries are
// spent: bad events and panics. Anything else (the database was locked,
// the disk full) is handed back and redelivered until it succeeds, so a
// passing outage never turns good events into poisoned ones.
func cannotSucceed(err error) bool {
	var panicked middleware.RecoveredPanicError
	return isPoison(err) || errors.As(err, &panicked)
}

// recordPoisoned keeps a poisoned event in the read model and moves the
// checkpoint past it, in one transaction.
func (p *Projector) recordPoisoned(msg *message.Message) error {
	ev, err := fromMessage(msg)
	if err != nil {
		// Only a bug in toMessage gets here; there is no position to
		// record it at, so say it loudly.
		p.log.Error("projection: unreadable poisoned message", "uuid", msg.UUID, "error", err)
		return nil
	}
	projection := msg.Metadata.Get(middleware.PoisonedHandlerKey)
	reason := msg.Metadata.Get(middleware.ReasonForPoisonedKey)
	if err := p.db.RecordPoisoned(msg.Context(), readmodel.PoisonedEvent{
		Projection: projection, Position: ev.Position, EventID: ev.ID.String(), Stream: ev.Stream, Type: ev.Type,
		Revision: ev.Revision, CorrelationID: middleware.MessageCorrelationID(msg), Reason: reason,
	}); err != nil {
		return err
	}
	// A panic's reason carries its stack; the log gets the first line, the
	// table all of it.
	summary, _, _ := strings.Cut(reason, "\n")
	p.log.Error("projection: event poisoned; the read model misses it until rebuilt",
		"projection", projection, "position", ev.Position, "event", ev.ID, "stream", ev.Stream, "type", ev.Type, "reason", summary)
	return nil
}
