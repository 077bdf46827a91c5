package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The embedded stack's collector settings apply only where the
// environment sets none: an operator's GOGC or GOMEMLIMIT wins.
func TestTuneGCLeavesTheEnvironmentsSettings(t *testing.T) {
	restore := func(percent int, limit int64) func() {
		return func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) }
	}
	t.Cleanup(restore(debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != embeddedGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, embeddedGCPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != embeddedMemoryLimit {
		t.Errorf("GOMEMLIMIT unset: memory limit %d, want %d", got, embeddedMemoryLimit)
	}

	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "2GiB")
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(2 << 30)
	tuneGC()
	if got := debug.SetGCPercent(50); got != 50 {
		t.Errorf("GOGC=50: GC percent %d, want 50", got)
	}
	if got := debug.SetMemoryLimit(2 << 30); got != 2<<30 {
		t.Errorf("GOMEMLIMIT=2GiB: memory limit %d, want %d", got, int64(2<<30))
	}
}
