package worker

import (
	"context"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
)

// logNamer is an input that names its work for the logs: the correlation
// ID of the request behind it and, where known, the case reference
// (workflows.CaseInput, activities.AppendInput).
type logNamer interface {
	LogFields() (correlationID, caseRef string)
}

// logFields are the key-value pairs the first logNamer among args gives.
func logFields(args []any) []any {
	for _, a := range args {
		n, ok := a.(logNamer)
		if !ok {
			continue
		}
		id, ref := n.LogFields()
		var kv []any
		if id != "" {
			kv = append(kv, logctx.CorrelationIDKey, id)
		}
		if ref != "" {
			kv = append(kv, logctx.CaseRefKey, ref)
		}
		return kv
	}
	return nil
}

// LogInterceptor makes the logger workflows and activities get
// (workflow.GetLogger, activity.GetLogger) name the correlation ID and
// the case reference of their input, so their lines can be joined with
// the API's request lines. It adds attributes only: it changes no
// command a workflow issues, so replay is unaffected.
type LogInterceptor struct {
	interceptor.WorkerInterceptorBase
}

// InterceptWorkflow implements interceptor.WorkerInterceptor.
func (*LogInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	in := &logWorkflowIn{}
	in.Next = next
	return in
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (*LogInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	in := &logActivityIn{}
	in.Next = next
	return in
}

type logWorkflowIn struct {
	interceptor.WorkflowInboundInterceptorBase
	fields []any
}

func (w *logWorkflowIn) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	out := &logWorkflowOut{in: w}
	out.Next = outbound
	return w.Next.Init(out)
}

func (w *logWorkflowIn) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	w.fields = logFields(in.Args)
	return w.Next.ExecuteWorkflow(ctx, in)
}

type logWorkflowOut struct {
	interceptor.WorkflowOutboundInterceptorBase
	in *logWorkflowIn
}

func (o *logWorkflowOut) GetLogger(ctx workflow.Context) log.Logger {
	l := o.Next.GetLogger(ctx)
	if len(o.in.fields) == 0 {
		return l
	}
	return log.With(l, o.in.fields...)
}

type logActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	fields []any
}

func (a *logActivityIn) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	out := &logActivityOut{in: a}
	out.Next = outbound
	return a.Next.Init(out)
}

func (a *logActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	a.fields = logFields(in.Args)
	return a.Next.ExecuteActivity(ctx, in)
}

type logActivityOut struct {
	interceptor.ActivityOutboundInterceptorBase
	in *logActivityIn
}

func (o *logActivityOut) GetLogger(ctx context.Context) log.Logger {
	l := o.Next.GetLogger(ctx)
	if len(o.in.fields) == 0 {
		return l
	}
	return log.With(l, o.in.fields...)
}
