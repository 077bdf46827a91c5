package devserver_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/devserver"
)

const taskQueue = "devserver-test"

// waitForSignal sleeps on a durable timer, then waits for the "go" signal.
// Its "set" update lets the test check that Workflow Updates are enabled.
func waitForSignal(ctx workflow.Context, sleep time.Duration) (string, error) {
	var note string
	err := workflow.SetUpdateHandlerWithOptions(ctx, "set",
		func(ctx workflow.Context, v string) (string, error) {
			note = v
			return "set:" + v, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v string) error {
			if v == "" {
				return errors.New("empty value")
			}
			return nil
		}},
	)
	if err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, sleep); err != nil {
		return "", err
	}
	var got string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &got)
	return fmt.Sprintf("got:%s note:%s", got, note), nil
}

func TestRestartContinuesWorkflows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// '#' and '?' end the path of a SQLite URI unless escaped.
	dataDir := filepath.Join(t.TempDir(), "data#1?x")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	dbFile := filepath.Join(dataDir, "temporal.db")
	opts := devserver.Options{
		DatabaseFile: dbFile,
		FrontendPort: freePort(t),
		UIPort:       freePort(t),
		Namespace:    "brukerhjelp-test",
		Logger:       testLogger(),
		LogLevel:     logLevel(),
	}

	// First start: a new file.
	began := time.Now()
	srv, err := devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("cold start: %v", err)
	}
	t.Cleanup(srv.Stop) // a no-op after the explicit Stop below
	t.Logf("cold start (new file): %v", time.Since(began))
	if got, want := srv.FrontendAddress(), fmt.Sprintf("127.0.0.1:%d", opts.FrontendPort); got != want {
		t.Errorf("FrontendAddress() = %q, want %q", got, want)
	}
	if srv.Namespace() != opts.Namespace {
		t.Errorf("Namespace() = %q, want %q", srv.Namespace(), opts.Namespace)
	}
	checkUI(t, srv, opts.UIPort)
	checkWAL(t, dbFile)

	c, w := connect(t, srv)
	// A runs to completion: timer, signal, update.
	runA, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wf-a", TaskQueue: taskQueue}, waitForSignal, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("start wf-a: %v", err)
	}
	upd, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: "wf-a", UpdateName: "set", Args: []any{"note-a"}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		t.Fatalf("update wf-a: %v", err)
	}
	var updResult string
	if err := upd.Get(ctx, &updResult); err != nil || updResult != "set:note-a" {
		t.Fatalf("update wf-a result = %q, %v", updResult, err)
	}
	// A rejected update is reported by the handle, not by UpdateWorkflow.
	rejected, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: "wf-a", UpdateName: "set", Args: []any{""}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = rejected.Get(ctx, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "empty value") {
		t.Errorf("update with empty value: err = %v, want the validator's rejection", err)
	}
	if err := c.SignalWorkflow(ctx, "wf-a", "", "go", "a"); err != nil {
		t.Fatalf("signal wf-a: %v", err)
	}
	var resultA string
	if err := runA.Get(ctx, &resultA); err != nil || resultA != "got:a note:note-a" {
		t.Fatalf("wf-a result = %q, %v", resultA, err)
	}

	// B is started with update-with-start and left on a timer that fires
	// only after the restart, then waits for a signal.
	startOp := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: "wf-b", TaskQueue: taskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, waitForSignal, 3*time.Second)
	updB, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: "set", Args: []any{"note-b"}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		t.Fatalf("update-with-start wf-b: %v", err)
	}
	if err := updB.Get(ctx, &updResult); err != nil || updResult != "set:note-b" {
		t.Fatalf("update-with-start wf-b result = %q, %v", updResult, err)
	}
	runB, err := startOp.Get(ctx)
	if err != nil {
		t.Fatalf("wf-b start: %v", err)
	}
	w.Stop()
	c.Close()

	began = time.Now()
	srv.Stop()
	t.Logf("stop: %v", time.Since(began))
	srv.Stop() // idempotent

	// Second start: the same file. A new frontend port, because Temporal
	// never stops some of its system workers (see Server.Stop), and the
	// first server's would otherwise poll the second one.
	opts.FrontendPort = freePort(t)
	began = time.Now()
	srv, err = devserver.Start(ctx, opts)
	if err != nil {
		t.Fatalf("warm start: %v", err)
	}
	t.Logf("warm start (existing file): %v", time.Since(began))
	t.Cleanup(srv.Stop) // after the worker's cleanup: cleanups run last-in first-out
	checkUI(t, srv, opts.UIPort)

	c, _ = connect(t, srv)
	events := historyEvents(ctx, t, c, "wf-a", runA.GetRunID())
	for _, want := range []enumspb.EventType{
		enumspb.EVENT_TYPE_TIMER_FIRED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
	} {
		if !events[want] {
			t.Errorf("wf-a history after restart lacks %v", want)
		}
	}

	if err := c.SignalWorkflow(ctx, "wf-b", runB.GetRunID(), "go", "b"); err != nil {
		t.Fatalf("signal wf-b after restart: %v", err)
	}
	var resultB string
	if err := c.GetWorkflow(ctx, "wf-b", runB.GetRunID()).Get(ctx, &resultB); err != nil || resultB != "got:b note:note-b" {
		t.Fatalf("wf-b result after restart = %q, %v", resultB, err)
	}
	if events := historyEvents(ctx, t, c, "wf-b", runB.GetRunID()); !events[enumspb.EVENT_TYPE_TIMER_FIRED] {
		t.Error("wf-b history lacks the timer that fired after the restart")
	}
}

// TestSurvivesKill9 runs a server in a child process, leaves a workflow
// waiting for a signal, kills the child with SIGKILL and continues the
// workflow on a server started on the same file.
func TestSurvivesKill9(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dbFile := filepath.Join(t.TempDir(), "temporal.db")

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKill9Child$", "-test.v")
	cmd.Env = append(os.Environ(), "DEVSERVER_CHILD_DB="+dbFile, fmt.Sprintf("DEVSERVER_CHILD_PORT=%d", freePort(t)))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := false
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if sc.Text() == childReady {
			ready = true
			break
		}
	}
	_ = cmd.Process.Kill() // SIGKILL: no deferred cleanup, no checkpoint
	_ = cmd.Wait()
	if !ready {
		t.Fatal("child process did not get its workflow going")
	}

	began := time.Now()
	srv, err := devserver.Start(ctx, devserver.Options{
		DatabaseFile: dbFile, FrontendPort: freePort(t), Logger: testLogger(), LogLevel: logLevel(),
	})
	if err != nil {
		t.Fatalf("start after kill -9: %v", err)
	}
	t.Logf("start after kill -9 (WAL recovery): %v", time.Since(began))
	t.Cleanup(srv.Stop)
	c, _ := connect(t, srv)
	if err := c.SignalWorkflow(ctx, "wf-k", "", "go", "k"); err != nil {
		t.Fatalf("signal after kill -9: %v", err)
	}
	var got string
	if err := c.GetWorkflow(ctx, "wf-k", "").Get(ctx, &got); err != nil || got != "got:k note:note-k" {
		t.Fatalf("wf-k result after kill -9 = %q, %v", got, err)
	}
}

const childReady = "DEVSERVER-CHILD-READY"

// TestKill9Child is TestSurvivesKill9's child process; it does nothing
// when run directly.
func TestKill9Child(t *testing.T) {
	dbFile := os.Getenv("DEVSERVER_CHILD_DB")
	if dbFile == "" {
		t.Skip("only runs as TestSurvivesKill9's child process")
	}
	var port int
	if _, err := fmt.Sscan(os.Getenv("DEVSERVER_CHILD_PORT"), &port); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv, err := devserver.Start(ctx, devserver.Options{DatabaseFile: dbFile, FrontendPort: port, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := connect(t, srv)
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wf-k", TaskQueue: taskQueue}, waitForSignal, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// A completed update proves a workflow task ran and was persisted.
	upd, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: "wf-k", UpdateName: "set", Args: []any{"note-k"}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = upd.Get(ctx, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(childReady)
	select {} // until SIGKILL
}

func TestInMemoryAndUIPortTaken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	began := time.Now()
	srv, err := devserver.Start(ctx, devserver.Options{
		FrontendPort: freePort(t),
		UIPort:       busy.Addr().(*net.TCPAddr).Port,
		Logger:       testLogger(),
	})
	if err != nil {
		t.Fatalf("start in memory: %v", err)
	}
	t.Logf("in-memory start: %v", time.Since(began))
	t.Cleanup(srv.Stop)
	if srv.UIAddress() != "" {
		t.Errorf("UIAddress() = %q with the UI port taken, want \"\"", srv.UIAddress())
	}
	if srv.Namespace() != "default" {
		t.Errorf("Namespace() = %q, want default", srv.Namespace())
	}

	c, _ := connect(t, srv)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: taskQueue}, waitForSignal, time.Millisecond)
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", "m"); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "got:m note:" {
		t.Fatalf("result = %q, %v", got, err)
	}
}

func TestStartMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "does-not-exist")
	_, err := devserver.Start(context.Background(), devserver.Options{
		DatabaseFile: filepath.Join(dir, "temporal.db"),
		FrontendPort: freePort(t),
		Logger:       testLogger(),
	})
	if err == nil {
		t.Fatal("Start with a missing data dir succeeded")
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
		t.Errorf("error = %q, want a not-exist error naming %s", err, dir)
	}
	t.Logf("error: %v", err)
}

func TestStartIncompleteSchema(t *testing.T) {
	dbFile := filepath.Join(t.TempDir(), "temporal.db")
	db, err := sql.Open("sqlite", "file:"+dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE namespaces(id INT)"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	_, err = devserver.Start(context.Background(), devserver.Options{
		DatabaseFile: dbFile, FrontendPort: freePort(t), Logger: testLogger(),
	})
	if err == nil || !strings.Contains(err.Error(), "incomplete schema") {
		t.Fatalf("Start on a half-created database: err = %v, want \"incomplete schema\"", err)
	}
	t.Logf("error: %v", err)
}

func TestStartFrontendPortTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = devserver.Start(context.Background(), devserver.Options{
		DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"),
		FrontendPort: busy.Addr().(*net.TCPAddr).Port,
		Logger:       testLogger(),
	})
	if err == nil || !strings.Contains(err.Error(), "not available") {
		t.Fatalf("Start on a taken frontend port: err = %v, want \"not available\"", err)
	}
	t.Logf("error: %v", err)
}

func TestOptionsValidation(t *testing.T) {
	for name, opts := range map[string]devserver.Options{
		"no logger":    {FrontendPort: 7233},
		"no port":      {Logger: testLogger()},
		"same ports":   {Logger: testLogger(), FrontendPort: 7233, UIPort: 7233},
		"not an ip":    {Logger: testLogger(), FrontendPort: 7233, IP: "localhost"},
		"port too big": {Logger: testLogger(), FrontendPort: 70000},
	} {
		if _, err := devserver.Start(context.Background(), opts); err == nil {
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

func connect(t *testing.T, srv *devserver.Server) (client.Client, worker.Worker) {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  srv.FrontendAddress(),
		Namespace: srv.Namespace(),
		Logger:    sdklog.NewStructuredLogger(testLogger()),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.FrontendAddress(), err)
	}
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(waitForSignal)
	w.RegisterWorkflow(countedWait)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { w.Stop(); c.Close() }) })
	return c, stopOnce{w, &once, c}
}

// stopOnce lets a test stop its worker early without the cleanup stopping
// it twice.
type stopOnce struct {
	worker.Worker
	once *sync.Once
	c    client.Client
}

func (s stopOnce) Stop() { s.once.Do(func() { s.Worker.Stop(); s.c.Close() }) }

func historyEvents(ctx context.Context, t *testing.T, c client.Client, id, runID string) map[enumspb.EventType]bool {
	t.Helper()
	seen := map[enumspb.EventType]bool{}
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		seen[ev.GetEventType()] = true
	}
	return seen
}

func checkUI(t *testing.T, srv *devserver.Server, port int) {
	t.Helper()
	if got, want := srv.UIAddress(), fmt.Sprintf("127.0.0.1:%d", port); got != want {
		t.Fatalf("UIAddress() = %q, want %q", got, want)
	}
	for _, path := range []string{"/", "/api/v1/settings", "/api/v1/namespaces/" + srv.Namespace() + "/workflows"} {
		resp, err := http.Get("http://" + srv.UIAddress() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s, want 200", path, resp.Status)
		}
	}
}

// checkWAL reads the journal mode from the file itself: WAL is a property
// of the database file once set.
func checkWAL(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log next to the database: %v", err)
	}
	db := openReadOnly(t, path)
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(mode, "wal") {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}

// openReadOnly opens the database file for reading beside the running
// server (WAL lets it); the caller closes it.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	uri := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+uri+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// checkSparseVisibilityIndexes: every index of the visibility table on a
// search attribute's column keeps only the rows with a value (and still
// answers a comparison on the column), those on Temporal's own columns
// are as Temporal made them.
func checkSparseVisibilityIndexes(t *testing.T, path string) {
	t.Helper()
	db := openReadOnly(t, path)
	defer db.Close()
	rows, err := db.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	partial, full := 0, 0
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			t.Fatal(err)
		}
		isPartial := strings.Contains(stmt, " WHERE ")
		switch {
		case isPartial:
			partial++
		case name == "by_keyword_01" || name == "by_batcher_user" || name == "by_temporal_int_01":
			t.Errorf("index %s is not partial: %s", name, stmt)
		default:
			full++
		}
		if isPartial && (name == "default_idx" || name == "by_status" || name == "by_workflow_id") {
			t.Errorf("Temporal's own index %s was made partial: %s", name, stmt)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("executions_visibility: %d partial indexes, %d full", partial, full)
	if partial < 40 || full < 10 {
		t.Errorf("%d partial and %d full indexes on executions_visibility, want every one on a search attribute's column partial (44 here), Temporal's own full (14)", partial, full)
	}
	var plan strings.Builder
	prows, err := db.Query(`EXPLAIN QUERY PLAN SELECT run_id FROM executions_visibility WHERE namespace_id = ? AND Keyword01 = ?`, "ns", "open")
	if err != nil {
		t.Fatal(err)
	}
	defer prows.Close()
	for prows.Next() {
		var id, parent, notused int
		var detail string
		if err := prows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "by_keyword_01") {
		t.Errorf("a comparison on Keyword01 does not use its partial index:\n%s", plan.String())
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// testLogger shows warnings and errors in the test output; set
// DEVSERVER_TEST_LOG=debug to see everything Temporal says.
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
}

func logLevel() slog.Level {
	if os.Getenv("DEVSERVER_TEST_LOG") == "debug" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// upsertStatus sets the CaseStatus search attribute, as the case
// workflows do in their first workflow task.
func upsertStatus(ctx workflow.Context, status string) error {
	return workflow.UpsertTypedSearchAttributes(ctx, temporal.NewSearchAttributeKeyKeyword("CaseStatus").ValueSet(status))
}

// TestSearchAttributesWorkAtOnceAfterStart: a workflow started right
// after Start can set the search attributes Start was given and be found
// by them, on a new file (whose namespace is created with them) and after
// a restart that adds one to the namespace (an upgrade bringing a new
// attribute). The forced refresh, which costs database reads on every
// use, is off when nothing was added and on while caches may lack what
// was.
func TestSearchAttributesWorkAtOnceAfterStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dbFile := filepath.Join(t.TempDir(), "temporal.db")
	run := func(attrs map[string]enumspb.IndexedValueType, id string, wantForced bool) {
		t.Helper()
		srv, err := devserver.Start(ctx, devserver.Options{DatabaseFile: dbFile, FrontendPort: freePort(t),
			Logger: testLogger(), LogLevel: logLevel(), SearchAttributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		if got := srv.ForcesSearchAttributeRefresh(); got != wantForced {
			t.Errorf("%s: forced search attribute refresh = %v, want %v", id, got, wantForced)
		}
		c, err := client.Dial(client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(),
			Logger: sdklog.NewStructuredLogger(testLogger())})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		w := worker.New(c, taskQueue, worker.Options{})
		w.RegisterWorkflow(upsertStatus)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, upsertStatus, "open")
		if err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		if err := run.Get(wctx, nil); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		it := c.GetWorkflowHistory(ctx, id, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED {
				t.Errorf("%s: a workflow task failed: %v", id, ev.GetWorkflowTaskFailedEventAttributes().GetFailure().GetMessage())
			}
		}
		// Visibility follows a moment behind.
		for deadline := time.Now().Add(20 * time.Second); ; {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: `CaseStatus = "open" AND WorkflowId = "` + id + `"`})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.GetExecutions()) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is not found by CaseStatus", id)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	// A new file: the namespace is created with CaseStatus.
	run(map[string]enumspb.IndexedValueType{"CaseStatus": enumspb.INDEXED_VALUE_TYPE_KEYWORD}, "new-file", false)
	checkSparseVisibilityIndexes(t, dbFile)
	// The same file again, with one more: CaseKind is added at start.
	run(map[string]enumspb.IndexedValueType{"CaseStatus": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"CaseKind": enumspb.INDEXED_VALUE_TYPE_KEYWORD}, "added", true)
}

// entries counts how often each countedWait workflow's function was
// entered: once while a worker keeps it cached, once more each time a
// worker that lost it replays its history. (A side effect outside the
// workflow's determinism, for this test only.)
var entries sync.Map

func countedWait(ctx workflow.Context, sleep time.Duration) (string, error) {
	n, _ := entries.LoadOrStore(workflow.GetInfo(ctx).WorkflowExecution.ID, new(atomic.Int32))
	n.(*atomic.Int32).Add(1)
	return waitForSignal(ctx, sleep)
}

// With both caches far smaller than the workflows waiting — history's
// (HistoryCacheSize in `dev`, 2 here) and the worker's sticky cache — a workflow
// that fell out of them is read back from the file and replayed on its
// next task, and carries on where it waited: its update's note, its
// signal and its result all arrive.
//
// The worker's cache is the SDK's, one per process, sized when the first
// worker of the process starts (and the server's own system workers are
// such workers, and may outlive an earlier test's server for a moment):
// so the test runs in a process of its own.
func TestWorkflowsOutsideTheCachesCarryOn(t *testing.T) {
	if devserver.HistoryCacheSize < 256 {
		t.Errorf("HistoryCacheSize = %d: too small for a day's cases", devserver.HistoryCacheSize)
	}
	if os.Getenv("DEVSERVER_CACHE_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkflowsOutsideTheCachesCarryOn$", "-test.v")
		cmd.Env = append(os.Environ(), "DEVSERVER_CACHE_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestWorkflowsOutsideTheCachesCarryOn") {
			t.Fatalf("in a process of its own: %v\n%s", err, out)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(devserver.SetDynamicConfig(map[string]any{"history.hostLevelCacheMaxSize": 2}))
	worker.SetStickyWorkflowCacheSize(2)
	t.Cleanup(func() { worker.SetStickyWorkflowCacheSize(10000) }) // the SDK's default
	srv, err := devserver.Start(ctx, devserver.Options{DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"),
		FrontendPort: freePort(t), Logger: testLogger(), LogLevel: logLevel()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	c, _ := connect(t, srv)

	entries.Clear()
	const n = 8
	runs := make([]client.WorkflowRun, n)
	for i := range runs {
		id := fmt.Sprintf("wf-cache-%d", i)
		if runs[i], err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, countedWait, time.Duration(0)); err != nil {
			t.Fatalf("start %s: %v", id, err)
		}
		upd, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "set",
			Args: []any{fmt.Sprintf("note-%d", i)}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = upd.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("update %s: %v", id, err)
		}
	}
	// The last one started is still cached and carries on without a
	// replay; the others left both caches long ago and are replayed.
	order := []int{n - 1}
	for i := range n - 1 {
		order = append(order, i)
	}
	for _, i := range order {
		run := runs[i]
		if err := c.SignalWorkflow(ctx, run.GetID(), "", "go", strconv.Itoa(i)); err != nil {
			t.Fatalf("signal %s: %v", run.GetID(), err)
		}
		var got string
		if err := run.Get(ctx, &got); err != nil || got != fmt.Sprintf("got:%d note:note-%d", i, i) {
			t.Errorf("%s = %q, %v", run.GetID(), got, err)
		}
		v, _ := entries.Load(run.GetID())
		switch entered := v.(*atomic.Int32).Load(); {
		case i == n-1 && entered != 1:
			t.Errorf("%s was entered %d times: replayed while still cached", run.GetID(), entered)
		case i < n-1 && entered < 2:
			t.Errorf("%s was entered once: never replayed, so it never left the worker's cache", run.GetID())
		}
	}
}
