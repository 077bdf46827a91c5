package devserver

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// countedTag counts how often its value is rendered.
type countedTag struct {
	key, value string
	rendered   *int
}

func (t countedTag) Key() string { return t.key }
func (t countedTag) Value() any  { *t.rendered++; return t.value }

// TestWithRendersTagsOnlyIntoLoggedRecords: a logger from With carries its
// tags into every record it logs, after the record's own, and loggers
// made from it add theirs; a record below the level renders none of them.
func TestWithRendersTagsOnlyIntoLoggedRecords(t *testing.T) {
	var out bytes.Buffer
	var stopping atomic.Bool
	base := newTemporalLogger(slog.New(slog.NewJSONHandler(&out, nil)), slog.LevelWarn, &stopping)
	rendered := 0
	shard := base.With(countedTag{"shard-id", "1", &rendered})
	wf := log.With(shard, countedTag{"wf-id", "case-1", &rendered}, nil)

	for range 100 {
		wf.Debug("task done")
		wf.Info("task done", tag.NewStringTag("queue", "transfer"))
	}
	if rendered != 0 || out.Len() != 0 {
		t.Fatalf("records below Warn rendered %d tags and wrote %q", rendered, out.String())
	}

	wf.Warn("task failed", tag.NewStringTag("queue", "transfer"))
	shard.Error("shard lost")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d records, want 2: %q", len(lines), out.String())
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first["msg"] != "task failed" || first["shard-id"] != "1" || first["wf-id"] != "case-1" || first["queue"] != "transfer" {
		t.Errorf("first record %v: want the message with shard-id, wf-id and queue", first)
	}
	if second["msg"] != "shard lost" || second["shard-id"] != "1" || second["wf-id"] != nil {
		t.Errorf("second record %v: want shard-id only (wf-id belongs to another logger)", second)
	}
	if rendered != 3 {
		t.Errorf("tags rendered %d times, want 3 (two in the first record, one in the second)", rendered)
	}

	// A stopped server logs nothing, bound tags or not.
	stopping.Store(true)
	out.Reset()
	wf.Error("poll canceled")
	if out.Len() != 0 {
		t.Errorf("after Stop: %q", out.String())
	}
}
