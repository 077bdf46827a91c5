package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// Benchmarks of the projection (docs/PERFORMANCE.md has the figures and
// the commands). They never run in "go test ./...".
//
//	BRUKERHJELP_BENCH_EVENTS=1000000 go test -run '^$' -bench BenchmarkRebuild -benchtime 1x ./internal/projection/
//
// The record is generated once per size and kept in the temporary
// directory (brukerhjelp-bench-<n>.db), so later runs time only the
// rebuild.

// benchEvents is the size of the generated record (100 000 unless
// BRUKERHJELP_BENCH_EVENTS says otherwise).
func benchEvents(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("BRUKERHJELP_BENCH_EVENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 10 {
			b.Fatalf("BRUKERHJELP_BENCH_EVENTS=%q is not a number of events", s)
		}
		n = v
	}
	return n
}

// caseLife is the events of one case from opening to closing, as the
// workflow writes them: ten events, three notifications' worth of
// changes, a comment thread, the SLA clock.
func caseLife(id, ref string, at time.Time, n int) []eventstore.EventData {
	reporter := []string{"ola", "eva", "kari", "jon"}[n%4]
	worker := []string{"per", "lise"}[n%2]
	due := at.Add(4 * time.Hour)
	type step struct {
		actor string
		e     helpdesk.Event
	}
	steps := []step{
		{reporter, helpdesk.CaseOpened{CaseID: id, Reference: ref, Kind: helpdesk.KindIncident, Title: fmt.Sprintf("Skriveren på rom %d virker ikke", n%500),
			Description: "Papirstopp hele tiden, også etter omstart. Gjelder hele etasjen.", Priority: helpdesk.PriorityNormal,
			Reporter: reporter, CreatedBy: reporter, Group: helpdesk.FirstLineGroup}},
		{"system", helpdesk.SLAStarted{Priority: helpdesk.PriorityNormal, ResponseTarget: time.Hour, ResolutionTarget: 8 * time.Hour,
			ResponseDue: due, ResolutionDue: due.Add(4 * time.Hour)}},
		{worker, helpdesk.CaseClaimed{Assignee: worker}},
		{worker, helpdesk.SLAResponded{WithinTarget: true}},
		{worker, helpdesk.CommentAdded{CommentID: "c1", Body: "Hvilken skriver gjelder det?", Internal: false}},
		{reporter, helpdesk.CommentAdded{CommentID: "c2", Body: "Den ved kaffemaskinen", Internal: false}},
		{worker, helpdesk.CommentAdded{CommentID: "c3", Body: "Bestiller ny valse", Internal: true}},
		{worker, helpdesk.CaseResolved{Resolution: "Byttet valse"}},
		{"system", helpdesk.SLAStopped{}},
		{reporter, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed}},
	}
	out := make([]eventstore.EventData, len(steps))
	for i, s := range steps {
		data, _ := json.Marshal(s.e)
		meta, _ := json.Marshal(helpdesk.Metadata{Actor: s.actor, OccurredAt: at.Add(time.Duration(i) * 10 * time.Minute)})
		out[i] = eventstore.EventData{ID: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/%d", id, i)), Type: s.e.EventType(), Data: data, Metadata: meta}
	}
	return out
}

// benchRecord returns a record of about n events of closed cases, made
// once and kept.
func benchRecord(b *testing.B, n int) *sqlitestore.Store {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("brukerhjelp-bench-%d.db", n))
	_, statErr := os.Stat(path)
	store, err := sqlitestore.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if statErr == nil {
		if head, _ := store.Head(context.Background()); head >= uint64(n/10*10) {
			return store
		}
	}
	b.Logf("generating a record of %d events in %s (once)", n, path)
	start := time.Now()
	base := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	cases := n / 10
	var (
		wg   sync.WaitGroup
		next = make(chan int)
		fail = make(chan error, 1)
	)
	for range 8 { // concurrent appends share the store's group commits
		wg.Go(func() {
			for i := range next {
				id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "bench-case-%d", i)).String()
				evs := caseLife(id, helpdesk.FormatReference(2026, uint64(i+1)), base.Add(time.Duration(i)*time.Minute), i)
				if _, err := store.Append(context.Background(), helpdesk.Stream(id), eventstore.NoStream(), evs...); err != nil {
					select {
					case fail <- err:
					default:
					}
				}
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-fail:
		b.Fatal(err)
	default:
	}
	b.Logf("generated %d events in %s", cases*10, time.Since(start).Round(time.Millisecond))
	return store
}

// benchReadModel opens an empty read model: SQLite, or a fresh
// PostgreSQL schema when BRUKERHJELP_TEST_POSTGRES is set and the
// benchmark's name says postgres.
func benchReadModel(b *testing.B, backend string) *readmodel.DB {
	b.Helper()
	dsn := filepath.Join(b.TempDir(), "readmodel.db")
	if backend == "postgres" {
		if os.Getenv(readmodeltest.EnvPostgres) == "" {
			b.Skipf("%s is not set", readmodeltest.EnvPostgres)
		}
		dsn = readmodeltest.PostgresDSN(b)
	}
	rm, err := readmodel.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rm.Close() })
	return rm
}

// BenchmarkRebuild builds the read model from a record of
// BRUKERHJELP_BENCH_EVENTS events, as after deleting readmodel.db.
func BenchmarkRebuild(b *testing.B) {
	n := benchEvents(b)
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, batch := range []int{1, 500} {
			b.Run(fmt.Sprintf("%s/batch=%d", backend, batch), func(b *testing.B) {
				store := benchRecord(b, n)
				head, _ := store.Head(context.Background())
				var total time.Duration
				for b.Loop() {
					b.StopTimer()
					rm := benchReadModel(b, backend)
					p, err := New(store, rm, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Groups: directory.Demo(), BatchSize: batch})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					st, err := p.CatchUp(context.Background())
					total += time.Since(start)
					if err != nil {
						b.Fatal(err)
					}
					if st.Position != head || st.Poisoned != 0 {
						b.Fatalf("rebuilt to %+v, want position %d and nothing poisoned", st, head)
					}
				}
				b.ReportMetric(float64(head)*float64(b.N)/total.Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkLiveLag measures how long a new event takes to show in the
// read model while the projector runs, caught up: from the append's
// return until the checkpoint passes it. Events come every 2 ms.
func BenchmarkLiveLag(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			store, err := sqlitestore.Open(filepath.Join(b.TempDir(), "events.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			rm := benchReadModel(b, backend)
			p, err := New(store, rm, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Groups: directory.Demo()})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			defer func() { cancel(); <-done }()
			base := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
			var lags []time.Duration
			i := 0
			for b.Loop() {
				id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "lag-case-%d", i)).String()
				for j, ev := range caseLife(id, helpdesk.FormatReference(2026, uint64(i+1)), base, i) {
					expected := eventstore.NoStream()
					if j > 0 {
						expected = eventstore.Exact(uint64(j - 1))
					}
					res, err := store.Append(ctx, helpdesk.Stream(id), expected, ev)
					if err != nil {
						b.Fatal(err)
					}
					appended := time.Now()
					for {
						cp, err := rm.Checkpoint(ctx, Cases)
						if err != nil {
							b.Fatal(err)
						}
						if cp >= res.Position {
							break
						}
						time.Sleep(200 * time.Microsecond)
					}
					lags = append(lags, time.Since(appended))
					time.Sleep(2 * time.Millisecond)
				}
				i++
			}
			slices.Sort(lags)
			b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "max-ms")
		})
	}
}
