package devserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/devserver"
)

func oneTimer(ctx workflow.Context) error {
	return workflow.Sleep(ctx, 100*time.Millisecond)
}

// TestThroughput compares SQLite connection limits: how many one-timer
// workflows per second complete, and how often SQLite reports "database is
// locked". It takes about a minute, so it runs only with
// DEVSERVER_THROUGHPUT=1.
func TestThroughput(t *testing.T) {
	if os.Getenv("DEVSERVER_THROUGHPUT") == "" {
		t.Skip("set DEVSERVER_THROUGHPUT=1 to run")
	}
	const workflows = 200
	for _, conns := range []int{1, 4} {
		t.Run(fmt.Sprintf("maxConns=%d", conns), func(t *testing.T) {
			restore := devserver.SetMaxConns(conns)
			defer restore()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()

			counter := newCountingHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
			srv, err := devserver.Start(ctx, devserver.Options{
				DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"),
				FrontendPort: freePort(t),
				Logger:       slog.New(counter),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			c, err := client.Dial(client.Options{
				HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(),
				Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			w := worker.New(c, "throughput", worker.Options{})
			w.RegisterWorkflow(oneTimer)
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			defer w.Stop()

			began := time.Now()
			var wg sync.WaitGroup
			var failed atomic.Int32
			for i := range workflows {
				wg.Go(func() {
					run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
						ID: fmt.Sprintf("tp-%d", i), TaskQueue: "throughput",
					}, oneTimer)
					if err == nil {
						err = run.Get(ctx, nil)
					}
					if err != nil {
						failed.Add(1)
						t.Log(err)
					}
				})
			}
			wg.Wait()
			took := time.Since(began)
			t.Logf("maxConns=%d: %d workflows in %v = %.1f/s, %d failed, %d error logs, %d of them 'database is locked'",
				conns, workflows, took.Round(time.Millisecond), workflows/took.Seconds(),
				failed.Load(), counter.errors.Load(), counter.locked.Load())
		})
	}
}

type countingHandler struct {
	slog.Handler
	errors, locked *atomic.Int32
}

func newCountingHandler(h slog.Handler) *countingHandler {
	return &countingHandler{Handler: h, errors: new(atomic.Int32), locked: new(atomic.Int32)}
}

func (h *countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &countingHandler{Handler: h.Handler.WithAttrs(attrs), errors: h.errors, locked: h.locked}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{Handler: h.Handler.WithGroup(name), errors: h.errors, locked: h.locked}
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.errors.Add(1)
		text := r.Message
		r.Attrs(func(a slog.Attr) bool {
			text += " " + a.Value.String()
			return true
		})
		if strings.Contains(text, "database is locked") {
			h.locked.Add(1)
		}
	}
	return h.Handler.Handle(ctx, r)
}
