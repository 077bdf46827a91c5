package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// readPage is how many events one $all read asks for.
const readPage = 1000

func count(limit int) uint64 {
	if limit <= 0 {
		return math.MaxInt64 // the server's "everything"
	}
	return uint64(limit)
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	op := fmt.Sprintf("read stream %q", stream)
	var out []eventstore.RecordedEvent
	err := s.eachInStream(ctx, stream, from, count(limit), false, func(e eventstore.RecordedEvent) bool {
		out = append(out, e)
		return true
	})
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	if len(out) == 0 && from > 0 {
		// Nothing from `from` on: an empty answer if the stream exists.
		head, err := s.last(ctx, stream)
		if err != nil {
			return nil, mapErr(ctx, op, err)
		}
		if head == nil {
			return nil, fmt.Errorf("esdbstore: %s: %w", op, eventstore.ErrStreamNotFound)
		}
	}
	return out, nil
}

// eachInStream calls fn for up to n of the stream's events from revision
// from on, until fn returns false. leader asks for the leader's view, for
// reads that must see the latest writes.
func (s *Store) eachInStream(ctx context.Context, stream string, from, n uint64, leader bool, fn func(eventstore.RecordedEvent) bool) error {
	rs, err := s.client.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(from), RequiresLeader: leader}, n)
	if err != nil {
		return err
	}
	defer rs.Close()
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		e, ok := fromESDB(ev)
		if !ok {
			continue
		}
		if !fn(e) {
			return nil
		}
	}
}

func matches(stream string, f eventstore.Filter) bool {
	if len(f.StreamPrefixes) == 0 {
		return true
	}
	for _, p := range f.StreamPrefixes {
		if strings.HasPrefix(stream, p) {
			return true
		}
	}
	return false
}

// ReadAll implements eventstore.Store. This client version cannot filter
// $all reads on the server, so it reads pages of $all and filters here:
// fine for rebuilding read models, but Subscribe, which does filter on the
// server, is the way to follow a few streams.
func (s *Store) ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	op := fmt.Sprintf("read all after %d", after)
	var out []eventstore.RecordedEvent
	err := s.eachInAll(ctx, after, func(e eventstore.RecordedEvent) bool {
		if matches(e.Stream, filter) {
			out = append(out, e)
		}
		return limit <= 0 || len(out) < limit
	})
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	return out, nil
}

// eachInAll calls fn for every non-system event of $all after position
// after, in order, until fn returns false.
func (s *Store) eachInAll(ctx context.Context, after uint64, fn func(eventstore.RecordedEvent) bool) error {
	var from esdb.AllPosition = esdb.Start{}
	if after > 0 {
		from = esdb.Position{Commit: after, Prepare: after}
	}
	var last esdb.Position
	seen := false
	for {
		rs, err := s.client.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, readPage)
		if err != nil {
			return err
		}
		n := 0
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rs.Close()
				return err
			}
			n++
			if ev.Event == nil {
				continue
			}
			p := ev.Event.Position
			// Forward reads include the event at the start position.
			if seen && !later(p, last) {
				continue
			}
			seen, last = true, p
			if system(ev.Event) {
				continue
			}
			e, _ := fromESDB(ev)
			if e.Position <= after {
				continue
			}
			if !fn(e) {
				rs.Close()
				return nil
			}
		}
		rs.Close()
		if n < readPage || !seen {
			return nil
		}
		from = last
	}
}

func later(p, q esdb.Position) bool {
	return p.Commit > q.Commit || (p.Commit == q.Commit && p.Prepare > q.Prepare)
}

// Verify implements eventstore.Store.
func (s *Store) Verify(ctx context.Context, stream string) (eventstore.VerifyResult, error) {
	check := eventstore.NewChainCheck(stream)
	err := s.eachInStream(ctx, stream, 0, math.MaxInt64, false, check.Add)
	if err != nil {
		return eventstore.VerifyResult{}, mapErr(ctx, fmt.Sprintf("verify %q", stream), err)
	}
	if check.Events() == 0 {
		return eventstore.VerifyResult{}, fmt.Errorf("esdbstore: verify %q: %w", stream, eventstore.ErrStreamNotFound)
	}
	return check.Result(), nil
}

// VerifyAll implements eventstore.Store. It reads $all once, in order,
// keeping one chain check (a hash and a revision) per stream, not the
// events.
func (s *Store) VerifyAll(ctx context.Context) (eventstore.VerifyResult, error) {
	checks := map[string]*eventstore.ChainCheck{}
	total := 0
	var bad *eventstore.ChainCheck
	err := s.eachInAll(ctx, 0, func(e eventstore.RecordedEvent) bool {
		c := checks[e.Stream]
		if c == nil {
			c = eventstore.NewChainCheck(e.Stream)
			checks[e.Stream] = c
		}
		total++
		if !c.Add(e) {
			bad = c
			return false
		}
		return true
	})
	if err != nil {
		return eventstore.VerifyResult{}, mapErr(ctx, "verify all", err)
	}
	if bad != nil {
		r := bad.Result()
		r.Events = total
		return r, nil
	}
	return eventstore.VerifyResult{OK: true, Events: total}, nil
}

// Subscribe implements eventstore.Store with a filtered $all subscription:
// the server filters by stream prefix (or drops system events when there is
// no filter), catches up from after and then sends live events on the same
// stream, so there is no gap between the two.
func (s *Store) Subscribe(ctx context.Context, after uint64, filter eventstore.Filter) (eventstore.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("esdbstore: subscribe: %w", err)
	}
	opts := esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: esdb.ExcludeSystemEventsFilter()}
	if after > 0 {
		opts.From = esdb.Position{Commit: after, Prepare: after}
	}
	if len(filter.StreamPrefixes) > 0 {
		prefixes := make([]string, 0, len(filter.StreamPrefixes))
		for _, p := range filter.StreamPrefixes {
			if p == "" { // matches everything: no stream filter
				prefixes = nil
				break
			}
			prefixes = append(prefixes, p)
		}
		if prefixes != nil {
			opts.Filter = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: prefixes}
		}
	}
	inner, err := s.client.SubscribeToAll(ctx, opts)
	if err != nil {
		return nil, mapErr(ctx, "subscribe", err)
	}
	sub := &subscription{
		inner:  inner,
		ctx:    ctx,
		filter: filter,
		after:  after,
		events: make(chan received, 256),
		closed: make(chan struct{}),
	}
	go sub.pump()
	return sub, nil
}

type received struct {
	event eventstore.RecordedEvent
	err   error
}

// subscription pumps the client's blocking Recv into a channel so that
// Recv can honour its own ctx. The pump ends when the subscription is
// closed or its ctx ends (both end the gRPC stream).
type subscription struct {
	inner  *esdb.Subscription
	ctx    context.Context
	filter eventstore.Filter
	after  uint64
	events chan received

	closeOnce sync.Once
	closed    chan struct{}
}

func (sub *subscription) pump() {
	last := sub.after
	for {
		ev := sub.inner.Recv()
		var r received
		switch {
		case ev.SubscriptionDropped != nil:
			err := ev.SubscriptionDropped.Error
			if err == nil {
				err = errors.New("dropped by the server")
			}
			r.err = mapErr(sub.ctx, "subscription", err)
		case ev.EventAppeared != nil:
			re := ev.EventAppeared
			if re.Event == nil || system(re.Event) {
				continue
			}
			e, _ := fromESDB(re)
			// The server may include the start position; a position seen
			// before is never delivered again.
			if e.Position <= last || !matches(e.Stream, sub.filter) {
				continue
			}
			last = e.Position
			r.event = e
		default:
			continue // checkpoints, caught up, fell behind
		}
		select {
		case sub.events <- r:
		case <-sub.closed:
			return
		case <-sub.ctx.Done():
			return
		}
		if r.err != nil {
			return
		}
	}
}

func (sub *subscription) Recv(ctx context.Context) (eventstore.RecordedEvent, error) {
	select {
	case <-sub.closed:
		return eventstore.RecordedEvent{}, fmt.Errorf("esdbstore: subscription: %w", eventstore.ErrClosed)
	default:
	}
	select {
	case r := <-sub.events:
		return r.event, r.err
	case <-sub.ctx.Done():
		return eventstore.RecordedEvent{}, fmt.Errorf("esdbstore: subscription: %w", sub.ctx.Err())
	case <-ctx.Done():
		return eventstore.RecordedEvent{}, fmt.Errorf("esdbstore: subscription: %w", ctx.Err())
	case <-sub.closed:
		return eventstore.RecordedEvent{}, fmt.Errorf("esdbstore: subscription: %w", eventstore.ErrClosed)
	}
}

// Close ends the subscription and its pump.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() {
		close(sub.closed)
		sub.inner.Close()
	})
	return nil
}
