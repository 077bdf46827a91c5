package seed_test

import (
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/seed"
)

// BenchmarkWrite seeds 5,000 cases into a new record per iteration, as
// brukerhjelp seed does (privacy decorator, SQLite, synchronous NORMAL);
// cases/s is the figure docs/PERFORMANCE.md extrapolates from.
func BenchmarkWrite(b *testing.B) {
	const n = 5000
	for b.Loop() {
		b.StopTimer()
		store := open(b, b.TempDir())
		b.StartTimer()
		write(b, store, seed.Options{Cases: n, Seed: 1, Years: 2, Until: until})
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
}
