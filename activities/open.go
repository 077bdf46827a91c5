package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// OpenCaseInput asks for a case's reference and its opening at once.
type OpenCaseInput struct {
	Reference AllocateReferenceInput `json:"reference"`
	// Opening appends the opening events to the case's new stream
	// (ExpectedRevision -1). Its first event is the CaseOpened with no
	// reference yet: OpenCase fills it in.
	Opening AppendInput `json:"opening"`
}

// LogFields: the opening's (AppendInput.LogFields).
func (in OpenCaseInput) LogFields() (correlationID, caseRef string) { return in.Opening.LogFields() }

// OpenCaseOutput is the reference the case got and where its opening
// landed.
type OpenCaseOutput struct {
	Reference string       `json:"reference"`
	Opening   AppendOutput `json:"opening"`
}

// OpenCase allocates the case's reference and records its opening in
// one commit of the record when the store can append to two streams at
// once (eventstore.AtomicAppender; SQLite), and one after the other when
// it cannot (EventStoreDB), as AllocateReference and AppendEvents do. It
// runs as a local activity (workflows/record.go), and its events get
// the IDs those two would give theirs, so every attempt of it writes the
// same events: the reference once (a retry finds its own and keeps it),
// the opening once (a retry's is refused as the store refuses
// AppendEvents' retry, and the workflow adopts what is there).
func (a *Activities) OpenCase(ctx context.Context, in OpenCaseInput) (OpenCaseOutput, error) {
	refX := executionOf(ctx, func() string { return "local:reference" })
	openX := executionOf(ctx, func() string { return "local:revision:-1" })
	if !activity.GetInfo(ctx).IsLocalActivity {
		refX.activityID += "/reference"
	}
	refID := eventstore.DeterministicID(refX.workflowID, refX.runID, refX.activityID, 0)
	out, err := a.openCase(ctx, refID, openX, in)
	if err == nil {
		activity.GetLogger(ctx).Info("case opened", "stream", in.Opening.Stream, "reference", out.Reference,
			"count", len(in.Opening.Events), "lastRevision", out.Opening.LastRevision)
	}
	return out, err
}

func (a *Activities) openCase(ctx context.Context, refID uuid.UUID, openX execution, in OpenCaseInput) (OpenCaseOutput, error) {
	if in.Opening.ExpectedRevision != -1 {
		return OpenCaseOutput{}, temporal.NewNonRetryableApplicationError("open case: the opening goes to a new stream", ErrTypeInvalidEvent, nil)
	}
	atomic, ok := a.store.(eventstore.AtomicAppender)
	stream := helpdesk.ReferenceStream(in.Reference.Year)
	for ok {
		last, mine, err := a.referenceTail(ctx, stream, refID)
		if err != nil {
			return OpenCaseOutput{}, err
		}
		if mine != "" {
			// An earlier attempt allocated it (and opened the case with
			// it, if the store was the same): the opening alone.
			return a.openWith(ctx, mine, openX, in.Opening)
		}
		ref := helpdesk.FormatReference(in.Reference.Year, uint64(last+2))
		refEvent, err := referenceEvent(refID, ref, in.Reference)
		if err != nil {
			return OpenCaseOutput{}, err
		}
		opening, err := withReference(in.Opening, ref)
		if err != nil {
			return OpenCaseOutput{}, err
		}
		events, err := eventData(opening, openX)
		if err != nil {
			return OpenCaseOutput{}, err
		}
		res, err := atomic.AppendAtomic(ctx, []eventstore.StreamAppend{
			{Stream: stream, Expected: expected(last), Events: []eventstore.EventData{refEvent}},
			{Stream: opening.Stream, Expected: eventstore.NoStream(), Events: events},
		})
		var refused *eventstore.AtomicError
		switch {
		case err == nil:
			a.setReferenceTail(stream, last+1)
			return OpenCaseOutput{Reference: ref, Opening: AppendOutput{
				LastRevision: int64(res[1].NextExpected.Revision()), Position: res[1].Position}}, nil
		case errors.As(err, &refused) && refused.Index == 0 && errors.Is(err, eventstore.ErrWrongExpectedRevision):
			// Someone else took the number: read on and try the next.
		case errors.As(err, &refused) && refused.Index == 0 && errors.Is(err, eventstore.ErrIDConflict):
			// This reference event is stored (an earlier attempt, maybe at
			// another number): the next round finds it.
			a.forgetReferenceTail(stream)
		case errors.As(err, &refused):
			return OpenCaseOutput{}, classify(err)
		case errors.Is(err, errors.ErrUnsupported):
			ok = false
		default:
			return OpenCaseOutput{}, fmt.Errorf("open case: %w", err)
		}
	}
	ref, err := a.allocateReference(ctx, refID, in.Reference)
	if err != nil {
		return OpenCaseOutput{}, err
	}
	return a.openWith(ctx, ref, openX, in.Opening)
}

// openWith records the opening with reference ref, as AppendEvents does.
func (a *Activities) openWith(ctx context.Context, ref string, x execution, in AppendInput) (OpenCaseOutput, error) {
	opening, err := withReference(in, ref)
	if err != nil {
		return OpenCaseOutput{}, err
	}
	out, err := a.appendEvents(ctx, opening, x)
	return OpenCaseOutput{Reference: ref, Opening: out}, err
}

// referenceEvent is the event of the reference stream that allocates ref.
func referenceEvent(id uuid.UUID, ref string, in AllocateReferenceInput) (eventstore.EventData, error) {
	meta, err := json.Marshal(in.Metadata)
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("encode metadata: %w", err)
	}
	data, err := json.Marshal(helpdesk.ReferenceAllocated{CaseID: in.CaseID, Reference: ref})
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("encode reference: %w", err)
	}
	return eventstore.EventData{ID: id, Type: helpdesk.ReferenceAllocated{}.EventType(), Data: data, Metadata: meta}, nil
}

// withReference is the opening with ref in its CaseOpened (its first
// event), encoded as the workflow encodes a CaseOpened that has it.
func withReference(in AppendInput, ref string) (AppendInput, error) {
	if len(in.Events) == 0 || in.Events[0].Type != (helpdesk.CaseOpened{}).EventType() {
		return in, temporal.NewNonRetryableApplicationError("open case: the opening starts with CaseOpened", ErrTypeInvalidEvent, nil)
	}
	var opened helpdesk.CaseOpened
	if err := json.Unmarshal(in.Events[0].Data, &opened); err != nil || opened.Reference != "" {
		return in, temporal.NewNonRetryableApplicationError("open case: a CaseOpened without reference is wanted", ErrTypeInvalidEvent, err)
	}
	opened.Reference = ref
	data, err := json.Marshal(opened)
	if err != nil {
		return in, temporal.NewNonRetryableApplicationError("encode CaseOpened", ErrTypeInvalidEvent, err)
	}
	in.Events = slices.Clone(in.Events)
	in.Events[0].Data = data
	in.CaseRef = ref
	return in, nil
}
