package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

var _ eventstore.AtomicAppender = (*Store)(nil)

// AppendAtomic implements eventstore.AtomicAppender: the appends are one
// request to the writer, written inside a savepoint of its transaction,
// so a refused one takes the others back with it.
func (s *Store) AppendAtomic(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	if len(appends) == 0 {
		return nil, nil
	}
	r, err := atomicRequest(ctx, appends)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlitestore: atomic append to %q: %w", r.stream, err)
	}
	if err := s.submit(ctx, r); err != nil {
		return nil, fmt.Errorf("sqlitestore: atomic append to %q: %w", r.stream, err)
	}
	return r.many, r.err
}

// atomicRequest is the writer's request for an atomic append.
func atomicRequest(ctx context.Context, appends []eventstore.StreamAppend) (*appendReq, error) {
	streams := make([]string, len(appends))
	r := &appendReq{ctx: ctx, done: make(chan struct{})}
	for i, a := range appends {
		if err := eventstore.ValidateAppend(a.Stream, a.Events); err != nil {
			return nil, fmt.Errorf("sqlitestore: atomic append: %w", err)
		}
		p := &appendReq{ctx: ctx, stream: a.Stream, expected: a.Expected, events: a.Events}
		for _, e := range a.Events {
			p.size += len(e.Data) + len(e.Metadata)
		}
		r.parts = append(r.parts, p)
		r.size += p.size
		streams[i] = a.Stream
	}
	r.stream = strings.Join(streams, ", ")
	return r, nil
}

// appendAtomic writes r's parts inside the batch transaction, all or
// none: a request-level refusal of one rolls the others back and comes
// back as *eventstore.AtomicError; anything else as *fatalError, which
// ends the batch.
func (s *Store) appendAtomic(ctx context.Context, r *appendReq, now int64) ([]eventstore.AppendResult, error) {
	if _, err := s.stmts.atomicSavepoint.ExecContext(ctx); err != nil {
		return nil, &fatalError{describe("savepoint", err)}
	}
	res := make([]eventstore.AppendResult, len(r.parts))
	for i, p := range r.parts {
		out, err := s.appendOne(ctx, p, now)
		var fatal *fatalError
		if errors.As(err, &fatal) {
			return nil, err
		}
		if err != nil {
			if _, rbErr := s.stmts.atomicRollbackTo.ExecContext(ctx); rbErr != nil {
				return nil, &fatalError{describe("roll back to savepoint", errors.Join(err, rbErr))}
			}
			if _, rbErr := s.stmts.atomicRelease.ExecContext(ctx); rbErr != nil {
				return nil, &fatalError{describe("release savepoint", rbErr)}
			}
			return nil, &eventstore.AtomicError{Index: i, Err: err}
		}
		res[i] = out
	}
	if _, err := s.stmts.atomicRelease.ExecContext(ctx); err != nil {
		return nil, &fatalError{describe("release savepoint", err)}
	}
	return res, nil
}
