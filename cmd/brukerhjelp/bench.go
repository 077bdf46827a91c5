package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/api"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
)

// benchTaskQueue is where the bare-Temporal measurement runs, apart from
// the product's own queue.
const benchTaskQueue = "brukerhjelp-bench"

type benchFlags struct {
	clients    []int
	duration   time.Duration
	dataDir    string
	cpuProfile string
	memProfile string
	scale      bool
	// readModel, with --scale, is the read model to measure instead of
	// the data dir's readmodel.db (postgres://…).
	readModel string
}

func parseBenchFlags(args []string) (benchFlags, error) {
	f := benchFlags{}
	fs, clients := benchFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		return f, usageError{err}
	}
	if fs.NArg() > 0 {
		return f, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if f.readModel != "" && !f.scale {
		return f, usageError{errors.New("--read-model: only with --scale")}
	}
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1000 {
			return f, usageError{fmt.Errorf("--clients: %q is not a number of clients (1–1000)", s)}
		}
		f.clients = append(f.clients, n)
	}
	if f.duration <= 0 {
		return f, usageError{fmt.Errorf("--duration: %v is not positive", f.duration)}
	}
	return f, nil
}

// benchFlagSet declares bench's flags into f; clients is the text of
// --clients.
func benchFlagSet(f *benchFlags) (fs *flag.FlagSet, clients *string) {
	fs = flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = usageOf(fs, benchUsage)
	clients = fs.String("clients", "1,8,32", "antall samtidige klienter, kommaseparert / comma-separated numbers of concurrent clients")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "hvor lenge hver måling varer per antall klienter / how long each measurement runs at each client count")
	fs.StringVar(&f.dataDir, "data-dir", "", "datakatalog for den innebygde løsningen (standard: en ny midlertidig, slettet etterpå) / data dir for the embedded stack (default: a fresh temporary dir, removed afterwards)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "skriv en CPU-profil av målingene til denne filen / write a CPU profile of the measurements to this file (go tool pprof -top FILE)")
	fs.StringVar(&f.memProfile, "memprofile", "", "skriv en profil av det levende minnet etter målingene til denne filen / write a profile of the live heap after the measurements to this file (go tool pprof -sample_index inuse_space -top FILE)")
	fs.StringVar(&f.readModel, "read-model", "", "med --scale: lesemodellen som måles i stedet for datakatalogens readmodel.db, f.eks. postgres://… (bygd med projections rebuild --read-model) / with --scale: the read model to measure instead of the data dir's readmodel.db, such as postgres://… (built by projections rebuild --read-model)")
	fs.BoolVar(&f.scale, "scale", false, "mål lesesiden på en datakatalog fra brukerhjelp seed: lister, køer, søk, oppgaver, KPI, minne / measure the read side on a data dir written by brukerhjelp seed (--data-dir): lists, queues, search, tasks, KPI, memory")
	return fs, clients
}

// benchCommand runs `brukerhjelp bench` and returns its exit code.
func benchCommand(ctx context.Context, args []string) int {
	if err := runBench(ctx, args); err != nil {
		fmt.Fprintln(os.Stderr, "brukerhjelp bench:", err)
		return exitCode(err)
	}
	return 0
}

// runBench starts the embedded stack (the same startStack as `dev`) and
// measures, at each client count: (a) bare Temporal, a no-op workflow
// running one no-op activity; (b) end to end, an incident created over
// HTTP until the read model shows it; (c) the claim and resolve steps on
// the cases (b) created.
func runBench(ctx context.Context, args []string) error {
	f, err := parseBenchFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if f.scale {
		return runBenchScale(ctx, scaleDefaults(f, args), os.Stdout)
	}
	dataDir := f.dataDir
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "brukerhjelp-bench"); err != nil {
			return err
		}
		defer os.RemoveAll(dataDir)
	}
	temporalPort, err := freeLocalPort()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	began := time.Now()
	st, err := startStack(ctx, devFlags{
		dataDir: dataDir, httpAddr: "127.0.0.1:0", temporalPort: temporalPort, smtpAddr: "off",
		// A load test is many requests from a few users; the per-user
		// budget would measure itself.
		rateLimit: api.RateLimit{PerSecond: -1},
	}, log)
	if err != nil {
		return err
	}
	defer st.close()
	fmt.Printf("stack ready in %v (data dir %s); %d CPUs, GOMAXPROCS %d\n",
		time.Since(began).Round(time.Millisecond), dataDir, runtime.NumCPU(), runtime.GOMAXPROCS(0))

	w := sdkworker.New(st.temporal, benchTaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(benchWorkflow, workflow.RegisterOptions{Name: "BenchWorkflow"})
	w.RegisterActivity(benchActivity)
	if err := w.Start(); err != nil {
		return fmt.Errorf("bench worker: %w", err)
	}
	defer w.Stop()

	stop, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	defer stop()

	b := &bencher{st: st, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}}
	watch := newCheckpointWatch(st)
	go watch.run(ctx)
	b.watch = watch

	// Warm up (connections, caches, the SQLite files' first pages), so
	// the first measurement does not pay for it; not reported.
	fmt.Fprintln(os.Stderr, "warming up …")
	if _, err := b.round(ctx, 1, min(f.duration, 2*time.Second)); err != nil {
		return err
	}

	var rounds []round
	for _, n := range f.clients {
		fmt.Fprintf(os.Stderr, "measuring at %d clients …\n", n)
		r, err := b.round(ctx, n, f.duration)
		if err != nil {
			return err
		}
		rounds = append(rounds, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	writeReport(os.Stdout, rounds)
	return writeHeapProfile(f.memProfile)
}

// writeHeapProfile writes what the heap holds once a collection has run
// (none when path is empty): what every later collection has to mark.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	pf, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(pf); err != nil {
		pf.Close()
		return fmt.Errorf("--memprofile: %w", err)
	}
	return pf.Close()
}

// startCPUProfile writes a CPU profile to path (none when path is empty)
// until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	pf, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		pf.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); pf.Close() }, nil
}

func freeLocalPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// benchWorkflow is the bare-Temporal yardstick: one workflow task, one
// activity, nothing else.
func benchWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, benchActivity).Get(ctx, nil)
}

func benchActivity(context.Context) error { return nil }

// bencher drives the running stack.
type bencher struct {
	st    *stack
	http  *http.Client
	watch *checkpointWatch
	seq   int // unique workflow IDs across rounds
}

// round is everything measured at one client count.
type round struct {
	clients int
	// bare: start a no-op workflow with one no-op activity and wait for
	// its result. create: POST /api/v1/cases until 201. visible: from the
	// same POST until the read model holds the case (the projector's
	// checkpoint has passed the case's events). e2e is one create and its
	// wait for visibility, one after the other per client.
	bare, create, visible, claim, resolve series
}

// ratio is end-to-end throughput over bare Temporal throughput.
func (r round) ratio() float64 {
	if r.bare.throughput() == 0 {
		return 0
	}
	return r.visible.throughput() / r.bare.throughput()
}

func (b *bencher) round(ctx context.Context, clients int, d time.Duration) (round, error) {
	r := round{clients: clients}
	b.seq++
	seq := b.seq
	r.bare = drive(ctx, "bare", clients, d, func(ctx context.Context, c, i int) error {
		run, err := b.st.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-%d-%d-%d", seq, c, i), TaskQueue: benchTaskQueue,
			// As a client of Temporal at its fastest: the first workflow
			// task comes back in the start's answer to this process's
			// worker (the desk's update-with-start cannot do that).
			EnableEagerStart: true,
		}, "BenchWorkflow")
		if err != nil {
			return err
		}
		// Get long-polls for the close. On the embedded server that poll
		// now and then misses a workflow that closes within milliseconds
		// and waits out history's 20 s long-poll interval
		// (docs/PERFORMANCE.md); polling again after a second finds it
		// closed, so a miss costs at most that second here.
		for {
			gctx, cancel := context.WithTimeout(ctx, time.Second)
			err := run.Get(gctx, nil)
			// The SDK gives the poll a deadline a little before gctx's and
			// may answer with gRPC's DeadlineExceeded while gctx still runs.
			var deadline *serviceerror.DeadlineExceeded
			expired := gctx.Err() != nil || errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded)
			cancel()
			if err == nil || !expired || ctx.Err() != nil {
				return err
			}
		}
	})

	// Each client keeps the references it created, for the steps.
	refs := make([][]string, clients)
	var mu sync.Mutex
	r.create = series{name: "create", clients: clients}
	r.visible = drive(ctx, "e2e", clients, d, func(ctx context.Context, c, i int) error {
		start := time.Now()
		var created struct {
			ID        string `json:"id"`
			Reference string `json:"reference"`
		}
		body := fmt.Sprintf(`{"kind":"incident","title":"Ytelsestest %d-%d","description":"Skriveren skriver ikke ut.","priority":"normal"}`, c, i)
		if err := b.call(ctx, "POST", "/api/v1/cases", "ola", body, http.StatusCreated, &created); err != nil {
			return err
		}
		mu.Lock()
		r.create.add(time.Since(start))
		refs[c] = append(refs[c], created.Reference)
		mu.Unlock()
		evs, err := b.st.store.ReadStream(ctx, helpdesk.Stream(created.ID), 0, 0)
		if err != nil || len(evs) == 0 {
			return fmt.Errorf("case %s: stream: %v", created.Reference, err)
		}
		return b.watch.wait(ctx, evs[len(evs)-1].Position)
	})
	r.create.elapsed, r.create.cpu = r.visible.elapsed, r.visible.cpu

	// Steps: claim, then resolve, each client on its own cases.
	// A client resolves only the cases its claims reached: when the
	// claims run out of time before the cases do, resolving the rest
	// would measure refusals (409, the case is not claimed).
	claimed := make([]int, clients)
	stepper := func(step, body string, todo func(c int) int) func(ctx context.Context, c, i int) error {
		return func(ctx context.Context, c, i int) error {
			if i >= todo(c) {
				return errNoMoreWork
			}
			err := b.call(ctx, "POST", "/api/v1/cases/"+refs[c][i]+"/"+step, "per", body, http.StatusOK, nil)
			if err == nil && step == "claim" {
				claimed[c] = i + 1 // each client is one goroutine
			}
			return err
		}
	}
	r.claim = drive(ctx, "claim", clients, d, stepper("claim", "", func(c int) int { return len(refs[c]) }))
	r.resolve = drive(ctx, "resolve", clients, d, stepper("resolve", `{"resolution":"Byttet tonerkassett."}`, func(c int) int { return claimed[c] }))
	return r, ctx.Err()
}

// call makes one API request as user and decodes the answer into out.
func (b *bencher) call(ctx context.Context, method, path, user, body string, want int, out any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.st.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer dev:"+user)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// checkpointWatch polls the read model's checkpoint (one query every
// millisecond, shared by all who wait) and wakes those waiting for a
// position. It polls only while someone waits: a thousand queries a
// second would otherwise take CPU from what is measured meanwhile (bare,
// the POST of a create, the steps) on a small machine.
type checkpointWatch struct {
	st      *stack
	mu      sync.Mutex
	pos     uint64
	changed chan struct{}
	waiting int           // guarded by mu
	wake    chan struct{} // a waiter arrived
}

func newCheckpointWatch(st *stack) *checkpointWatch {
	return &checkpointWatch{st: st, changed: make(chan struct{}), wake: make(chan struct{}, 1)}
}

func (w *checkpointWatch) run(ctx context.Context) {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		w.mu.Lock()
		idle := w.waiting == 0
		w.mu.Unlock()
		if idle {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pos, err := w.st.readModel.Checkpoint(ctx, projection.Cases)
		if err != nil {
			continue
		}
		w.mu.Lock()
		if pos != w.pos {
			w.pos = pos
			close(w.changed)
			w.changed = make(chan struct{})
		}
		w.mu.Unlock()
	}
}

// wait returns once the read model has applied the event at position.
func (w *checkpointWatch) wait(ctx context.Context, position uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	w.mu.Lock()
	w.waiting++
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.waiting--
		w.mu.Unlock()
	}()
	select {
	case w.wake <- struct{}{}:
	default: // the watch has been woken already
	}
	for {
		w.mu.Lock()
		pos, ch := w.pos, w.changed
		w.mu.Unlock()
		if pos >= position {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("read model at %d, waiting for %d: %w", pos, position, ctx.Err())
		}
	}
}

// errNoMoreWork ends a client's run early (it has no case left to step).
var errNoMoreWork = errors.New("no more work")

// drive runs op from clients goroutines for d (each op i = 0, 1, … of
// client c, one after the other) and times every op. A failed op counts as
// an error, not a sample; errNoMoreWork stops that client.
func drive(ctx context.Context, name string, clients int, d time.Duration, op func(ctx context.Context, c, i int) error) series {
	s := series{name: name, clients: clients}
	var mu sync.Mutex
	var wg sync.WaitGroup
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t0 := time.Now()
				err := op(ctx, c, i)
				took := time.Since(t0)
				if errors.Is(err, errNoMoreWork) {
					return
				}
				mu.Lock()
				if err != nil {
					s.errors++
					if s.firstError == "" {
						s.firstError = err.Error()
					}
				} else {
					s.add(took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	s.cpu = processCPU() - cpu0
	return s
}

// processCPU is the CPU time (user and system) the whole process has
// used: the embedded server, the worker, the API and the bench's clients.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// series is the latencies of one kind of operation at one client count.
type series struct {
	name    string
	clients int
	elapsed time.Duration
	// cpu is the process's CPU time while the series ran (cpuPerOp).
	cpu        time.Duration
	samples    []time.Duration
	errors     int
	firstError string
}

func (s *series) add(d time.Duration) { s.samples = append(s.samples, d) }

// throughput is successful operations per second over the whole run.
// cpuPerOp is the process's CPU time per successful operation: on a
// shared machine it moves less with others' load than the latencies.
// create's is e2e's (the same run).
func (s series) cpuPerOp() time.Duration {
	if len(s.samples) == 0 {
		return 0
	}
	return s.cpu / time.Duration(len(s.samples))
}

func (s series) throughput() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(len(s.samples)) / s.elapsed.Seconds()
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of the
// samples: the smallest sample that at least p % of them do not exceed.
func (s series) percentile(p float64) time.Duration {
	if len(s.samples) == 0 {
		return 0
	}
	sorted := slices.Clone(s.samples)
	slices.Sort(sorted)
	rank := int(float64(len(sorted))*p/100 + 0.9999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// writeReport prints one table row per measurement and one ratio line
// per client count.
func writeReport(w io.Writer, rounds []round) {
	fmt.Fprintf(w, "%-8s %7s %8s %7s %10s %10s %10s %10s\n", "test", "clients", "ops", "errors", "ops/s", "p50", "p99", "cpu/op")
	for _, r := range rounds {
		for _, s := range []series{r.bare, r.create, r.visible, r.claim, r.resolve} {
			fmt.Fprintf(w, "%-8s %7d %8d %7d %10.1f %10s %10s %10s\n", s.name, r.clients, len(s.samples), s.errors,
				s.throughput(), ms(s.percentile(50)), ms(s.percentile(99)), ms(s.cpuPerOp()))
			if s.firstError != "" {
				fmt.Fprintf(w, "         first error: %s\n", s.firstError)
			}
		}
		fmt.Fprintf(w, "ratio %.2f  (clients %d: e2e %.1f/s over bare %.1f/s; goal ≥ 1.0)\n",
			r.ratio(), r.clients, r.visible.throughput(), r.bare.throughput())
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
