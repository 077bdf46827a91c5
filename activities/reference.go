package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// AllocateReferenceInput names the case that needs a human reference.
type AllocateReferenceInput struct {
	CaseID   string            `json:"caseId"`
	Year     int               `json:"year"`
	Metadata helpdesk.Metadata `json:"metadata"`
}

// AllocateReference gives a case the next reference of its year
// (BH-2026-000042). The reference stream of the year is the counter: its
// n-th event allocates number n, and optimistic concurrency makes two
// allocations of the same number impossible, across processes too.
// It runs as a local activity too (see AppendEvents); a run allocates
// one reference, so the run stands for its ID then.
func (a *Activities) AllocateReference(ctx context.Context, in AllocateReferenceInput) (string, error) {
	x := executionOf(ctx, func() string { return "local:reference" })
	id := eventstore.DeterministicID(x.workflowID, x.runID, x.activityID, 0)
	return a.allocateReference(ctx, id, in)
}

// allocateReference appends event id to the year's reference stream at its
// head, retrying on conflict, and returns the reference it stands for.
func (a *Activities) allocateReference(ctx context.Context, id uuid.UUID, in AllocateReferenceInput) (string, error) {
	stream := helpdesk.ReferenceStream(in.Year)
	for {
		last, mine, err := a.referenceTail(ctx, stream, id)
		if err != nil {
			return "", err
		}
		if mine != "" {
			return mine, nil
		}
		n := uint64(last + 2) // revision last+1 holds number last+2
		ref := helpdesk.FormatReference(in.Year, n)
		ev, err := referenceEvent(id, ref, in)
		if err != nil {
			return "", err
		}
		_, err = a.store.Append(ctx, stream, expected(last), ev)
		switch {
		case err == nil:
			a.setReferenceTail(stream, last+1)
			return ref, nil
		case errors.Is(err, eventstore.ErrWrongExpectedRevision):
			// Someone else took the number: the next round reads forward
			// from the cached tail to the real one and tries the next number.
		case errors.Is(err, eventstore.ErrIDConflict):
			// An earlier attempt of this activity already allocated one.
			return a.findAllocated(ctx, stream, id)
		default:
			return "", fmt.Errorf("allocate reference: %w", err)
		}
	}
}

// referenceTail returns the last revision of a reference stream (-1 when
// empty), reading forward from the cached tail. If it passes the event this
// activity appended in an earlier attempt, it returns that reference.
func (a *Activities) referenceTail(ctx context.Context, stream string, id uuid.UUID) (last int64, mine string, err error) {
	a.mu.Lock()
	last, ok := a.refTail[stream]
	a.mu.Unlock()
	if !ok {
		last = -1
	}
	for {
		evs, err := a.store.ReadStream(ctx, stream, uint64(last+1), 1000)
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return last, "", nil
		}
		if err != nil {
			return 0, "", fmt.Errorf("read %s: %w", stream, err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.ID == id {
				ref, err := decodeReference(e)
				return 0, ref, err
			}
		}
		last = int64(evs[len(evs)-1].Revision)
	}
	a.setReferenceTail(stream, last)
	return last, "", nil
}

func decodeReference(e eventstore.RecordedEvent) (string, error) {
	var ra helpdesk.ReferenceAllocated
	if err := json.Unmarshal(e.Data, &ra); err != nil {
		return "", fmt.Errorf("decode reference: %w", err)
	}
	return ra.Reference, nil
}

func (a *Activities) setReferenceTail(stream string, last int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur, ok := a.refTail[stream]; !ok || last > cur {
		a.refTail[stream] = last
	}
}

// forgetReferenceTail drops the cached tail of a reference stream: the
// next look reads it from the start.
func (a *Activities) forgetReferenceTail(stream string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.refTail, stream)
}

func (a *Activities) findAllocated(ctx context.Context, stream string, id uuid.UUID) (string, error) {
	evs, err := a.store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", stream, err)
	}
	for _, e := range evs {
		if e.ID == id {
			return decodeReference(e)
		}
	}
	return "", fmt.Errorf("allocate reference: event %x reported as reused but not found in %s", id, stream)
}
