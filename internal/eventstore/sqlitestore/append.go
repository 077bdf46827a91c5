package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Request states: a caller whose ctx ends may withdraw its request only
// while the writer has not taken it, so an error from Append always means
// nothing was written.
const (
	reqQueued int32 = iota
	reqTaken
	reqWithdrawn
)

type appendReq struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	size     int
	// parts, if any, make r an atomic append (AppendAtomic): they are
	// written all or none, and their results go to many.
	parts []*appendReq
	many  []eventstore.AppendResult

	state atomic.Int32
	res   eventstore.AppendResult
	err   error
	done  chan struct{}
}

// Append implements eventstore.Store. The append is queued for the writer
// goroutine, which commits it together with whatever else is queued.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append to %q: %w", stream, err)
	}
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append: %w", err)
	}
	r := &appendReq{ctx: ctx, stream: stream, expected: expected, events: events, done: make(chan struct{})}
	for _, e := range events {
		r.size += len(e.Data) + len(e.Metadata)
	}
	if err := s.submit(ctx, r); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append to %q: %w", stream, err)
	}
	return r.res, r.err
}

// submit queues r for the writer and waits for its outcome. An error
// means r was not taken: nothing of it was written.
func (s *Store) submit(ctx context.Context, r *appendReq) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return eventstore.ErrClosed
	}
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()

	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqWithdrawn) {
			return ctx.Err()
		}
		// The writer has it: its outcome is the truth, and it is near.
		<-r.done
	}
	return nil
}

// writeLoop is the only goroutine that writes. It takes everything queued
// (up to the batch limits) and commits it in one transaction: the appends
// that queued up during the previous fsync share the next one.
func (s *Store) writeLoop() {
	defer close(s.writerDone)
	batch := make([]*appendReq, 0, s.cfg.maxBatch)
	for r := range s.reqs {
		batch = append(batch[:0], r)
		size := r.size
	drain:
		for len(batch) < s.cfg.maxBatch && size < s.cfg.maxBatchLen {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
				size += r.size
			default:
				break drain
			}
		}
		s.commitBatch(batch)
		clear(batch)
	}
}

func (s *Store) commitBatch(batch []*appendReq) {
	live := make([]*appendReq, 0, len(batch))
	for _, r := range batch {
		if !r.state.CompareAndSwap(reqQueued, reqTaken) {
			continue // withdrawn; the caller has already returned
		}
		if err := r.ctx.Err(); err != nil {
			r.err = fmt.Errorf("sqlitestore: append to %q: %w", r.stream, err)
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}

	// The batch runs on a background context: one caller giving up must not
	// abort the others' transaction.
	ctx := context.Background()
	fail := func(err error) {
		for _, r := range live {
			r.res, r.err = eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append to %q: nothing written: %w", r.stream, err)
			close(r.done)
		}
	}
	if _, err := s.wconn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		fail(describe("begin transaction", err))
		return
	}
	now := time.Now().UTC().UnixNano()
	var last uint64
	for _, r := range live {
		var (
			res eventstore.AppendResult
			err error
		)
		if r.parts != nil {
			r.many, err = s.appendAtomic(ctx, r, now)
			for _, p := range r.many {
				res.Position = max(res.Position, p.Position)
			}
		} else {
			res, err = s.appendOne(ctx, r, now)
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			s.rollback(ctx)
			fail(fatal.err)
			return
		}
		r.res, r.err = res, err
		if err == nil && res.Position > last {
			last = res.Position
		}
	}
	if _, err := s.wconn.ExecContext(ctx, "COMMIT"); err != nil {
		s.rollback(ctx)
		fail(describe("commit", err))
		return
	}
	s.commits.Add(1)
	if last > s.committed.Load() {
		s.broadcast(last)
	}
	for _, r := range live {
		close(r.done)
	}
}

func (s *Store) rollback(ctx context.Context) {
	// After some errors (I/O, full disk) SQLite has already rolled back and
	// ROLLBACK fails with "no transaction is active"; either way nothing of
	// the batch is left.
	_, _ = s.wconn.ExecContext(ctx, "ROLLBACK")
}

// fatalError is an error that ends the whole batch (the disk, not the
// request, is at fault).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// describe turns SQLite's result codes into errors an operator can act on.
func describe(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%s: database is locked by another connection or process (busy timeout exceeded): %w", op, err)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("%s: disk full: %w", op, err)
		case sqlite3.SQLITE_IOERR:
			return fmt.Errorf("%s: disk i/o error: %w", op, err)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("%s: database file is not writable: %w", op, err)
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%s: database file is corrupt: %w", op, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// appendOne runs one append inside the batch transaction. A request-level
// failure (wrong revision, reused ID) is returned as is and leaves nothing
// behind; anything else comes back as *fatalError.
func (s *Store) appendOne(ctx context.Context, r *appendReq, now int64) (eventstore.AppendResult, error) {
	var (
		head     int64
		headHash string
		exists   = true
	)
	err := s.stmts.head.QueryRowContext(ctx, r.stream).Scan(&head, &headHash)
	if errors.Is(err, sql.ErrNoRows) {
		exists = false
	} else if err != nil {
		return eventstore.AppendResult{}, &fatalError{describe("read stream head", err)}
	}
	if exists == r.expected.IsNoStream() || (exists && uint64(head) != r.expected.Revision()) {
		// Not where the caller expected: perhaps a retry of an append that
		// already went through.
		return s.diagnose(ctx, r, exists, uint64(head))
	}

	// A single INSERT is atomic on its own; several need a savepoint so a
	// failure halfway leaves the batch as it was.
	multi := len(r.events) > 1
	if multi {
		if _, err := s.stmts.savepoint.ExecContext(ctx); err != nil {
			return eventstore.AppendResult{}, &fatalError{describe("savepoint", err)}
		}
	}
	prev := headHash
	rev := r.expected.Next()
	var pos int64
	for _, e := range r.events {
		h := eventstore.ChainHash(prev, r.stream, rev, e.Type, e.Data, e.Metadata)
		meta := e.Metadata
		if meta == nil {
			meta = []byte{}
		}
		res, err := s.stmts.insert.ExecContext(ctx, r.stream, int64(rev), e.ID.String(), e.Type, e.Data, meta, now, h, prev)
		if err == nil {
			pos, err = res.LastInsertId()
		}
		if err != nil {
			if multi {
				if _, rbErr := s.stmts.rollbackTo.ExecContext(ctx); rbErr != nil {
					return eventstore.AppendResult{}, &fatalError{describe("roll back to savepoint", errors.Join(err, rbErr))}
				}
				if _, rbErr := s.stmts.release.ExecContext(ctx); rbErr != nil {
					return eventstore.AppendResult{}, &fatalError{describe("release savepoint", rbErr)}
				}
			}
			if isConstraint(err) {
				// An ID already stored elsewhere.
				return s.diagnose(ctx, r, exists, uint64(head))
			}
			return eventstore.AppendResult{}, &fatalError{describe("insert event", err)}
		}
		prev = h
		rev++
	}
	if multi {
		if _, err := s.stmts.release.ExecContext(ctx); err != nil {
			return eventstore.AppendResult{}, &fatalError{describe("release savepoint", err)}
		}
	}
	return eventstore.AppendResult{NextExpected: eventstore.Exact(rev - 1), Position: uint64(pos)}, nil
}

// diagnose decides, for an append that cannot be written as asked, whether
// it is a retry of one already written (same IDs, same content, at the
// revisions the caller expected: success, nothing written), a reused ID
// (ErrIDConflict) or a lost race (ErrWrongExpectedRevision).
func (s *Store) diagnose(ctx context.Context, r *appendReq, exists bool, head uint64) (eventstore.AppendResult, error) {
	found := 0
	var conflict error
	var lastPos int64
	for i, e := range r.events {
		var (
			stream, typ    string
			rev, pos       int64
			data, metadata []byte
		)
		err := s.stmts.byID.QueryRowContext(ctx, e.ID.String()).Scan(&stream, &rev, &typ, &data, &metadata, &pos)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return eventstore.AppendResult{}, &fatalError{describe("look up event id", err)}
		}
		found++
		want := r.expected.Next() + uint64(i)
		switch {
		case conflict != nil:
		case stream != r.stream || uint64(rev) != want:
			conflict = fmt.Errorf("sqlitestore: append to %q at revision %d: event id %s is already stored in %q at revision %d: %w",
				r.stream, want, e.ID, stream, rev, eventstore.ErrIDConflict)
		case typ != e.Type || !bytes.Equal(data, e.Data) || !bytes.Equal(metadata, e.Metadata):
			conflict = fmt.Errorf("sqlitestore: append to %q: event id %s is already stored at revision %d with other content: %w",
				r.stream, e.ID, rev, eventstore.ErrIDConflict)
		}
		lastPos = pos
	}
	switch {
	case conflict != nil:
		return eventstore.AppendResult{}, conflict
	case found == len(r.events):
		last := r.expected.Next() + uint64(len(r.events)) - 1
		return eventstore.AppendResult{NextExpected: eventstore.Exact(last), Position: uint64(lastPos)}, nil
	case found > 0:
		return eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append to %q: %d of %d event ids are already stored: %w",
			r.stream, found, len(r.events), eventstore.ErrIDConflict)
	case !exists:
		return eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append to %q: expected revision %s, stream does not exist: %w",
			r.stream, r.expected, eventstore.ErrWrongExpectedRevision)
	default:
		return eventstore.AppendResult{}, fmt.Errorf("sqlitestore: append to %q: expected revision %s, stream is at %d: %w",
			r.stream, r.expected, head, eventstore.ErrWrongExpectedRevision)
	}
}

// writeStmts are prepared once on the writer's connection.
type writeStmts struct {
	head, insert, byID             *sql.Stmt
	savepoint, rollbackTo, release *sql.Stmt
	// The atomic append's savepoint, around the appends' own.
	atomicSavepoint, atomicRollbackTo, atomicRelease *sql.Stmt
}

func (w *writeStmts) prepare(ctx context.Context, c *sql.Conn) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&w.head, `SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1`},
		{&w.insert, `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.byID, `SELECT stream, revision, type, data, metadata, position FROM events WHERE id = ?`},
		{&w.savepoint, `SAVEPOINT sp_append`},
		{&w.rollbackTo, `ROLLBACK TO sp_append`},
		{&w.release, `RELEASE sp_append`},
		{&w.atomicSavepoint, `SAVEPOINT sp_atomic`},
		{&w.atomicRollbackTo, `ROLLBACK TO sp_atomic`},
		{&w.atomicRelease, `RELEASE sp_atomic`},
	} {
		st, err := c.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("%s: %w", p.query, err)
		}
		*p.dst = st
	}
	return nil
}

func (w *writeStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{w.head, w.insert, w.byID, w.savepoint, w.rollbackTo, w.release,
		w.atomicSavepoint, w.atomicRollbackTo, w.atomicRelease} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
