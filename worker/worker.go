// Package worker registers Brukerhjelp's workflows and activities on a
// Temporal worker. Both `brukerhjelp dev` and `brukerhjelp worker` use it, so
// what runs embedded is exactly what runs in production.
package worker

import (
	"errors"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// WorkflowRegistry is what workers, test environments and replayers share.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterWorkflows adds every workflow under its stable name: the name is
// what running histories refer to, so it never follows a Go rename.
func RegisterWorkflows(r WorkflowRegistry) {
	// CaseWorkflow runs the cases started before each kind had a type of
	// its own; new cases start the kind's type.
	r.RegisterWorkflowWithOptions(workflows.CaseWorkflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.IncidentWorkflow, workflow.RegisterOptions{Name: workflows.IncidentWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.GuidanceWorkflow, workflow.RegisterOptions{Name: workflows.GuidanceWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.OrderWorkflow, workflow.RegisterOptions{Name: workflows.OrderWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.NewUserWorkflow, workflow.RegisterOptions{Name: workflows.NewUserWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ESAAccessWorkflow, workflow.RegisterOptions{Name: workflows.ESAAccessWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.DepartureWorkflow, workflow.RegisterOptions{Name: workflows.DepartureWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.AnnouncementWorkflow, workflow.RegisterOptions{Name: workflows.AnnouncementWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.RetentionWorkflow, workflow.RegisterOptions{Name: workflows.RetentionWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ErasureWorkflow, workflow.RegisterOptions{Name: workflows.ErasureWorkflowName})
}

// Register adds every workflow and activity to r (a worker or a test
// environment).
func Register(r interface {
	WorkflowRegistry
	RegisterActivity(a any)
}, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(acts)
}

// Options are the worker options every Brukerhjelp worker uses: the
// logging interceptor (worker/logging.go), then extra (e.g. Metrics).
func Options(extra ...interceptor.WorkerInterceptor) sdkworker.Options {
	return sdkworker.Options{Interceptors: append([]interceptor.WorkerInterceptor{&LogInterceptor{}}, extra...)}
}

// New builds a worker on the Brukerhjelp task queue; start it with Start
// and stop it with Stop.
func New(c client.Client, acts *activities.Activities, extra ...interceptor.WorkerInterceptor) (sdkworker.Worker, error) {
	if c == nil || acts == nil {
		return nil, errors.New("worker: nil client or activities")
	}
	w := sdkworker.New(c, workflows.TaskQueue, Options(extra...))
	Register(w, acts)
	return w, nil
}
