package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/google/uuid"
)

// Benchmarks run with the defaults (synchronous=FULL): every commit is an
// fsync, as in production. See docs/PERFORMANCE.md for figures.

// benchEvent is about the size of a real case event.
func benchEvent(i int) eventstore.EventData {
	return eventstore.EventData{
		ID:   uuid.New(),
		Type: "IncidentReported",
		Data: fmt.Appendf(nil, `{"caseId":"%s","n":%d,"title":"Skriveren i 3. etasje skriver ikke ut","category":"printer",`+
			`"priority":"normal","reporter":"kari.nordmann@example.no","unit":"IKT-Brukerhjelpen","channel":"portal"}`, uuid.NewString(), i),
		Metadata: []byte(`{"actor":"kari.nordmann@example.no","correlationId":"0f8fad5b-d9cb-469f-a165-70867728950e","workflowId":"incident-42"}`),
	}
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "events.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

var batchSizes = []int{1, 10, 100}

// BenchmarkAppend appends batches of events one after the other to one
// stream, at sequential revisions.
func BenchmarkAppend(b *testing.B) {
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b)
			events := make([]eventstore.EventData, n)
			exp := eventstore.NoStream()
			appends := 0
			for b.Loop() {
				for i := range events {
					events[i] = benchEvent(i)
				}
				res, err := s.Append(ctx, "case-bench", exp, events...)
				if err != nil {
					b.Fatal(err)
				}
				exp = res.NextExpected
				appends++
			}
			b.ReportMetric(float64(appends*n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRawSQLiteInsert is the physical baseline for BenchmarkAppend:
// the same table and indexes, driver and pragmas, one transaction per
// batch, and nothing else (no revision check, no hashing, no queue).
func BenchmarkRawSQLiteInsert(b *testing.B) {
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "raw.db")
			db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, schema); err != nil {
				b.Fatal(err)
			}
			ins, err := conn.PrepareContext(ctx, `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			defer ins.Close()
			hash := strings.Repeat("ab", 32)
			events := make([]eventstore.EventData, n)
			rev := int64(0)
			for b.Loop() {
				for i := range events {
					events[i] = benchEvent(i)
				}
				if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
					b.Fatal(err)
				}
				now := time.Now().UnixNano()
				for _, e := range events {
					if _, err := ins.ExecContext(ctx, "case-bench", rev, e.ID.String(), e.Type, e.Data, e.Metadata, now, hash, hash); err != nil {
						b.Fatal(err)
					}
					rev++
				}
				if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rev)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkReadAll reads a store of readAllEvents events from the start, in
// pages, as a projection rebuild does.
func BenchmarkReadAll(b *testing.B) {
	const readAllEvents, page = 100_000, 1000
	ctx := context.Background()
	s := benchStore(b)
	batch := make([]eventstore.EventData, 0, 500)
	for i := 0; i < readAllEvents; i += cap(batch) {
		batch = batch[:0]
		for j := range cap(batch) {
			batch = append(batch, benchEvent(i+j))
		}
		if _, err := s.Append(ctx, fmt.Sprintf("case-%d", i), eventstore.NoStream(), batch...); err != nil {
			b.Fatal(err)
		}
	}
	read := 0
	for b.Loop() {
		after := uint64(0)
		for {
			events, err := s.ReadAll(ctx, after, page, eventstore.Filter{})
			if err != nil {
				b.Fatal(err)
			}
			if len(events) == 0 {
				break
			}
			read += len(events)
			after = events[len(events)-1].Position
		}
	}
	b.ReportMetric(float64(read)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendConcurrent has 16 goroutines append one event at a time,
// each to its own stream. Compare appends/s with BenchmarkAppend/batch=1,
// the same appends from one goroutine: group commit lets the concurrent
// appends share fsyncs.
func BenchmarkAppendConcurrent(b *testing.B) {
	const goroutines = 16
	ctx := context.Background()
	s := benchStore(b)
	var streams atomic.Int64
	b.SetParallelism((goroutines + 1) / 2) // × GOMAXPROCS (2 here) goroutines
	commits := s.commits.Load()
	var appends atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprintf("case-%d", streams.Add(1))
		exp := eventstore.NoStream()
		for pb.Next() {
			res, err := s.Append(ctx, stream, exp, benchEvent(0))
			if err != nil {
				b.Error(err)
				return
			}
			exp = res.NextExpected
			appends.Add(1)
		}
	})
	b.ReportMetric(float64(appends.Load())/b.Elapsed().Seconds(), "appends/s")
	if c := s.commits.Load() - commits; c > 0 {
		b.ReportMetric(float64(appends.Load())/float64(c), "appends/commit")
	}
}
