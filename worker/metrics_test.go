package worker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// An operator's dashboard counts what the worker runs: each activity by
// type and outcome with its duration, and each workflow run by how it
// ended.
func TestWorkerMetricsCountActivitiesAndRuns(t *testing.T) {
	m := NewMetrics()
	var s testsuite.WorkflowTestSuite
	run := func(name string, continueAsNew bool) {
		env := s.NewTestWorkflowEnvironment()
		env.SetWorkerOptions(Options(m))
		env.RegisterActivityWithOptions(func(ctx context.Context, fail bool) error {
			if fail {
				return temporal.NewNonRetryableApplicationError("nei", "test", nil)
			}
			return nil
		}, activity.RegisterOptions{Name: "step"})
		env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
			if err := workflow.ExecuteActivity(ctx, "step", false).Get(ctx, nil); err != nil {
				return err
			}
			if err := workflow.ExecuteActivity(ctx, "step", true).Get(ctx, nil); err == nil {
				return errors.New("the failing step succeeded")
			}
			if continueAsNew {
				return workflow.NewContinueAsNewError(ctx, name)
			}
			return nil
		}, workflow.RegisterOptions{Name: name})
		env.ExecuteWorkflow(name)
	}
	run("metrics-done", false)
	run("metrics-continued", true)

	for _, tc := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.runs.WithLabelValues("metrics-done", "completed"), 1},
		{m.runs.WithLabelValues("metrics-continued", "continued"), 1},
	} {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("runs = %v, want %v", got, tc.want)
		}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, f := range families {
		if f.GetName() != "brukerhjelp_activity_duration_seconds" {
			continue
		}
		for _, mt := range f.GetMetric() {
			key := ""
			for _, l := range mt.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + " "
			}
			counts[key] = mt.GetHistogram().GetSampleCount()
		}
	}
	if counts["activity=step outcome=ok "] != 2 || counts["activity=step outcome=error "] != 2 {
		t.Errorf("activity executions counted %v, want 2 ok and 2 errors", counts)
	}
}
