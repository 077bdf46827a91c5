package workflows_test

import (
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/brukerhjelp/brukerhjelp/worker"
)

// TestReplayRecordedHistories runs histories recorded from the real server
// against today's code: a change that breaks determinism for cases already
// running fails here, not in production. Re-record with
// BRUKERHJELP_RECORD_HISTORY=$PWD/workflows/testdata/incident_history.json go test ./e2e/
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*_history.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
