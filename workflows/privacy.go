package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Personal data's end (docs/PRIVACY.md): the retention workflow, which a
// Temporal schedule starts every night, erases what the retention policy
// says has lived long enough; the erasure workflow erases what the data
// protection officer decided on a person's request. Both erase case by
// case through the same activity, which records each erasure on the
// case's stream.

// Registered names; schedules and histories refer to them.
const (
	RetentionWorkflowName = "RetentionWorkflow"
	ErasureWorkflowName   = "ErasureWorkflow"
	// RetentionScheduleID is the schedule that starts the retention
	// workflow.
	RetentionScheduleID = "brukerhjelp-retention"
)

// RetentionInput is a retention run: the policy in force when the
// schedule was made, and how many cases one page finds.
type RetentionInput struct {
	Policy helpdesk.RetentionPolicy `json:"policy"`
	Page   int                      `json:"page,omitempty"`
	// Kind and After continue a run that continued as new.
	Kind  helpdesk.Kind `json:"kind,omitempty"`
	After string        `json:"after,omitempty"`
	// So far is what the runs before this one did.
	SoFar RetentionResult `json:"soFar,omitzero"`
}

// RetentionResult says what a retention run did.
type RetentionResult struct {
	Checked int `json:"checked"`
	Erased  int `json:"erased"`
	Held    int `json:"held"`
	Kept    int `json:"kept"`
}

// ErasureInput is the data protection officer's erasure: the cases (and
// the person's own stream) the desk found may be erased.
type ErasureInput struct {
	Items []activities.ErasureItem `json:"items"`
	By    string                   `json:"by"`
}

// erasureOptions: an erasure destroys a key and writes the record; retry
// what passes (the store, Temporal), not what cannot.
var erasureOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 20,
		NonRetryableErrorTypes: []string{activities.ErrTypeNoPrivacy, "NoCase", activities.ErrTypeIDConflict, activities.ErrTypeInvalidEvent},
	},
}

// retentionKinds is the order a run goes through the kinds.
var retentionKinds = []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance, helpdesk.KindOrder,
	helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture}

// retentionContinueAfter bounds a run's history: each case erased adds a
// few events; a run that erased this many continues as new.
const retentionContinueAfter = 500

// RetentionWorkflow erases the personal data of every case the policy
// says is due at the time the run starts (workflow.Now), kind by kind,
// page by page; a case under legal hold is kept.
func RetentionWorkflow(ctx workflow.Context, in RetentionInput) (RetentionResult, error) {
	ctx = workflow.WithActivityOptions(ctx, erasureOptions)
	res := in.SoFar
	asOf := workflow.Now(ctx)
	if in.Page <= 0 {
		in.Page = 100
	}
	erasedThisRun := 0
	started := in.Kind == ""
	for _, kind := range retentionKinds {
		if !started && kind != in.Kind {
			continue
		}
		after := ""
		if !started {
			after = in.After
		}
		started = true
		for {
			var page activities.FindDueOutput
			if err := workflow.ExecuteActivity(ctx, a.FindDueForErasure, activities.FindDueInput{
				Policy: in.Policy, Kind: kind, AsOf: asOf, After: after, Limit: in.Page}).Get(ctx, &page); err != nil {
				return res, err
			}
			res.Checked += page.Checked
			res.Held += page.Held
			for _, item := range page.Items {
				var out activities.EraseOutput
				if err := workflow.ExecuteActivity(ctx, a.ErasePersonalData, activities.EraseInput{Item: item, By: systemActor.Username}).Get(ctx, &out); err != nil {
					return res, err
				}
				if out.Erased {
					res.Erased++
				} else {
					res.Kept++
				}
				erasedThisRun++
			}
			if page.Next == "" {
				break
			}
			after = page.Next
			if erasedThisRun >= retentionContinueAfter {
				next := in
				next.Kind, next.After, next.SoFar = kind, after, res
				return res, workflow.NewContinueAsNewError(ctx, RetentionWorkflowName, next)
			}
		}
	}
	workflow.GetLogger(ctx).Info("retention run done", "checked", res.Checked, "erased", res.Erased, "held", res.Held, "kept", res.Kept)
	return res, nil
}

// ErasureWorkflow erases what the data protection officer decided, item by
// item, and says what became of each.
func ErasureWorkflow(ctx workflow.Context, in ErasureInput) ([]activities.EraseOutput, error) {
	ctx = workflow.WithActivityOptions(ctx, erasureOptions)
	out := make([]activities.EraseOutput, 0, len(in.Items))
	for _, item := range in.Items {
		var o activities.EraseOutput
		if err := workflow.ExecuteActivity(ctx, a.ErasePersonalData, activities.EraseInput{Item: item, By: in.By}).Get(ctx, &o); err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}
