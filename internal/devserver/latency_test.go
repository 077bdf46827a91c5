package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/devserver"
)

// activityTimes is when the last traceActivity was scheduled and started
// by the server's clock and when it ran by the worker's.
var activityTimes struct {
	sync.Mutex
	scheduled, started, ran time.Time
}

func traceActivity(ctx context.Context) error {
	info := activity.GetInfo(ctx)
	activityTimes.Lock()
	activityTimes.scheduled, activityTimes.started, activityTimes.ran = info.ScheduledTime, info.StartedTime, time.Now()
	activityTimes.Unlock()
	return nil
}

// traceWorkflow is the bench's bare workflow: one no-op activity. With
// an "step" update it waits for updates, each running the activity, until
// signalled "done".
func traceWorkflow(ctx workflow.Context, steps bool) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if !steps {
		return workflow.ExecuteActivity(ctx, traceActivity).Get(ctx, nil)
	}
	if err := workflow.SetUpdateHandler(ctx, "step", func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
		return workflow.ExecuteActivity(ctx, traceActivity).Get(ctx, nil)
	}); err != nil {
		return err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return nil
}

// TestLatencyTrace is a tool, not a check: it runs the bare workflow and
// an update one after the other on the embedded server and prints where
// the time goes, from the client's clock and from the timestamps the
// server writes into the history (scheduled → started is the time a task
// spends between history, matching and the worker's poll). It runs only
// with DEVSERVER_LATENCY=1; DEVSERVER_LATENCY_CONFIG is a JSON object of
// dynamic config keys to set on top of ours (e.g.
// '{"history.transferProcessorMaxPollRPS":20}'), DEVSERVER_LATENCY_EAGER=1
// starts the workflows eagerly.
func TestLatencyTrace(t *testing.T) {
	if os.Getenv("DEVSERVER_LATENCY") == "" {
		t.Skip("set DEVSERVER_LATENCY=1 to run")
	}
	if raw := os.Getenv("DEVSERVER_LATENCY_CONFIG"); raw != "" {
		var over map[string]any
		if err := json.Unmarshal([]byte(raw), &over); err != nil {
			t.Fatal(err)
		}
		// JSON numbers are float64; the settings want ints or durations.
		for k, v := range over {
			switch x := v.(type) {
			case float64:
				over[k] = int(x)
			case string:
				if d, err := time.ParseDuration(x); err == nil {
					over[k] = d
				}
			}
		}
		defer devserver.SetDynamicConfig(over)()
	}
	eager := os.Getenv("DEVSERVER_LATENCY_EAGER") == "1"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{
		DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"),
		FrontendPort: freePort(t),
		Logger:       testLogger(),
		LogLevel:     logLevel(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(),
		Logger: sdklog.NewStructuredLogger(testLogger())})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, "trace", worker.Options{})
	w.RegisterWorkflow(traceWorkflow)
	w.RegisterActivity(traceActivity)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if os.Getenv("DEVSERVER_LATENCY_SECOND_WORKER") == "1" {
		w2 := worker.New(c, "trace-other", worker.Options{})
		w2.RegisterWorkflow(traceWorkflow)
		w2.RegisterActivity(traceActivity)
		if err := w2.Start(); err != nil {
			t.Fatal(err)
		}
		defer w2.Stop()
	}

	const runs = 30
	var total []time.Duration
	gaps := map[string][]time.Duration{}
	var order []string
	for i := range runs {
		id := fmt.Sprintf("bare-%d", i)
		t0 := time.Now()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "trace", EnableEagerStart: eager}, traceWorkflow, false)
		t1 := time.Now()
		if err == nil {
			err = run.Get(ctx, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		t2 := time.Now()
		if i > 0 { // the first run warms up
			total = append(total, t2.Sub(t0))
			activityTimes.Lock()
			points := []point{{"client calls start", t0}, {"client has start's answer", t1}, {"client has result", t2},
				{"activity's scheduled time (server)", activityTimes.scheduled},
				{"activity's started time (server)", activityTimes.started},
				{"activity runs (worker)", activityTimes.ran}}
			activityTimes.Unlock()
			timeline(ctx, t, c, id, points, gaps, &order)
		}
	}
	t.Logf("bare workflow, client: p50 %v", median(total))
	for _, k := range order {
		if len(gaps[k]) >= runs/4 {
			t.Logf("  %-90s p50 %8v (%d)", k, median(gaps[k]), len(gaps[k]))
		}
	}

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "steps", TaskQueue: "trace", EnableEagerStart: eager}, traceWorkflow, true)
	if err != nil {
		t.Fatal(err)
	}
	var steps []time.Duration
	for i := range runs {
		t0 := time.Now()
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: "steps", UpdateName: "step",
			WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			it := c.GetWorkflowHistory(ctx, "steps", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				ev, _ := it.Next()
				t.Log(ev)
			}
			t.Fatal(err)
		}
		if i > 0 {
			steps = append(steps, time.Since(t0))
		}
	}
	if err := c.SignalWorkflow(ctx, "steps", run.GetRunID(), "done", nil); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	gaps, order = map[string][]time.Duration{}, nil
	historyGaps(ctx, t, c, "steps", gaps, &order)
	t.Logf("update running one activity, client: p50 %v", median(steps))
	for _, k := range order {
		if len(gaps[k]) > 3 {
			t.Logf("  %-70s p50 %v (%d)", k, median(gaps[k]), len(gaps[k]))
		}
	}
}

type point struct {
	what string
	at   time.Time
}

// timeline merges points with the events of a workflow's history by time
// and adds the gaps between neighbours to gaps.
func timeline(ctx context.Context, t *testing.T, c client.Client, id string, points []point, gaps map[string][]time.Duration, order *[]string) {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		points = append(points, point{fmt.Sprintf("event %d %s", ev.GetEventId(), short(ev.GetEventType())), ev.GetEventTime().AsTime()})
	}
	slices.SortStableFunc(points, func(a, b point) int { return a.at.Compare(b.at) })
	for i := 1; i < len(points); i++ {
		k := fmt.Sprintf("%s → %s", points[i-1].what, points[i].what)
		if _, ok := gaps[k]; !ok {
			*order = append(*order, k)
		}
		gaps[k] = append(gaps[k], points[i].at.Sub(points[i-1].at))
	}
}

// historyGaps adds the time between consecutive events of a workflow's
// history to gaps, keyed by the two event types.
func historyGaps(ctx context.Context, t *testing.T, c client.Client, id string, gaps map[string][]time.Duration, order *[]string) {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var prev *historypb.HistoryEvent
	for i := 0; it.HasNext(); i++ {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil {
			k := fmt.Sprintf("%2d %s → %s", i, short(prev.GetEventType()), short(ev.GetEventType()))
			if len(*order) > 40 { // long histories: by type only
				k = fmt.Sprintf("%s → %s", short(prev.GetEventType()), short(ev.GetEventType()))
			}
			if _, ok := gaps[k]; !ok {
				*order = append(*order, k)
			}
			gaps[k] = append(gaps[k], ev.GetEventTime().AsTime().Sub(prev.GetEventTime().AsTime()))
		}
		prev = ev
	}
}

func short(t enumspb.EventType) string {
	return strings.TrimPrefix(t.String(), "EVENT_TYPE_")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(100 * time.Microsecond)
}
