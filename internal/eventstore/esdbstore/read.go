package esdbstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// readPage is the most events one $all read asks for.
const readPage = 1000

// errStreamNotFound is readFrom's "no such stream" (never written,
// deleted, or deleted for good).
var errStreamNotFound = errors.New("stream not found")

func count(limit int) uint64 {
	if limit <= 0 {
		return math.MaxInt64 // the server's "everything"
	}
	return uint64(limit)
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	op := fmt.Sprintf("read stream %q", stream)
	out, err := s.readFrom(ctx, stream, from, count(limit))
	if errors.Is(err, errStreamNotFound) {
		return nil, fmt.Errorf("esdbstore: %s: %w", op, eventstore.ErrStreamNotFound)
	}
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	if len(out) == 0 && from > 0 {
		// Nothing from `from` on: an empty answer if the stream exists.
		if _, err := s.readFrom(ctx, stream, 0, 1); errors.Is(err, errStreamNotFound) {
			return nil, fmt.Errorf("esdbstore: %s: %w", op, eventstore.ErrStreamNotFound)
		} else if err != nil {
			return nil, mapErr(ctx, op, err)
		}
	}
	return out, nil
}

// readFrom reads up to n of the stream's events from revision from on,
// from the leader.
func (s *Store) readFrom(ctx context.Context, stream string, from, n uint64) ([]eventstore.RecordedEvent, error) {
	return call(s, ctx, func(ctx context.Context, c *esdb.Client) ([]eventstore.RecordedEvent, error) {
		var out []eventstore.RecordedEvent
		err := eachInStream(ctx, c, stream, from, n, func(e eventstore.RecordedEvent) bool {
			out = append(out, e)
			return true
		})
		return out, err
	})
}

// eachInStream calls fn for up to n of the stream's events from revision
// from on, until fn returns false.
func eachInStream(ctx context.Context, c *esdb.Client, stream string, from, n uint64, fn func(eventstore.RecordedEvent) bool) error {
	rs, err := c.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.Revision(from)}, n)
	if err != nil {
		return err
	}
	defer rs.Close()
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if c := code(err); c == esdb.ErrorCodeResourceNotFound || c == esdb.ErrorCodeStreamDeleted {
			return errStreamNotFound
		}
		if err != nil {
			return err
		}
		e, err := fromESDB(ev)
		if errors.Is(err, errNoEvent) {
			continue
		}
		if err != nil {
			return err
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

// prefixes returns the filter's stream prefixes, nil when it selects every
// stream.
func prefixes(f eventstore.Filter) []string {
	for _, p := range f.StreamPrefixes {
		if p == "" { // matches everything
			return nil
		}
	}
	return f.StreamPrefixes
}

// ReadAll implements eventstore.Store. A read of every stream pages
// through $all, asking for no more than the limit needs; a read of some
// streams is filtered by the server (the client can filter only
// subscriptions, so it is a filtered subscription read until it has the
// events asked for or has passed the head of $all as it was at the start).
func (s *Store) ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	op := fmt.Sprintf("read all after %d", after)
	var (
		out []eventstore.RecordedEvent
		err error
	)
	if ps := prefixes(filter); ps != nil {
		out, err = s.readFiltered(ctx, after, limit, ps)
	} else {
		out, err = call(s, ctx, func(ctx context.Context, c *esdb.Client) ([]eventstore.RecordedEvent, error) {
			var out []eventstore.RecordedEvent
			err := eachInAll(ctx, c, after, pageFor(limit), func(e eventstore.RecordedEvent) bool {
				out = append(out, e)
				return limit <= 0 || len(out) < limit
			})
			return out, err
		})
	}
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	return out, nil
}

// pageFor is the page size of a $all read for limit events: a few more
// than the limit, since the server's own events are in $all too.
func pageFor(limit int) uint64 {
	if limit <= 0 || limit >= readPage {
		return readPage
	}
	return uint64(limit) + 16
}

// eachInAll calls fn for every non-system event of $all after position
// after, in order, until fn returns false.
func eachInAll(ctx context.Context, c *esdb.Client, after, page uint64, fn func(eventstore.RecordedEvent) bool) error {
	var from esdb.AllPosition = esdb.Start{}
	if after > 0 {
		from = esdb.Position{Commit: after, Prepare: after}
	}
	var last esdb.Position
	seen := false
	for {
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, page)
		if err != nil {
			return err
		}
		n := uint64(0)
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
			e, err := fromESDB(ev)
			if err != nil {
				rs.Close()
				return err
			}
			if e.Position <= after {
				continue
			}
			if !fn(e) {
				rs.Close()
				return nil
			}
		}
		rs.Close()
		if n < page || !seen {
			return nil
		}
		from = last
	}
}

func later(p, q esdb.Position) bool {
	return p.Commit > q.Commit || (p.Commit == q.Commit && p.Prepare > q.Prepare)
}

// Head returns the $all position of the last event of the server (its
// own included), 0 when there is none.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	pos, err := call(s, ctx, func(ctx context.Context, c *esdb.Client) (uint64, error) {
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
		if err != nil {
			return 0, err
		}
		defer rs.Close()
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if ev.Event == nil {
			return 0, nil
		}
		return ev.Event.Position.Commit, nil
	})
	if err != nil {
		return 0, mapErr(ctx, "read the head of $all", err)
	}
	return pos, nil
}

// readFiltered reads the events of streams with the given prefixes after
// position after, filtered on the server, up to limit.
func (s *Store) readFiltered(ctx context.Context, after uint64, limit int, ps []string) ([]eventstore.RecordedEvent, error) {
	head, err := s.Head(ctx)
	if err != nil || head <= after {
		return nil, err
	}
	return call(s, ctx, func(ctx context.Context, c *esdb.Client) ([]eventstore.RecordedEvent, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		opts := esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: ps}}
		if after > 0 {
			opts.From = esdb.Position{Commit: after, Prepare: after}
		}
		sub, err := c.SubscribeToAll(ctx, opts)
		if err != nil {
			return nil, err
		}
		defer sub.Close()
		var out []eventstore.RecordedEvent
		for {
			ev := sub.Recv()
			switch {
			case ev.SubscriptionDropped != nil:
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				return nil, ev.SubscriptionDropped.Error
			case ev.CaughtUp != nil:
				// Everything there was when it started: done (23.10+).
				return out, nil
			case ev.CheckPointReached != nil:
				// Servers before 23.10 send a checkpoint where they catch
				// up; any at or past the head means the same.
				if ev.CheckPointReached.Commit >= head {
					return out, nil
				}
			case ev.EventAppeared != nil:
				re := ev.EventAppeared
				if re.Event == nil || system(re.Event) {
					continue
				}
				e, err := fromESDB(re)
				if err != nil {
					return nil, err
				}
				if e.Position > after && matches(e.Stream, eventstore.Filter{StreamPrefixes: ps}) {
					out = append(out, e)
				}
				if (limit > 0 && len(out) >= limit) || e.Position >= head {
					return out, nil
				}
			}
		}
	})
}

// Verify implements eventstore.Store.
func (s *Store) Verify(ctx context.Context, stream string) (eventstore.VerifyResult, error) {
	op := fmt.Sprintf("verify %q", stream)
	check, err := call(s, ctx, func(ctx context.Context, c *esdb.Client) (*eventstore.ChainCheck, error) {
		check := eventstore.NewChainCheck(stream)
		return check, eachInStream(ctx, c, stream, 0, math.MaxInt64, check.Add)
	})
	if errors.Is(err, errStreamNotFound) || (err == nil && check.Events() == 0) {
		return eventstore.VerifyResult{}, fmt.Errorf("esdbstore: %s: %w", op, eventstore.ErrStreamNotFound)
	}
	if err != nil {
		return eventstore.VerifyResult{}, mapErr(ctx, op, err)
	}
	return check.Result(), nil
}

// streamCheck is VerifyAll's state for one stream.
type streamCheck struct {
	check *eventstore.ChainCheck
	ours  bool // one of its events carries a hash
	// badAt is the $all position of the first bad event, 0 while none.
	badAt uint64
	// hidden is set when the server's own events hide some of the
	// stream's: truncate-before, a max count or age in its metadata
	// (which a soft delete writes too), or a tombstone.
	hidden bool
	events int
}

// VerifyAll implements eventstore.Store. It reads $all once, in order,
// keeping one chain check (a hash and a revision) per stream, not the
// events. Streams with no event carrying a hash are someone else's (a
// shared server) and are only counted. Stream reads do not show events a
// stream's metadata hides, but $all does, and it shows the metadata: a
// stream of the record whose metadata hides events, or that was deleted
// for good, is reported broken at revision 0 — which is also how the
// SQLite store's check sees events deleted from its file.
func (s *Store) VerifyAll(ctx context.Context) (eventstore.VerifyResult, error) {
	checks, err := call(s, ctx, func(ctx context.Context, c *esdb.Client) (map[string]*streamCheck, error) {
		checks := map[string]*streamCheck{}
		get := func(stream string) *streamCheck {
			sc := checks[stream]
			if sc == nil {
				sc = &streamCheck{check: eventstore.NewChainCheck(stream)}
				checks[stream] = sc
			}
			return sc
		}
		err := eachInAllRaw(ctx, c, func(ev *esdb.RecordedEvent) error {
			switch {
			case strings.HasPrefix(ev.StreamID, "$$") && ev.EventType == "$metadata":
				if hides(ev.Data) {
					get(strings.TrimPrefix(ev.StreamID, "$$")).hidden = true
				}
				return nil
			case ev.EventType == "$streamDeleted":
				get(ev.StreamID).hidden = true
				return nil
			case system(ev):
				return nil
			}
			e, err := fromESDB(&esdb.ResolvedEvent{Event: ev})
			if err != nil {
				return err
			}
			sc := get(e.Stream)
			sc.events++
			sc.ours = sc.ours || e.Hash != ""
			if !sc.check.Add(e) && sc.badAt == 0 {
				sc.badAt = e.Position
			}
			return nil
		})
		return checks, err
	})
	if err != nil {
		return eventstore.VerifyResult{}, mapErr(ctx, "verify all", err)
	}
	result := eventstore.VerifyResult{OK: true}
	var first *streamCheck
	firstAt := uint64(math.MaxUint64)
	for _, sc := range checks {
		if !sc.ours {
			if sc.events > 0 {
				result.ForeignStreams++
			}
			continue
		}
		result.Events += sc.events
		at := sc.badAt
		if sc.hidden {
			at = 1 // before anything: the stream's start is gone
		}
		if at != 0 && at < firstAt {
			first, firstAt = sc, at
		}
	}
	if first != nil {
		r := first.check.Result()
		if first.hidden {
			zero := uint64(0)
			r.FirstBadRevision, r.FirstBadStream = &zero, first.check.Stream()
		}
		result.OK, result.FirstBadRevision, result.FirstBadStream = false, r.FirstBadRevision, r.FirstBadStream
	}
	return result, nil
}

// hides reports whether stream metadata makes the server hide events:
// truncate-before (also what a soft delete writes), a max count or age.
func hides(data []byte) bool {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for _, k := range []string{"$tb", "$maxCount", "$maxAge"} {
		if v, ok := m[k]; ok && v != nil {
			if f, isNum := v.(float64); !isNum || f > 0 {
				return true
			}
		}
	}
	return false
}

// eachInAllRaw calls fn for every event of $all, the server's own
// included, in order.
func eachInAllRaw(ctx context.Context, c *esdb.Client, fn func(*esdb.RecordedEvent) error) error {
	var from esdb.AllPosition = esdb.Start{}
	var last esdb.Position
	seen := false
	for {
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: from}, readPage)
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
			if seen && !later(p, last) {
				continue
			}
			seen, last = true, p
			if err := fn(ev.Event); err != nil {
				rs.Close()
				return err
			}
		}
		rs.Close()
		if n < readPage || !seen {
			return nil
		}
		from = last
	}
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
	if ps := prefixes(filter); ps != nil {
		opts.Filter = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: ps}
	}
	inner, err := call(s, ctx, func(ctx context.Context, c *esdb.Client) (*esdb.Subscription, error) {
		return c.SubscribeToAll(ctx, opts)
	})
	if err != nil {
		return nil, mapErr(ctx, "subscribe", err)
	}
	sub := &subscription{
		store:  s,
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
	store  *Store
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
			select {
			case <-sub.store.closing:
				err = eventstore.ErrClosed
			default:
			}
			// A dropped subscription is opened again by its user, from
			// the last position it got (the projector does).
			r.err = mapErr(sub.ctx, "subscription", err)
		case ev.EventAppeared != nil:
			re := ev.EventAppeared
			if re.Event == nil || system(re.Event) {
				continue
			}
			e, err := fromESDB(re)
			if err != nil {
				r.err = mapErr(sub.ctx, "subscription", err)
				break
			}
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
	case <-sub.store.closing:
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
