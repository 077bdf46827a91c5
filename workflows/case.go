package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TaskQueue is the task queue every Brukerhjelp worker polls.
const TaskQueue = "brukerhjelp"

// CaseWorkflowName is the registered name of CaseWorkflow; running
// histories refer to it, so it never follows a Go rename.
const CaseWorkflowName = "CaseWorkflow"

// Names of the case workflow's updates and queries.
const (
	UpdateOpened  = "opened" // waits until the case is recorded, returns it
	UpdateClaim   = "claim"
	UpdateResolve = "resolve"
	UpdateConfirm = "confirm"
	QueryCase     = "case"
)

// ErrorDetails travels with a refused step so the API can answer in the
// user's language and name the field.
type ErrorDetails struct {
	Code    helpdesk.ErrorCode `json:"code"`
	Field   string             `json:"field,omitempty"`
	Message string             `json:"message"`
	English string             `json:"english"`
}

// CaseInput starts a case workflow.
type CaseInput struct {
	CaseID  string               `json:"caseId"`
	Request helpdesk.OpenRequest `json:"request"`
	Actor   helpdesk.Actor       `json:"actor"`
	// RequestHash identifies the request body, so an Idempotency-Key reused
	// with another body is told apart from a retry.
	RequestHash   string `json:"requestHash,omitempty"`
	CorrelationID string `json:"correlationId,omitempty"`
}

// StepInput is the body of every step update: who acts, and what they say.
type StepInput struct {
	Actor         helpdesk.Actor `json:"actor"`
	Resolution    string         `json:"resolution,omitempty"`
	CorrelationID string         `json:"correlationId,omitempty"`
}

// CaseView is what the case workflow answers to updates and queries.
type CaseView struct {
	Case        helpdesk.Case `json:"case"`
	RequestHash string        `json:"requestHash,omitempty"`
}

// WorkflowID is the Temporal workflow ID of a case.
func WorkflowID(caseID string) string { return "case-" + caseID }

var a *activities.Activities

// CaseWorkflow runs one incident or guidance case from report to closing.
func CaseWorkflow(ctx workflow.Context, in CaseInput) (helpdesk.Case, error) {
	w := &caseRun{in: in, state: helpdesk.NewCase()}
	w.mu = workflow.NewMutex(ctx)
	if err := w.register(ctx); err != nil {
		return w.state, err
	}
	if err := w.open(ctx); err != nil {
		w.openErr = err
		_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		return w.state, err
	}
	err := workflow.Await(ctx, func() bool {
		return w.state.Status == helpdesk.StatusClosed && workflow.AllHandlersFinished(ctx)
	})
	return w.state, err
}

type caseRun struct {
	in      CaseInput
	state   helpdesk.Case
	opened  bool
	openErr error
	mu      workflow.Mutex
}

func (w *caseRun) view() CaseView { return CaseView{Case: w.state, RequestHash: w.in.RequestHash} }

func (w *caseRun) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCase, func() (CaseView, error) { return w.view(), nil }); err != nil {
		return err
	}
	err := workflow.SetUpdateHandler(ctx, UpdateOpened, func(ctx workflow.Context) (CaseView, error) {
		if err := workflow.Await(ctx, func() bool { return w.opened || w.openErr != nil }); err != nil {
			return CaseView{}, err
		}
		if w.openErr != nil {
			return CaseView{}, w.openErr
		}
		return w.view(), nil
	})
	if err != nil {
		return err
	}
	steps := []struct {
		name   string
		decide func(helpdesk.Case, StepInput) (helpdesk.Event, error)
	}{
		{UpdateClaim, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Claim(s.Actor) }},
		{UpdateResolve, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Resolve(s.Actor, s.Resolution) }},
		{UpdateConfirm, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Confirm(s.Actor) }},
	}
	for _, s := range steps {
		if err := w.registerStep(ctx, s.name, s.decide); err != nil {
			return err
		}
	}
	return nil
}

// registerStep wires one human step as an update. The validator refuses a
// step that is not allowed now without touching history; the handler
// decides again under the mutex, because another update may have changed
// the case while this one waited (two caseworkers claiming at once).
func (w *caseRun) registerStep(ctx workflow.Context, name string, decide func(helpdesk.Case, StepInput) (helpdesk.Event, error)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, s StepInput) (CaseView, error) {
			if err := w.mu.Lock(ctx); err != nil {
				return CaseView{}, err
			}
			defer w.mu.Unlock()
			ev, err := decide(w.state, s)
			if err != nil {
				return CaseView{}, refusal(err)
			}
			if err := w.record(ctx, s.Actor.Username, s.CorrelationID, ev); err != nil {
				return CaseView{}, err
			}
			return w.view(), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, s StepInput) error {
				if !w.opened {
					return refusal(&helpdesk.StepError{Code: helpdesk.CodeConflict,
						Message: "saken er ikke registrert ennå", English: "the case is not recorded yet"})
				}
				_, err := decide(w.state, s)
				return refusal(err)
			},
		})
}

// refusal turns a domain refusal into a non-retryable application error
// whose type is the error code and whose details carry both languages.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	se, ok := helpdesk.AsStepError(err)
	if !ok {
		return err
	}
	return temporal.NewNonRetryableApplicationError(se.English, string(se.Code), nil,
		ErrorDetails{Code: se.Code, Field: se.Field, Message: se.Message, English: se.English})
}

func (w *caseRun) open(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	meta := helpdesk.Metadata{Actor: w.in.Actor.Username, OccurredAt: now, CorrelationID: w.in.CorrelationID}
	actx := workflow.WithActivityOptions(ctx, appendOptions)
	var ref string
	err := workflow.ExecuteActivity(actx, a.AllocateReference, activities.AllocateReferenceInput{
		CaseID: w.in.CaseID, Year: now.In(helpdesk.Oslo).Year(), Metadata: meta,
	}).Get(ctx, &ref)
	if err != nil {
		return fmt.Errorf("allocate reference: %w", err)
	}
	opened := helpdesk.Open(w.in.CaseID, ref, w.in.Request, w.in.Actor)
	if err := w.record(ctx, w.in.Actor.Username, w.in.CorrelationID, opened); err != nil {
		return err
	}
	w.opened = true
	return nil
}

// appendOptions: appends are quick; retry transient store failures for a
// long while (a case must never be lost), but not refusals.
var appendOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		NonRetryableErrorTypes: []string{
			activities.ErrTypeWrongExpectedRevision,
			activities.ErrTypeIDConflict,
			activities.ErrTypeInvalidEvent,
		},
	},
}

// record appends one event to the case's stream at the revision the
// workflow knows, then folds it into the state.
func (w *caseRun) record(ctx workflow.Context, actor, correlationID string, ev helpdesk.Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode %s: %w", ev.EventType(), err)
	}
	meta := helpdesk.Metadata{Actor: actor, OccurredAt: workflow.Now(ctx), CorrelationID: correlationID}
	in := activities.AppendInput{
		Stream:           helpdesk.Stream(w.in.CaseID),
		ExpectedRevision: w.state.Revision,
		Events:           []activities.NewEvent{{Type: ev.EventType(), Data: data, Metadata: meta}},
	}
	var out activities.AppendOutput
	actx := workflow.WithActivityOptions(ctx, appendOptions)
	if err := workflow.ExecuteActivity(actx, a.AppendEvents, in).Get(ctx, &out); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			return fmt.Errorf("record %s: %w", ev.EventType(), err)
		}
		return err
	}
	w.state.Apply(ev, meta, out.LastRevision)
	return nil
}
