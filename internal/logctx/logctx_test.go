package logctx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLinesCarryTheContextsFields(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "json", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	ctx := With(context.Background(), "req-1")
	log.InfoContext(ctx, "before the case is known")
	SetCaseRef(ctx, "BH-2026-000001") // learnt later, seen by the same context
	log.With("process", "api").InfoContext(ctx, "after")
	log.Info("no context")
	SetCaseRef(context.Background(), "BH-2026-000002") // no fields: nothing happens

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines: %s", len(lines), buf.String())
	}
	want := []map[string]any{
		{CorrelationIDKey: "req-1", CaseRefKey: nil},
		{CorrelationIDKey: "req-1", CaseRefKey: "BH-2026-000001", "process": "api"},
		{CorrelationIDKey: nil, CaseRefKey: nil},
	}
	for i, line := range lines {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %d is not JSON: %q", i, line)
		}
		for k, v := range want[i] {
			if e[k] != v {
				t.Errorf("line %d: %s = %v, want %v", i, k, e[k], v)
			}
		}
	}
}

func TestNewRefusesAnUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "text", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.InfoContext(With(context.Background(), "req-2"), "hello")
	if !strings.Contains(buf.String(), "correlationId=req-2") {
		t.Errorf("text line lacks the correlation ID: %q", buf.String())
	}
	if _, err := New(&buf, "xml", slog.LevelInfo); err == nil {
		t.Error("format xml accepted")
	}
}
