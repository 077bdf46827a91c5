package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// subscriptionPage is how many events a subscription reads per query.
const subscriptionPage = 512

// otherWritersPoll is how often an idle subscription looks for events
// that another process appended to the same file (several `api` and
// `worker` processes may share one SQLite record on one machine): their
// commits do not wake this process's subscribers. Commits of this process
// wake them at once.
const otherWritersPoll = 200 * time.Millisecond

// Subscribe implements eventstore.Store. The subscription runs no goroutine
// of its own: Recv reads the next page from the database whenever its
// buffer is empty, and waits for the writer's next commit when there is
// nothing new. Reading by position from where it left off gives catch-up
// and live delivery in one loop, with no gap and no duplicate, because the
// single writer commits positions in order.
//
// The subscription ends when ctx is done, when it is closed, or when the
// store is closed. Recv must be called from one goroutine at a time.
func (s *Store) Subscribe(ctx context.Context, after uint64, filter eventstore.Filter) (eventstore.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: subscribe: %w", err)
	}
	select {
	case <-s.closing:
		return nil, fmt.Errorf("sqlitestore: subscribe: %w", eventstore.ErrClosed)
	default:
	}
	return &subscription{
		s:      s,
		ctx:    ctx,
		after:  after,
		filter: eventstore.Filter{StreamPrefixes: append([]string(nil), filter.StreamPrefixes...)},
		closed: make(chan struct{}),
	}, nil
}

type subscription struct {
	s      *Store
	ctx    context.Context
	filter eventstore.Filter
	// after is the position up to which everything has been delivered or
	// found not to match the filter.
	after uint64
	buf   []eventstore.RecordedEvent

	closeOnce sync.Once
	closed    chan struct{}
}

func (sub *subscription) Recv(ctx context.Context) (eventstore.RecordedEvent, error) {
	for {
		if err := sub.stopped(ctx); err != nil {
			return eventstore.RecordedEvent{}, err
		}
		if len(sub.buf) > 0 {
			e := sub.buf[0]
			sub.buf[0] = eventstore.RecordedEvent{} // let the GC have the data
			sub.buf = sub.buf[1:]
			sub.after = e.Position
			return e, nil
		}

		// Take the wake-up channel and the committed head before reading:
		// a commit after this point closes the channel we wait on.
		wake := sub.s.waitChan()
		head := sub.s.committed.Load()
		if head > sub.after {
			events, err := sub.s.ReadAll(ctx, sub.after, subscriptionPage, sub.filter)
			if err != nil {
				return eventstore.RecordedEvent{}, fmt.Errorf("sqlitestore: subscription: %w", err)
			}
			if len(events) > 0 {
				sub.buf = events
				continue
			}
			// Everything up to head was committed before the query began,
			// so nothing up to head matches: do not scan it again.
			sub.after = head
		}

		poll := time.NewTimer(otherWritersPoll)
		select {
		case <-wake:
		case <-poll.C:
			if err := sub.s.refreshCommitted(ctx); err != nil {
				return eventstore.RecordedEvent{}, fmt.Errorf("sqlitestore: subscription: %w", err)
			}
		case <-ctx.Done():
		case <-sub.ctx.Done():
		case <-sub.closed:
		case <-sub.s.closing:
		}
		poll.Stop()
	}
}

// refreshCommitted raises the committed head to the last position in the
// file, which includes other processes' appends. Positions are assigned
// by SQLite inside each writer's exclusive transaction, so every position
// up to the maximum read here is committed and visible.
func (s *Store) refreshCommitted(ctx context.Context) error {
	var last sql.NullInt64
	if err := s.readDB.QueryRowContext(ctx, `SELECT max(position) FROM events`).Scan(&last); err != nil {
		if ctx.Err() != nil {
			return nil // Recv reports the cancellation
		}
		return fmt.Errorf("read head: %w", err)
	}
	for {
		cur := s.committed.Load()
		if uint64(last.Int64) <= cur || s.committed.CompareAndSwap(cur, uint64(last.Int64)) {
			return nil
		}
	}
}

func (sub *subscription) stopped(ctx context.Context) error {
	select {
	case <-sub.closed:
		return fmt.Errorf("sqlitestore: subscription: %w", eventstore.ErrClosed)
	case <-sub.s.closing:
		return fmt.Errorf("sqlitestore: subscription: store %w", eventstore.ErrClosed)
	default:
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlitestore: subscription: %w", err)
	}
	if err := sub.ctx.Err(); err != nil {
		return fmt.Errorf("sqlitestore: subscription: %w", err)
	}
	return nil
}

// Close ends the subscription; a blocked Recv returns ErrClosed.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() { close(sub.closed) })
	return nil
}
