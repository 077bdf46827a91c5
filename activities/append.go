package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// NewEvent is one event a workflow wants recorded.
type NewEvent struct {
	Type     string            `json:"type"`
	Data     json.RawMessage   `json:"data"`
	Metadata helpdesk.Metadata `json:"metadata"`
}

// AppendInput asks to append events to a stream at an expected revision.
type AppendInput struct {
	Stream string `json:"stream"`
	// ExpectedRevision is the revision of the stream's last event, or -1
	// when the stream must not exist yet.
	ExpectedRevision int64      `json:"expectedRevision"`
	Events           []NewEvent `json:"events"`
	// CaseRef is the case's reference (BH-…), for the logs only; empty
	// for streams that are no case.
	CaseRef string `json:"caseRef,omitempty"`
}

// LogFields names the work in the activity's log lines (worker's logging
// interceptor): the correlation ID of the request that caused the events
// and the case reference.
func (in AppendInput) LogFields() (correlationID, caseRef string) {
	for _, e := range in.Events {
		if e.Metadata.CorrelationID != "" {
			return e.Metadata.CorrelationID, in.CaseRef
		}
	}
	return "", in.CaseRef
}

// AppendOutput tells where the events landed.
type AppendOutput struct {
	LastRevision int64  `json:"lastRevision"`
	Position     uint64 `json:"position"`
}

// Error types of failed appends, as seen by workflows.
const (
	ErrTypeWrongExpectedRevision = "WrongExpectedRevision"
	ErrTypeIDConflict            = "EventIDConflict"
	ErrTypeInvalidEvent          = "InvalidEvent"
)

// AppendEvents appends events with deterministic IDs derived from this
// activity execution, so a retry after a lost acknowledgement appends the
// same IDs at the same revision and the store writes nothing twice.
//
// It runs as a local activity too (workflows/record.go): then the IDs
// derive from the run and the expected revision instead. The SDK numbers
// local activities apart from activities, and gives a local activity a
// new number when it retries after a long backoff (a timer), so its
// number would not stay the same across attempts; the revision does, and
// a run appends at each revision once.
func (a *Activities) AppendEvents(ctx context.Context, in AppendInput) (AppendOutput, error) {
	x := executionOf(ctx, func() string { return "local:revision:" + strconv.FormatInt(in.ExpectedRevision, 10) })
	out, err := a.appendEvents(ctx, in, x)
	if err == nil {
		activity.GetLogger(ctx).Info("events recorded", "stream", in.Stream, "count", len(in.Events), "lastRevision", out.LastRevision)
	}
	return out, err
}

// execution identifies one activity execution; all its attempts share it.
type execution struct{ workflowID, runID, activityID string }

// executionOf is the execution of the running activity; for a local
// activity, local names what stands for its ID (see AppendEvents).
func executionOf(ctx context.Context, local func() string) execution {
	info := activity.GetInfo(ctx)
	id := info.ActivityID
	if info.IsLocalActivity {
		id = local()
	}
	return execution{info.WorkflowExecution.ID, info.WorkflowExecution.RunID, id}
}

func (a *Activities) appendEvents(ctx context.Context, in AppendInput, x execution) (AppendOutput, error) {
	events, err := eventData(in, x)
	if err != nil {
		return AppendOutput{}, err
	}
	res, err := a.store.Append(ctx, in.Stream, expected(in.ExpectedRevision), events...)
	if err != nil {
		return AppendOutput{}, classify(err)
	}
	return AppendOutput{LastRevision: int64(res.NextExpected.Revision()), Position: res.Position}, nil
}

// eventData is in's events with the IDs execution x gives them.
func eventData(in AppendInput, x execution) ([]eventstore.EventData, error) {
	events := make([]eventstore.EventData, len(in.Events))
	for i, e := range in.Events {
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError("encode metadata", ErrTypeInvalidEvent, err)
		}
		events[i] = eventstore.EventData{
			ID:       eventstore.DeterministicID(x.workflowID, x.runID, x.activityID, i),
			Type:     e.Type,
			Data:     e.Data,
			Metadata: meta,
		}
	}
	return events, nil
}

func expected(rev int64) eventstore.ExpectedRevision {
	if rev < 0 {
		return eventstore.NoStream()
	}
	return eventstore.Exact(uint64(rev))
}

// classify makes the store's permanent failures non-retryable; anything
// else (I/O, timeouts) is retried by Temporal.
func classify(err error) error {
	switch {
	case errors.Is(err, eventstore.ErrWrongExpectedRevision):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeWrongExpectedRevision, err)
	case errors.Is(err, eventstore.ErrIDConflict):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeIDConflict, err)
	case errors.Is(err, eventstore.ErrInvalidEvent):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidEvent, err)
	}
	return fmt.Errorf("append: %w", err)
}
