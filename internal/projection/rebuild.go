package projection

import (
	"context"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// CatchUp applies the record, from the read model's checkpoint to the end
// as it is now, in batches, and returns the projection's stats: an
// offline rebuild (brukerhjelp projections rebuild). It logs progress
// like Run. An event that cannot be applied is poisoned (recorded, and
// passed over) as Run would after its retries; any other failure stops
// it with an error, and running it again goes on from the checkpoint.
func (p *Projector) CatchUp(ctx context.Context) (readmodel.Stats, error) {
	from, err := p.db.Checkpoint(ctx, Cases)
	if err != nil {
		return readmodel.Stats{}, err
	}
	restore := func(context.Context) error { return nil }
	if from == 0 {
		// An empty read model: its read-side indexes are built once at
		// the end, not row by row (and, should this stop before, when the
		// read model is opened next).
		if restore, err = p.db.DeferIndexes(ctx); err != nil {
			return readmodel.Stats{}, err
		}
		defer func() {
			if restore != nil {
				restore(context.WithoutCancel(ctx))
			}
		}()
	}
	if _, err := p.catchUp(ctx, from, true, func(evs []eventstore.RecordedEvent) error {
		for _, ev := range evs {
			_, err := p.db.Project(ctx, Cases, ev.Position, func(ctx context.Context, tx *readmodel.Tx) error {
				return p.applyCase(ctx, tx, ev)
			})
			if err == nil {
				continue
			}
			if !isPoison(err) {
				return fmt.Errorf("event %s at position %d (%s %s@%d): %w", ev.ID, ev.Position, ev.Type, ev.Stream, ev.Revision, err)
			}
			if err := p.db.RecordPoisoned(ctx, readmodel.PoisonedEvent{Projection: Cases, Position: ev.Position, EventID: ev.ID.String(),
				Stream: ev.Stream, Type: ev.Type, Revision: ev.Revision, Reason: err.Error()}); err != nil {
				return err
			}
			p.log.Error("projection: event poisoned; the read model misses it", "position", ev.Position, "event", ev.ID,
				"stream", ev.Stream, "type", ev.Type, "reason", err)
		}
		return nil
	}); err != nil {
		return readmodel.Stats{}, fmt.Errorf("projection: %w", err)
	}
	start := time.Now()
	if err := restore(ctx); err != nil {
		return readmodel.Stats{}, fmt.Errorf("projection: %w", err)
	}
	if restore = nil; from == 0 {
		p.log.Info("projection: made the read model's indexes", "seconds", time.Since(start).Round(time.Millisecond).Seconds())
	}
	if to, err := p.db.Checkpoint(ctx, Cases); err == nil && to-from >= analyzeAfter {
		p.analyze(ctx)
	}
	return p.db.Stats(ctx, Cases)
}
