package devserver_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
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

// caseLike sets four keyword search attributes, as a case's opening does,
// and ends: three writes of its visibility row (start, upsert, close).
func caseLike(ctx workflow.Context, ref string) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		temporal.NewSearchAttributeKeyKeyword("CaseReference").ValueSet(ref),
		temporal.NewSearchAttributeKeyKeyword("CaseKind").ValueSet("incident"),
		temporal.NewSearchAttributeKeyKeyword("CaseStatus").ValueSet("new"),
		temporal.NewSearchAttributeKeyKeyword("CaseGroup").ValueSet("brukerhjelp"))
}

// BenchmarkVisibilityIndexes: the process's CPU for one case-like
// workflow, start to close and its visibility rows written, on a new file
// with Temporal's indexes as they come (full) and with those on search
// attribute columns partial (sparseVisibilityIndexes). Each runs on a
// server of its own; -count repeats each:
//
//	go test ./internal/devserver/ -run '^$' -bench BenchmarkVisibilityIndexes -benchtime 300x -count 4
func BenchmarkVisibilityIndexes(b *testing.B) {
	for _, mode := range []string{"full", "partial"} {
		b.Run(mode, func(b *testing.B) {
			defer devserver.SetSparseIndexes(mode == "partial")()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			attrs := map[string]enumspb.IndexedValueType{}
			for _, n := range []string{"CaseReference", "CaseKind", "CaseStatus", "CaseGroup"} {
				attrs[n] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
			}
			srv, err := devserver.Start(ctx, devserver.Options{DatabaseFile: filepath.Join(b.TempDir(), "temporal.db"),
				FrontendPort: freePort(b), Logger: testLogger(), LogLevel: logLevel(), SearchAttributes: attrs})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Stop()
			c, err := client.Dial(client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(),
				Logger: sdklog.NewStructuredLogger(testLogger()), ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			w := worker.New(c, taskQueue, worker.Options{})
			w.RegisterWorkflow(caseLike)
			if err := w.Start(); err != nil {
				b.Fatal(err)
			}
			defer w.Stop()
			run := func(i int) {
				r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("case-%d", i), TaskQueue: taskQueue,
					EnableEagerStart: true}, caseLike, fmt.Sprintf("BH-2026-%06d", i))
				if err == nil {
					err = r.Get(ctx, nil)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			for i := range 20 { // warm up
				run(1_000_000 + i)
			}
			closed := func() int64 {
				resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: `ExecutionStatus = "Completed" AND CaseKind = "incident"`})
				if err != nil {
					b.Fatal(err)
				}
				return resp.GetCount()
			}
			for closed() < 20 {
				time.Sleep(50 * time.Millisecond)
			}
			before := cpuTime()
			began := time.Now()
			i := 0
			for b.Loop() {
				run(i)
				i++
			}
			for closed() < int64(20+i) { // the visibility queue trails the close
				time.Sleep(20 * time.Millisecond)
			}
			elapsed := time.Since(began)
			b.ReportMetric(float64(cpuTime()-before)/float64(time.Millisecond)/float64(i), "cpu-ms/op")
			b.ReportMetric(float64(i)/elapsed.Seconds(), "workflows/s")
		})
	}
}

// cpuTime is the process's user and system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
