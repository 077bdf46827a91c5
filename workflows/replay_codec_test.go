package workflows_test

import (
	"os"
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy/codec"
	"github.com/brukerhjelp/brukerhjelp/worker"
)

// Workers decode payloads with the codec (docs/PRIVACY.md). These replay
// the recorded histories as such a worker does: those from before the
// codec, whose payloads pass through, and one recorded encrypted
// (testdata/encrypted, under the test-only key beside it; re-record with
// BRUKERHJELP_RECORD_HISTORY=$PWD/workflows/testdata go test -run
// TestErasureLeavesNoTrace ./e2e/).

func replayer(t *testing.T, c *codec.Codec) sdkworker.WorkflowReplayer {
	t.Helper()
	opts := sdkworker.WorkflowReplayerOptions{}
	if c != nil {
		opts.DataConverter, opts.FailureConverter = c.DataConverter(), c.FailureConverter()
	}
	r, err := sdkworker.NewWorkflowReplayerWithOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	worker.RegisterWorkflows(r)
	return r
}

func testCodec(t *testing.T, keyFile string) *codec.Codec {
	t.Helper()
	var ring *privacy.Keyring
	var err error
	if keyFile == "" {
		ring, err = privacy.ParseKeyring(privacy.GenerateMasterKey())
	} else {
		var b []byte
		if b, err = os.ReadFile(keyFile); err == nil {
			ring, err = privacy.ParseKeyring(string(b))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := codec.New(ring)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHistoriesFromBeforeTheCodecReplayWithIt: a worker with the codec
// replays every history recorded without it.
func TestHistoriesFromBeforeTheCodecReplayWithIt(t *testing.T) {
	files, _ := filepath.Glob("testdata/before-local-record/*_history.json")
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/before-local-record/")
	}
	c := testCodec(t, "")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := replayer(t, c).ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s with the codec: %v", f, err)
			}
		})
	}
}

// TestEncryptedHistoriesReplay: a history recorded encrypted replays with
// its key, and not with another key or none. (The replayer reports the
// history as not matching; the codec's own refusal, naming the key, is
// internal/privacy/codec's TestAWrongKeyFailsClearly.)
func TestEncryptedHistoriesReplay(t *testing.T) {
	files, _ := filepath.Glob("testdata/encrypted/*_history.json")
	if len(files) == 0 {
		t.Fatal("no encrypted histories in testdata/encrypted/")
	}
	right := testCodec(t, "testdata/encrypted/master.key")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := replayer(t, right).ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s with its key: %v", f, err)
			}
			if err := replayer(t, testCodec(t, "")).ReplayWorkflowHistoryFromJSONFile(nil, f); err == nil {
				t.Error("an encrypted history replays with another key")
			}
			if err := replayer(t, nil).ReplayWorkflowHistoryFromJSONFile(nil, f); err == nil {
				t.Error("an encrypted history replays without the codec")
			}
		})
	}
}
