package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
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
	if from == 0 {
		p.log.Info("projection: building the read model from the record")
	} else {
		p.log.Info("projection: resuming", "after", from)
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
