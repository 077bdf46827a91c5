package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWorkflowAndActivityLogLinesNameTheCase runs a workflow and an
// activity with Brukerhjelp's worker options under the SDK's test suite
// and reads their JSON log lines.
func TestWorkflowAndActivityLogLinesNameTheCase(t *testing.T) {
	var logs syncBuffer
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(Options())

	record := func(ctx context.Context, in activities.AppendInput) error {
		activity.GetLogger(ctx).Info("recording in test")
		return nil
	}
	env.RegisterActivityWithOptions(record, activity.RegisterOptions{Name: "record"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.CaseInput) error {
		workflow.GetLogger(ctx).Info("case workflow in test")
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		return workflow.ExecuteActivity(ctx, "record", activities.AppendInput{
			Stream: helpdesk.Stream(in.CaseID), CaseRef: "BH-2026-000042",
			Events: []activities.NewEvent{{Type: "CaseClaimed", Metadata: helpdesk.Metadata{Actor: "per", CorrelationID: "req-4711"}}},
		}).Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "logtest"})

	env.ExecuteWorkflow("logtest", workflows.CaseInput{CaseID: "7d3c5a0e-8f1b-4c2d-9e3f-000000000001", CorrelationID: "req-0001"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"case workflow in test": {"correlationId": "req-0001"},
		"recording in test":     {"correlationId": "req-4711", "caseRef": "BH-2026-000042"},
	}
	seen := map[string]bool{}
	for line := range strings.Lines(logs.String()) {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		msg, _ := e["msg"].(string)
		fields, ok := want[msg]
		if !ok {
			continue
		}
		seen[msg] = true
		for k, v := range fields {
			if e[k] != v {
				t.Errorf("%q: %s = %v, want %v (%s)", msg, k, e[k], v, line)
			}
		}
	}
	for msg := range want {
		if !seen[msg] {
			t.Errorf("no log line %q in:\n%s", msg, logs.String())
		}
	}
}
