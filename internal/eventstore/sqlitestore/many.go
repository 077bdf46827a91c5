package sqlitestore

import (
	"context"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

var _ eventstore.BatchAppender = (*Store)(nil)

// AppendMany implements eventstore.BatchAppender. The appends are queued
// for the writer one after the other without waiting, so the writer takes
// them in this order and commits up to the batch limit of them per
// transaction; then it waits for every one.
func (s *Store) AppendMany(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: append many: %w", err)
	}
	reqs := make([]*appendReq, 0, len(appends))
	for _, a := range appends {
		if err := eventstore.ValidateAppend(a.Stream, a.Events); err != nil {
			return nil, fmt.Errorf("sqlitestore: append: %w", err)
		}
		r := &appendReq{ctx: ctx, stream: a.Stream, expected: a.Expected, events: a.Events, done: make(chan struct{})}
		for _, e := range a.Events {
			r.size += len(e.Data) + len(e.Metadata)
		}
		reqs = append(reqs, r)
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, fmt.Errorf("sqlitestore: append many: %w", eventstore.ErrClosed)
	}
	sent := 0
	for _, r := range reqs {
		select {
		case s.reqs <- r:
			sent++
			continue
		case <-ctx.Done():
		}
		break
	}
	s.mu.RUnlock()
	res := make([]eventstore.AppendResult, len(reqs))
	var first error
	for i, r := range reqs[:sent] {
		select {
		case <-r.done:
		case <-ctx.Done():
			if !r.state.CompareAndSwap(reqQueued, reqWithdrawn) {
				<-r.done
			} else if first == nil {
				first = fmt.Errorf("sqlitestore: append to %q: %w", r.stream, ctx.Err())
				continue
			} else {
				continue
			}
		}
		res[i] = r.res
		if r.err != nil && first == nil {
			first = r.err
		}
	}
	if first == nil && sent < len(reqs) {
		first = fmt.Errorf("sqlitestore: append many: %w", ctx.Err())
	}
	return res, first
}
