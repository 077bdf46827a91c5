package workflows_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/brukerhjelp/brukerhjelp/worker"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// TestReplayRecordedHistories runs histories recorded from the real server
// against today's code: a change that breaks determinism for cases already
// running fails here, not in production. testdata/before-kind-types/ holds
// histories of the old CaseWorkflow (and an outage) recorded before each
// kind had its own type; testdata/before-local-record/ those of today's
// types recorded before they recorded with local activities
// (workflows/record.go); testdata/before-atomic-open/ those recorded
// when a case opened with two local activities ("local-record" version
// 1); testdata/before-disable-retry/ a departure whose account was
// disabled on the second try, recorded before that was put in the
// employee's stream ("departure-disable-retried"); testdata/ those of
// today's code. Every
// registered workflow type must have at least one. Re-record today's with
// BRUKERHJELP_RECORD_HISTORY=$PWD/workflows/testdata go test ./e2e/
func TestReplayRecordedHistories(t *testing.T) {
	var files []string
	for _, pattern := range []string{"testdata/*_history.json", "testdata/before-disable-retry/*_history.json", "testdata/before-atomic-open/*_history.json",
		"testdata/before-local-record/*_history.json", "testdata/before-kind-types/*_history.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/")
	}
	var replayed []string
	for _, f := range files {
		typ := workflowType(t, f)
		replayed = append(replayed, typ)
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s (%s): %v", f, typ, err)
			}
		})
	}
	for _, typ := range append(slices.Clone(workflows.CaseWorkflowTypes), workflows.AnnouncementWorkflowName) {
		if !slices.Contains(replayed, typ) {
			t.Errorf("no recorded history of %s replays", typ)
		}
	}
}

// workflowType is the type named by a recorded history's first event.
func workflowType(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Events []struct {
			Attrs struct {
				WorkflowType struct{ Name string } `json:"workflowType"`
			} `json:"workflowExecutionStartedEventAttributes"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || len(h.Events) == 0 || h.Events[0].Attrs.WorkflowType.Name == "" {
		t.Fatalf("%s: no workflow type in its first event (%v)", file, err)
	}
	return h.Events[0].Attrs.WorkflowType.Name
}

// BenchmarkReplay is what a case that fell out of the worker's cache
// costs on its next step, besides fetching its history: replaying every
// event of it, here a recorded guidance case of 82 events.
//
//	go test ./workflows/ -run '^$' -bench BenchmarkReplay -benchmem
func BenchmarkReplay(b *testing.B) {
	r := sdkworker.NewWorkflowReplayer()
	worker.RegisterWorkflows(r)
	for b.Loop() {
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/guidance_history.json"); err != nil {
			b.Fatal(err)
		}
	}
}
