package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Metadata keys of an event message. The payload is the event's data.
const (
	metaStream     = "stream"
	metaType       = "type"
	metaRevision   = "revision"
	metaPosition   = "position"
	metaRecordedAt = "recorded_at"
	// metaEvent holds the event's own JSON metadata (actor, occurredAt).
	metaEvent = "event_metadata"
)

// forward publishes the record from the checkpoint on, until ctx is done
// or the store is closed. A failing subscription is opened again, from
// the checkpoint, after a pause.
func (p *Projector) forward(ctx context.Context, pub message.Publisher) error {
	pause := time.Second
	for {
		err := p.forwardOnce(ctx, pub)
		if ctx.Err() != nil || errors.Is(err, eventstore.ErrClosed) {
			return err
		}
		p.log.Warn("projection: event subscription failed; opening it again", "error", err, "in", pause)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (p *Projector) forwardOnce(ctx context.Context, pub message.Publisher) error {
	// The checkpoint is read afresh each time: everything up to it is in
	// the read model, and every published event was acknowledged (applied
	// or poisoned) before the next was read.
	from, err := p.db.Checkpoint(ctx, Cases)
	if err != nil {
		return err
	}
	head, _ := p.head(ctx)
	if from == 0 {
		p.log.Info("projection: building the read model from the record", "events", head)
	} else {
		p.log.Info("projection: resuming", "after", from, "head", head)
	}
	start := from
	if from, err = p.catchUp(ctx, from, false, func(evs []eventstore.RecordedEvent) error {
		// One event of the batch failed: the router takes them one by one,
		// with its retries and poison queue. Those already applied are
		// passed over by the checkpoint.
		for _, ev := range evs {
			if err := pub.Publish(TopicEvents, toMessage(ev)); err != nil {
				return fmt.Errorf("publish event at %d: %w", ev.Position, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if start == 0 && from >= analyzeAfter {
		p.analyze(ctx)
	}
	sub, err := p.store.Subscribe(ctx, from, eventstore.Filter{})
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer sub.Close()
	for {
		ev, err := sub.Recv(ctx)
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		if err := pub.Publish(TopicEvents, toMessage(ev)); err != nil {
			return fmt.Errorf("publish event at %d: %w", ev.Position, err)
		}
		if n := p.handled.Add(1); n%int64(p.opts.ProgressEvery) == 0 {
			p.log.Info("projection: progress", "events", n, "position", ev.Position)
		}
	}
}

// catchUp applies the record after from in batches of Options.BatchSize
// events, one transaction each, for as long as it finds full batches: far
// behind the head, that is many times faster than an event per
// transaction. It returns the position it got to; the subscription goes
// on from there, event by event, which keeps the lag of live events low.
// A batch that fails is handed to oneByOne (the router, or Rebuild's own
// loop), so a bad event is retried or poisoned alone.
//
// With drain it goes on to the end of the record, short batch included.
func (p *Projector) catchUp(ctx context.Context, from uint64, drain bool, oneByOne func([]eventstore.RecordedEvent) error) (uint64, error) {
	size := p.opts.BatchSize
	if size <= 1 && !drain {
		return from, nil
	}
	var (
		start    = time.Now()
		lastLog  = start
		n        int
		head, _  = p.head(ctx)
		announce = head > from && head-from >= uint64(size)
	)
	for {
		evs, err := p.store.ReadAll(ctx, from, size, eventstore.Filter{})
		if err != nil {
			return from, fmt.Errorf("read the record after %d: %w", from, err)
		}
		if len(evs) == 0 || (len(evs) < size && !drain) {
			break
		}
		if err := p.applyBatch(ctx, evs); err != nil {
			if ctx.Err() != nil {
				return from, ctx.Err()
			}
			p.log.Warn("projection: a batch failed; applying its events one by one",
				"from", evs[0].Position, "to", evs[len(evs)-1].Position, "error", err)
			if err := oneByOne(evs); err != nil {
				return from, err
			}
		}
		from = evs[len(evs)-1].Position
		n += len(evs)
		p.handled.Add(int64(len(evs)))
		if now := time.Now(); now.Sub(lastLog) >= p.opts.ProgressInterval {
			lastLog = now
			if h, err := p.head(ctx); err == nil && h > head {
				head = h
			}
			p.log.Info("projection: catching up", "position", from, "head", head, "percent", percent(from, head),
				"events", n, "eventsPerSecond", int(float64(n)/now.Sub(start).Seconds()))
		}
	}
	if announce {
		elapsed := time.Since(start)
		p.log.Info("projection: caught up with the record", "position", from, "events", n,
			"seconds", elapsed.Round(time.Millisecond).Seconds(), "eventsPerSecond", int(float64(n)/max(elapsed.Seconds(), 1e-9)))
	}
	return from, nil
}

// applyBatch applies evs in one transaction with one checkpoint move. A
// panic fails the batch like an error; the router's Recoverer then meets
// it again event by event.
func (p *Projector) applyBatch(ctx context.Context, evs []eventstore.RecordedEvent) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a batch: %v", r)
		}
	}()
	erased := false
	err = p.db.ProjectBatch(ctx, Cases, func(ctx context.Context, b *readmodel.Batch) error {
		// The batch's cases in one read, not one each.
		var ids []string
		for _, ev := range evs {
			if id, ok := strings.CutPrefix(ev.Stream, caseStreamPrefix); ok && ev.Position > b.Checkpoint() {
				ids = append(ids, id)
			}
		}
		if err := b.Prefetch(ctx, ids); err != nil {
			return err
		}
		for _, ev := range evs {
			erased = erased || isErasure(ev)
			if _, err := b.Step(ctx, ev.Position, func(ctx context.Context, tx *readmodel.Tx) error {
				return p.applyCase(ctx, tx, ev)
			}); err != nil {
				return fmt.Errorf("event %s at position %d (%s %s@%d): %w", ev.ID, ev.Position, ev.Type, ev.Stream, ev.Revision, err)
			}
		}
		return nil
	})
	if err == nil && erased {
		p.scrub(ctx)
	}
	return err
}

// analyzeAfter is how far into the record a read model built from
// scratch must have got for the planner's statistics to be refreshed
// after: built from empty, a table's statistics say it is empty.
const analyzeAfter = 10_000

// analyze refreshes the read model's statistics (readmodel.DB.Analyze)
// and builds the KPI report's days, after a build from the record;
// failing only makes queries plan with older statistics, or reports
// read by index.
func (p *Projector) analyze(ctx context.Context) {
	start := time.Now()
	if err := p.db.Analyze(ctx); err != nil {
		p.log.Warn("projection: refreshing the read model's statistics failed", "error", err)
		return
	}
	p.log.Info("projection: refreshed the read model's statistics", "seconds", time.Since(start).Round(time.Millisecond).Seconds())
	// The KPI report's days (readmodel/kpi_days.go), so that the first
	// report after a build is as quick as the next: every past day a
	// report may ask about.
	start = time.Now()
	n, err := p.db.RefreshKPIDays(ctx, start.AddDate(0, 0, -kpi.MaxPeriodDays), start)
	if err != nil {
		p.log.Warn("projection: building the KPI report's days failed; reports read the indexes meanwhile", "error", err)
		return
	}
	p.log.Info("projection: built the KPI report's days", "days", n, "seconds", time.Since(start).Round(time.Millisecond).Seconds())
}

// head returns the position of the last event of the record, when the
// store can tell (for progress reports); 0 when not.
func (p *Projector) head(ctx context.Context) (uint64, error) {
	h, ok := p.store.(interface {
		Head(context.Context) (uint64, error)
	})
	if !ok {
		return 0, nil
	}
	return h.Head(ctx)
}

func percent(at, head uint64) int {
	if head == 0 {
		return 0
	}
	return int(min(100, 100*at/head))
}

// toMessage makes the message of one recorded event. Its UUID is the
// event's ID, so a message is as identifiable as the event it carries.
func toMessage(ev eventstore.RecordedEvent) *message.Message {
	msg := message.NewMessage(ev.ID.String(), ev.Data)
	msg.Metadata.Set(metaStream, ev.Stream)
	msg.Metadata.Set(metaType, ev.Type)
	msg.Metadata.Set(metaRevision, strconv.FormatUint(ev.Revision, 10))
	msg.Metadata.Set(metaPosition, strconv.FormatUint(ev.Position, 10))
	msg.Metadata.Set(metaRecordedAt, ev.RecordedAt.Format(time.RFC3339Nano))
	msg.Metadata.Set(metaEvent, string(ev.Metadata))
	var m struct {
		CorrelationID string `json:"correlationId"`
	}
	if json.Unmarshal(ev.Metadata, &m) == nil && m.CorrelationID != "" {
		middleware.SetCorrelationID(m.CorrelationID, msg)
	}
	return msg
}

// fromMessage reads the event back out of its message.
func fromMessage(msg *message.Message) (eventstore.RecordedEvent, error) {
	id, err := uuid.Parse(msg.UUID)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("message %q: event id: %w", msg.UUID, err)
	}
	rev, err := strconv.ParseUint(msg.Metadata.Get(metaRevision), 10, 64)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("message %s: revision: %w", msg.UUID, err)
	}
	pos, err := strconv.ParseUint(msg.Metadata.Get(metaPosition), 10, 64)
	if err != nil || pos == 0 {
		return eventstore.RecordedEvent{}, fmt.Errorf("message %s: position %q is not a position", msg.UUID, msg.Metadata.Get(metaPosition))
	}
	at, _ := time.Parse(time.RFC3339Nano, msg.Metadata.Get(metaRecordedAt))
	return eventstore.RecordedEvent{
		ID:         id,
		Stream:     msg.Metadata.Get(metaStream),
		Type:       msg.Metadata.Get(metaType),
		Revision:   rev,
		Position:   pos,
		Data:       msg.Payload,
		Metadata:   []byte(msg.Metadata.Get(metaEvent)),
		RecordedAt: at,
	}, nil
}
