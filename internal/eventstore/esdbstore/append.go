package esdbstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// headInfo is a stream's last event as an append needs it.
type headInfo struct {
	Revision uint64
	Hash     string
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: append to %q: %w", stream, err)
	}
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: append: %w", err)
	}
	op := fmt.Sprintf("append to %q at %s", stream, expected)

	head, entry, err := s.refresh(ctx, stream)
	if err != nil {
		return eventstore.AppendResult{}, mapErr(ctx, op, err)
	}
	if !at(expected, head) {
		return s.diagnose(ctx, op, stream, expected, events, head, entry)
	}
	// The server would write an ID stored earlier in the stream again.
	for _, e := range events {
		if rev, ok := entry.lookup(e.ID); ok {
			return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: event id %s is already stored at revision %d: %w",
				op, e.ID, rev, eventstore.ErrIDConflict)
		}
	}
	prev := ""
	if head != nil {
		prev = head.Hash
	} else if err := s.checkNotDeleted(ctx, op, stream); err != nil {
		return eventstore.AppendResult{}, err
	}

	proposed := make([]esdb.EventData, len(events))
	written := make([]eventstore.RecordedEvent, len(events))
	rev := expected.Next()
	for i, e := range events {
		h := eventstore.ChainHash(prev, stream, rev, e.Type, e.Data, e.Metadata)
		proposed[i] = esdb.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: esdb.ContentTypeJson,
			Data:        e.Data,
			Metadata:    wrapMetadata(h, prev, e.Metadata),
		}
		written[i] = eventstore.RecordedEvent{ID: e.ID, Stream: stream, Revision: rev, Hash: h}
		prev = h
		rev++
	}
	last := rev - 1

	wr, err := call(s, ctx, func(ctx context.Context, c *esdb.Client) (*esdb.WriteResult, error) {
		dl, ok := ctx.Deadline()
		return c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: toESDB(expected), Deadline: callDeadline(dl, ok)}, proposed...)
	})
	switch {
	case err == nil:
	case isWrongExpectedVersion(err) && ctx.Err() == nil:
		// Someone appended between our read of the head and our write,
		// perhaps a concurrent retry of this very append.
		head, entry, herr := s.refresh(ctx, stream)
		if herr != nil {
			return eventstore.AppendResult{}, mapErr(ctx, op, herr)
		}
		return s.diagnose(ctx, op, stream, expected, events, head, entry)
	case !outcomeUnknown(err):
		if code(err) == esdb.ErrorCodeStreamDeleted {
			return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: the stream is deleted for good (tombstone): %w", op, eventstore.ErrWrongExpectedRevision)
		}
		return eventstore.AppendResult{}, mapErr(ctx, op, err)
	default:
		return s.settle(ctx, op, stream, expected, events, err)
	}
	if wr.NextExpectedVersion != last {
		// The server put the events elsewhere than their hashes say: the
		// stream had been deleted between the check and the write.
		s.heads.forget(stream)
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: the server wrote the events at revision %d, not %d: the stream was deleted meanwhile (see Verify)",
			op, wr.NextExpectedVersion, last)
	}
	if n, ok := entry.add(written); ok {
		s.heads.grew(n)
	} else {
		s.heads.forget(stream)
	}
	pos := wr.CommitPosition
	// For one event the write's commit position is the event's; for
	// several, or when the server answered an idempotent retry without a
	// position, read the last event back.
	if len(events) > 1 || pos == 0 || pos == math.MaxUint64 {
		e, err := s.eventAt(ctx, stream, last)
		if err != nil {
			return eventstore.AppendResult{}, mapErr(ctx, op+": read back position", err)
		}
		pos = e.Position
	}
	return eventstore.AppendResult{NextExpected: eventstore.Exact(last), Position: pos}, nil
}

// outcomeUnknown reports whether an append that failed with err may have
// been written all the same: it timed out, or its connection failed, after
// the request may have reached the server.
func outcomeUnknown(err error) bool {
	if errors.Is(err, errNotSent) || errors.Is(err, eventstore.ErrClosed) {
		return false
	}
	switch code(err) {
	case esdb.ErrorCodeWrongExpectedVersion, esdb.ErrorCodeStreamDeleted, esdb.ErrorCodeAccessDenied,
		esdb.ErrorCodeUnauthenticated, esdb.ErrorCodeNotLeader, esdb.ErrorCodeResourceNotFound:
		return false // the server answered: nothing written
	}
	return !errors.Is(mapCode(context.Background(), "", code(err), err), eventstore.ErrInvalidEvent)
}

// settle finds out whether an append whose answer was lost (timeout,
// connection failure) was written, by reading the stream back from the
// leader: written, it is a success; not written, the error says so and
// carries the cause (context.DeadlineExceeded, eventstore.ErrUnavailable);
// if even the read fails, the outcome is unknown, and a retry with the
// same event IDs at the same expected revision settles it.
func (s *Store) settle(ctx context.Context, op, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, cause error) (eventstore.AppendResult, error) {
	mapped := mapErr(ctx, op, cause)
	// The caller's ctx may be what ran out; the read-back gets its own.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.settleTimeout)
	defer cancel()
	head, entry, err := s.refresh(rctx, stream)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("%w; outcome unknown: reading back failed (%v); a retry with the same event ids at the same expected revision settles it", mapped, err)
	}
	if at(expected, head) {
		return eventstore.AppendResult{}, fmt.Errorf("%w; read back: not written (if it still lands, a retry with the same event ids at the same expected revision finds it)", mapped)
	}
	res, err := s.diagnose(rctx, op, stream, expected, events, head, entry)
	if err != nil {
		return eventstore.AppendResult{}, err // someone else's events are there
	}
	return res, nil // it was written; only the answer was lost
}

// refresh brings the stream's remembered head up to date, reading from
// the leader only the events after it (normally none). It returns the
// head, nil when the stream has no events (never had, or was deleted),
// and the stream's entry with every ID at or below the head.
func (s *Store) refresh(ctx context.Context, stream string) (*headInfo, *headEntry, error) {
	for attempt := 0; ; attempt++ {
		entry := s.heads.get(stream)
		known, _ := entry.head()
		evs, err := s.readFrom(ctx, stream, uint64(known+1), math.MaxInt64)
		if errors.Is(err, errStreamNotFound) {
			if known >= 0 {
				// Deleted since (or truncated past its end).
				s.heads.forget(stream)
				entry = s.heads.get(stream)
			}
			return nil, entry, nil
		}
		if err != nil {
			return nil, nil, err
		}
		n, ok := entry.add(evs)
		if !ok && attempt == 0 {
			s.heads.forget(stream)
			continue
		}
		s.heads.grew(n)
		rev, hash := entry.head()
		if rev < 0 {
			return nil, entry, nil
		}
		return &headInfo{Revision: uint64(rev), Hash: hash}, entry, nil
	}
}

// checkNotDeleted refuses to start a stream whose name was used by one
// since deleted: the server would take a "no stream" append and put it
// after the old revisions (so not at the revisions the hashes cover), and
// a name used again — a year's references starting over at 1 — is worse
// than an error. Soft deletes and truncation leave truncate-before
// ($tb) in the stream's metadata.
func (s *Store) checkNotDeleted(ctx context.Context, op, stream string) error {
	tb, err := call(s, ctx, func(ctx context.Context, c *esdb.Client) (uint64, error) {
		rs, err := c.ReadStream(ctx, "$$"+stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
		if err != nil {
			return 0, err
		}
		defer rs.Close()
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) || code(err) == esdb.ErrorCodeResourceNotFound {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		var m struct {
			TB *json.Number `json:"$tb"`
		}
		if ev.Event == nil || json.Unmarshal(ev.Event.Data, &m) != nil || m.TB == nil {
			return 0, nil
		}
		n, err := m.TB.Int64()
		if err != nil {
			return math.MaxUint64, nil // beyond int64: deleted
		}
		return uint64(max(n, 0)), nil
	})
	if err != nil {
		return mapErr(ctx, op+": read stream metadata", err)
	}
	if tb > 0 {
		return fmt.Errorf("esdbstore: %s: the stream was deleted (truncate-before %d in its metadata); its name is not used again: %w",
			op, tb, eventstore.ErrWrongExpectedRevision)
	}
	return nil
}

// at reports whether the stream, whose last event is head (nil: no
// stream), is where expected says.
func at(expected eventstore.ExpectedRevision, head *headInfo) bool {
	if head == nil {
		return expected.IsNoStream()
	}
	return !expected.IsNoStream() && head.Revision == expected.Revision()
}

// diagnose decides, for an append the stream is not ready for, whether it
// is a retry of one already written (the same IDs with the same content at
// the expected revisions: success, nothing written), a reused ID
// (ErrIDConflict) or a lost race (ErrWrongExpectedRevision), as the SQLite
// store does. The server would call a retry idempotent by IDs alone;
// comparing content here makes a reused ID with other content an error.
// entry holds every ID of the stream up to head.
func (s *Store) diagnose(ctx context.Context, op, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, head *headInfo, entry *headEntry) (eventstore.AppendResult, error) {
	if head == nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: stream does not exist: %w", op, eventstore.ErrWrongExpectedRevision)
	}
	// The events where a retry would find them, as far as the stream goes.
	var stored []eventstore.RecordedEvent
	if expected.Next() <= head.Revision {
		var err error
		stored, err = s.readFrom(ctx, stream, expected.Next(), uint64(len(events)))
		if err != nil && !errors.Is(err, errStreamNotFound) {
			return eventstore.AppendResult{}, mapErr(ctx, op+": check for a retry", err)
		}
	}
	found := 0
	for i, e := range events {
		rev, ok := entry.lookup(e.ID)
		if !ok {
			continue
		}
		found++
		want := expected.Next() + uint64(i)
		if rev != want || i >= len(stored) || stored[i].ID != e.ID {
			return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: event id %s is already stored at revision %d, not %d: %w",
				op, e.ID, rev, want, eventstore.ErrIDConflict)
		}
		st := stored[i]
		if st.Type != e.Type || !bytes.Equal(st.Data, e.Data) || !bytes.Equal(st.Metadata, e.Metadata) {
			return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: event id %s is already stored at revision %d with other content: %w",
				op, e.ID, st.Revision, eventstore.ErrIDConflict)
		}
	}
	switch {
	case found == len(events):
		last := stored[len(events)-1]
		return eventstore.AppendResult{NextExpected: eventstore.Exact(last.Revision), Position: last.Position}, nil
	case found > 0:
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: %d of %d event ids are already stored: %w",
			op, found, len(events), eventstore.ErrIDConflict)
	default:
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: stream is at %d: %w", op, head.Revision, eventstore.ErrWrongExpectedRevision)
	}
}

// eventAt reads one event from the leader, which has just written it.
func (s *Store) eventAt(ctx context.Context, stream string, revision uint64) (eventstore.RecordedEvent, error) {
	evs, err := s.readFrom(ctx, stream, revision, 1)
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	if len(evs) == 0 || evs[0].Revision != revision {
		return eventstore.RecordedEvent{}, fmt.Errorf("stream %q has no revision %d", stream, revision)
	}
	return evs[0], nil
}
