package projection

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// An erasure (helpdesk.PersonalDataErased, docs/PRIVACY.md) destroyed the
// key of a case's personal data, so its events now read with those fields
// erased, but the read model still holds them as they were folded: its
// snapshot, its columns, its tasks and its notifications. The projector
// therefore folds the case afresh from the record, which is exactly what a
// rebuild would write, and writes it all again.

// isErasure reports whether ev is an erasure.
func isErasure(ev eventstore.RecordedEvent) bool {
	return ev.Type == (helpdesk.PersonalDataErased{}).EventType()
}

// applyErasure folds case id afresh from its stream up to ev and replaces
// its row, tasks and notifications (the notifications get the same ids,
// so their read flags still match).
func (p *Projector) applyErasure(ctx context.Context, tx *readmodel.Tx, ev eventstore.RecordedEvent, id string) error {
	evs, err := p.store.ReadStream(ctx, ev.Stream, 0, int(ev.Revision)+1)
	if err != nil {
		return fmt.Errorf("erasure: read %s: %w", ev.Stream, err)
	}
	if len(evs) != int(ev.Revision)+1 || evs[len(evs)-1].ID != ev.ID {
		return poison(fmt.Errorf("erasure: %s does not lead up to event %s at revision %d", ev.Stream, ev.ID, ev.Revision))
	}
	if err := tx.DeleteCaseNotifications(ctx, id); err != nil {
		return err
	}
	c := helpdesk.NewCase()
	for _, e := range evs {
		if !knownType(e.Type) {
			continue // skipped when it was projected, too
		}
		dec, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			return poison(err)
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return poison(fmt.Errorf("metadata: %w", err))
		}
		before := c
		c.Apply(dec, m, int64(e.Revision))
		if err := p.notify(ctx, tx, e, before, c, dec, m); err != nil {
			return err
		}
	}
	if c.ID != id {
		return poison(fmt.Errorf("stream %s holds case %q", ev.Stream, c.ID))
	}
	return tx.PutCase(ctx, c, int64(ev.Revision))
}

// scrub has the read model's files forget what an erasure overwrote; a
// failure is logged, and the next erasure tries again.
func (p *Projector) scrub(ctx context.Context) {
	if err := p.db.Scrub(ctx); err != nil {
		p.log.Warn("projection: after an erasure the read model's log could not be truncated", "error", err)
	}
}
