package privacy

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

var _ eventstore.BatchAppender = (*Store)(nil)

// AppendMany implements eventstore.BatchAppender when the wrapped store
// does: the appends are encrypted (in parallel) as Append encrypts them,
// then handed on in the same order.
func (s *Store) AppendMany(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	inner, ok := s.inner.(eventstore.BatchAppender)
	if !ok {
		return nil, errors.New("privacy: the wrapped store takes no batches")
	}
	sealed := make([]eventstore.StreamAppend, len(appends))
	errs := make([]error, len(appends))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(appends); i += workers {
				a := appends[i]
				evs, err := s.seal(ctx, a.Stream, a.Events)
				sealed[i], errs[i] = eventstore.StreamAppend{Stream: a.Stream, Expected: a.Expected, Events: evs}, err
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("privacy: append to %q: %w", appends[i].Stream, err)
		}
	}
	return inner.AppendMany(ctx, sealed)
}

var _ eventstore.AtomicAppender = (*Store)(nil)

// AppendAtomic implements eventstore.AtomicAppender when the wrapped
// store does (errors.ErrUnsupported otherwise, before anything is
// written): each append is encrypted as Append encrypts it, then the
// whole is handed on.
func (s *Store) AppendAtomic(ctx context.Context, appends []eventstore.StreamAppend) ([]eventstore.AppendResult, error) {
	inner, ok := s.inner.(eventstore.AtomicAppender)
	if !ok {
		return nil, fmt.Errorf("privacy: the wrapped store appends to one stream at a time: %w", errors.ErrUnsupported)
	}
	sealed := make([]eventstore.StreamAppend, len(appends))
	for i, a := range appends {
		evs, err := s.seal(ctx, a.Stream, a.Events)
		if err != nil {
			return nil, err
		}
		sealed[i] = eventstore.StreamAppend{Stream: a.Stream, Expected: a.Expected, Events: evs}
	}
	return inner.AppendAtomic(ctx, sealed)
}
