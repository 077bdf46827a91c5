package desk

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Workflows is how the desk starts and steers the case and announcement
// workflows. Temporal implements it on a Temporal client; tests may fake
// it. Its errors are:
//   - ErrAlreadyStarted: a workflow under that ID has finished (a create
//     repeated with the same idempotency key after its case ended);
//   - ErrNotRunning: the workflow has finished, so no step reaches it;
//   - a *helpdesk.StepError: the workflow refused the step;
//   - ErrEngineBusy (wrapped): the engine gave up in time; try again.
type Workflows interface {
	// StartCase starts a case's workflow (or finds the one already
	// started under in.CaseID) and waits until the case is recorded.
	StartCase(ctx context.Context, in workflows.CaseInput) (workflows.CaseView, error)
	// UpdateCase sends one update to a case's workflow and returns the
	// case as the workflow has it afterwards. updateID, when not empty,
	// makes a repeated call the same update.
	UpdateCase(ctx context.Context, caseID, update, updateID string, in workflows.StepInput) (workflows.CaseView, error)
	StartAnnouncement(ctx context.Context, in workflows.AnnouncementInput) (workflows.AnnouncementView, error)
	UpdateAnnouncement(ctx context.Context, id, update string, in workflows.AnnouncementStepInput) (workflows.AnnouncementView, error)
}

// Errors of Workflows.
var (
	ErrAlreadyStarted = errors.New("desk: a workflow with that id has already finished")
	ErrNotRunning     = errors.New("desk: the workflow is not running")
	ErrEngineBusy     = errors.New("desk: the case engine did not answer in time")
)

// TemporalClient is the part of Temporal's client the desk uses;
// client.Client implements it.
type TemporalClient interface {
	NewWithStartWorkflowOperation(options client.StartWorkflowOptions, workflow any, args ...any) client.WithStartWorkflowOperation
	UpdateWithStartWorkflow(ctx context.Context, options client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error)
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
}

// Temporal runs the workflows on a Temporal client.
func Temporal(c TemporalClient) Workflows { return temporalWorkflows{c} }

type temporalWorkflows struct{ c TemporalClient }

func (t temporalWorkflows) StartCase(ctx context.Context, in workflows.CaseInput) (workflows.CaseView, error) {
	// Each kind runs as a workflow type of its own (IncidentWorkflow,
	// OrderWorkflow …) under the ID case-<uuid>.
	var view workflows.CaseView
	name, arg := in.Start()
	err := t.updateWithStart(ctx, workflows.WorkflowID(in.CaseID), name, workflows.UpdateOpened, arg, &view)
	return view, err
}

func (t temporalWorkflows) StartAnnouncement(ctx context.Context, in workflows.AnnouncementInput) (workflows.AnnouncementView, error) {
	var view workflows.AnnouncementView
	err := t.updateWithStart(ctx, workflows.AnnouncementWorkflowID(in.AnnouncementID), workflows.AnnouncementWorkflowName,
		workflows.UpdatePublished, in, &view)
	return view, err
}

func (t temporalWorkflows) updateWithStart(ctx context.Context, id, workflow, update string, in, out any) error {
	start := t.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflow, in)
	h, err := t.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: update, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	return temporalError(err)
}

func (t temporalWorkflows) UpdateCase(ctx context.Context, caseID, update, updateID string, in workflows.StepInput) (workflows.CaseView, error) {
	var view workflows.CaseView
	err := t.update(ctx, workflows.WorkflowID(caseID), update, updateID, in, &view)
	return view, err
}

func (t temporalWorkflows) UpdateAnnouncement(ctx context.Context, id, update string, in workflows.AnnouncementStepInput) (workflows.AnnouncementView, error) {
	var view workflows.AnnouncementView
	err := t.update(ctx, workflows.AnnouncementWorkflowID(id), update, "", in, &view)
	return view, err
}

func (t temporalWorkflows) update(ctx context.Context, workflowID, update, updateID string, in, out any) error {
	h, err := t.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateID:     updateID,
		UpdateName:   update,
		Args:         []any{in},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	return temporalError(err)
}

// temporalError maps what Temporal answers to the errors of Workflows.
func temporalError(err error) error {
	if err == nil {
		return nil
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return ErrAlreadyStarted
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return ErrNotRunning
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		var d workflows.ErrorDetails
		if appErr.HasDetails() && appErr.Details(&d) == nil && d.Code != "" {
			return &helpdesk.StepError{Code: d.Code, Field: d.Field, Message: d.Message, English: d.English}
		}
	}
	// Our own deadline, or Temporal giving up on an update (its service
	// deadline or cancellation, e.g. while no worker runs): trying again
	// later may work.
	var timedOut *client.WorkflowUpdateServiceTimeoutOrCanceledError
	var deadline *serviceerror.DeadlineExceeded
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timedOut) || errors.As(err, &deadline) {
		return errors.Join(ErrEngineBusy, err)
	}
	return err
}

// engineError is a Workflows error as the desk answers it: a refusal
// keeps its kind, a busy engine is Busy, anything else an internal error.
func engineError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrEngineBusy):
		return errBusy
	}
	return fromDomain(err)
}
