package worker

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// Metrics count what this worker process runs, for GET /metrics:
// activities (by type and outcome, with their duration) and workflow runs
// that end here (by type and how: completed, continued as new, failed).
type Metrics struct {
	interceptor.WorkerInterceptorBase
	activities *prometheus.HistogramVec
	runs       *prometheus.CounterVec
}

// NewMetrics makes the worker's metrics; add Collectors to the registry
// and the Metrics to the worker's interceptors (Options).
func NewMetrics() *Metrics {
	return &Metrics{
		activities: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "brukerhjelp_activity_duration_seconds",
			Help:    "Activity executions on this worker by type and outcome (ok, error), and how long they took.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"activity", "outcome"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "brukerhjelp_workflow_runs_ended_total",
			Help: "Workflow runs that ended on this worker, by type and how: completed, continued (as new), failed."}, []string{"workflow", "outcome"}),
	}
}

// Collectors are the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.activities, m.runs}
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (m *Metrics) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &metricsActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, m: m}
}

// InterceptWorkflow implements interceptor.WorkerInterceptor.
func (m *Metrics) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &metricsWorkflowIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, m: m}
}

type metricsActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	m *Metrics
}

func (a *metricsActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	start := time.Now()
	res, err := a.Next.ExecuteActivity(ctx, in)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	a.m.activities.WithLabelValues(activity.GetInfo(ctx).ActivityType.Name, outcome).Observe(time.Since(start).Seconds())
	return res, err
}

type metricsWorkflowIn struct {
	interceptor.WorkflowInboundInterceptorBase
	m *Metrics
}

// ExecuteWorkflow counts the run's end once: a run replayed on this worker
// to its already recorded end is not counted again (metrics are a side
// effect, so they are kept out of replay).
func (w *metricsWorkflowIn) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	if workflow.IsReplaying(ctx) {
		return res, err
	}
	outcome := "completed"
	if err != nil {
		outcome = "failed"
		if workflow.IsContinueAsNewError(err) {
			outcome = "continued"
		}
	}
	w.m.runs.WithLabelValues(workflow.GetInfo(ctx).WorkflowType.Name, outcome).Inc()
	return res, err
}
