// Package devserver runs a complete Temporal server inside the brukerhjelp
// process for `brukerhjelp dev`, the way the Temporal CLI's `server
// start-dev` does: all four services (frontend, history, matching, worker)
// in-process with static membership, persistence in one SQLite file, and
// optionally the Temporal Web UI.
//
// This package pulls in go.temporal.io/server (a ~3 minute cold build, a
// ~200 MB binary); import it only from the dev command and its tests.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/temporal"
)

// Options configures the embedded server.
type Options struct {
	// DatabaseFile is the SQLite file holding all Temporal state, e.g.
	// <data-dir>/temporal.db. Its directory must exist. It is created with
	// the schema on first start and continued on later starts. "" keeps
	// everything in memory (for tests): gone when the process exits.
	DatabaseFile string
	// IP the frontend (and the UI) listen on; default 127.0.0.1.
	IP string
	// FrontendPort is the frontend gRPC port clients and workers dial;
	// required. The internal services get free ports on 127.0.0.1.
	FrontendPort int
	// UIPort is the Temporal Web UI's HTTP port; 0 disables the UI.
	UIPort int
	// Namespace is created on first start; default "default".
	Namespace string
	// Logger receives Temporal's own logs (and the UI's); required.
	Logger *slog.Logger
	// Codec, if set, is served under /codec on the Web UI's address, and
	// the UI decodes payloads with it (docs/PRIVACY.md): the histories are
	// encrypted, and the UI, loopback-only in dev, shows them in clear.
	// The Temporal CLI takes the same endpoint (--codec-endpoint).
	Codec http.Handler
	// SearchAttributes are custom search attributes (name and type) the
	// namespace must have; those missing are registered at every start,
	// as `temporal operator search-attribute create` would on a cluster.
	// SQLite visibility keeps them in preallocated columns (ten Keyword
	// ones, among others).
	SearchAttributes map[string]enumspb.IndexedValueType
	// LogLevel is the lowest level of Temporal's logs passed to Logger. The
	// zero value (slog.LevelInfo) means slog.LevelWarn, because Temporal at
	// Info drowns everything else; to see Info use slog.LevelInfo-1 (or
	// slog.LevelDebug for everything).
	LogLevel slog.Level
}

// Server is a running embedded Temporal server.
type Server struct {
	frontendAddr string
	uiAddr       string
	namespace    string
	logger       *slog.Logger
	stopping     *atomic.Bool

	temporal temporal.Server
	ui       *uiServer
	// settle turns the search attributes' forced refresh off a while
	// after Start added some to an existing namespace (startupClient).
	settle *time.Timer
	dc     *startupClient

	stopOnce sync.Once
}

// readyTimeout bounds Start when ctx has no deadline: a broken start must
// not hang `brukerhjelp dev` forever.
const readyTimeout = 2 * time.Minute

// Start starts the server and returns once the frontend serves the
// namespace and the history service answers, so a client dialled right
// after Start can start workflows at once. ctx bounds the wait.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	logger := opts.Logger.With("component", "temporal")
	stopping := new(atomic.Bool)
	tlogger := newTemporalLogger(logger, opts.LogLevel, stopping)

	// Temporal binds its listeners while it is being built and answers a
	// bind failure with log.Fatal, i.e. os.Exit. So check the port the user
	// chose and hold it while the internal ports are picked: the kernel
	// would otherwise happily hand the port just probed out again as a
	// "free" one. It is released just before Temporal binds it.
	bindAddr := net.JoinHostPort(opts.IP, strconv.Itoa(opts.FrontendPort))
	frontendLn, err := net.Listen("tcp", bindAddr)
	if err != nil {
		return nil, fmt.Errorf("temporal frontend address %s is not available: %w", bindAddr, err)
	}

	// Bind the UI now and keep the listener, so there is no window in which
	// something else takes the port. A UI that cannot bind is not worth
	// failing the whole dev stack for.
	var uiListener net.Listener
	if opts.UIPort > 0 {
		uiBind := net.JoinHostPort(opts.IP, strconv.Itoa(opts.UIPort))
		uiListener, err = net.Listen("tcp", uiBind)
		if err != nil {
			logger.Error("temporal web ui disabled: cannot listen", "addr", uiBind, "error", err)
			uiListener = nil
		}
	}
	closeUIListener := func() {
		if uiListener != nil {
			_ = uiListener.Close()
		}
	}

	sqlConf, err := prepareDatabase(opts)
	if err != nil {
		_ = frontendLn.Close()
		closeUIListener()
		return nil, err
	}

	ports, err := freePorts(3, opts.FrontendPort, opts.UIPort)
	_ = frontendLn.Close()
	if err != nil {
		closeUIListener()
		return nil, fmt.Errorf("pick ports for temporal services: %w", err)
	}
	frontendAddr := net.JoinHostPort(dialIP(opts.IP), strconv.Itoa(opts.FrontendPort))
	dc := newStartupClient(withOverrides(dynamicConfig()))
	ts, err := newTemporal(opts, frontendAddr, ports, sqlConf, tlogger, dc)
	if err != nil {
		closeUIListener()
		return nil, err
	}
	started := time.Now()
	if err := ts.Start(); err != nil {
		closeUIListener()
		stopping.Store(true)
		_ = ts.Stop()
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{
		dc:           dc,
		frontendAddr: frontendAddr,
		namespace:    opts.Namespace,
		logger:       logger,
		stopping:     stopping,
		temporal:     ts,
	}
	if err := waitReady(ctx, frontendAddr, opts.Namespace); err != nil {
		closeUIListener()
		s.Stop()
		return nil, fmt.Errorf("temporal server did not become ready: %w", err)
	}
	logger.Debug("temporal server ready", "frontend", frontendAddr, "took", time.Since(started))
	added, err := ensureSearchAttributes(ctx, frontendAddr, opts.Namespace, opts.SearchAttributes)
	if err != nil {
		closeUIListener()
		s.Stop()
		return nil, err
	}
	// Every service knows the search attributes (or will once the caches
	// filled before they were added expire): stop reading them from the
	// database on every use (startupClient).
	if added {
		s.settle = time.AfterFunc(searchAttributesCacheTTL, func() { dc.forceRefresh.Store(false) })
	} else {
		dc.forceRefresh.Store(false)
	}

	if uiListener != nil {
		ui, err := startUI(uiListener, frontendAddr, opts.Namespace, opts.Codec, logger)
		if err != nil {
			closeUIListener()
			logger.Error("temporal web ui disabled", "error", err)
		} else {
			s.ui = ui
			s.uiAddr = ui.addr
		}
	}
	return s, nil
}

// FrontendAddress is the host:port clients and workers dial, e.g.
// "127.0.0.1:7233".
func (s *Server) FrontendAddress() string { return s.frontendAddr }

// UIAddress is the Web UI's host:port, or "" when the UI is disabled or
// could not bind.
func (s *Server) UIAddress() string { return s.uiAddr }

// Namespace is the namespace that was ensured at start.
func (s *Server) Namespace() string { return s.namespace }

// Stop shuts the UI and all Temporal services down and waits for them
// (about a second: the frontend drains requests for at least 1 s). It is
// safe to call more than once and from several goroutines.
//
// Temporal v1.32.1 never stops some SDK workers of its own worker service
// (the task queue and history scanners and the parent-close-policy
// processor; "TODO: Nothing is gracefully stopping these workers" in
// service/worker/scanner). After Stop about 100 goroutines stay behind and
// keep polling the old frontend address. That is harmless when Stop is
// followed by process exit, as in `brukerhjelp dev`; a test that restarts
// the server in-process should give the new server another FrontendPort,
// or the old server's leftovers will poll the new one.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.stopping.Store(true)
		if s.settle != nil {
			s.settle.Stop()
		}
		if s.ui != nil {
			s.ui.stop()
		}
		if err := s.temporal.Stop(); err != nil {
			s.logger.Warn("temporal server stop", "error", err)
		}
	})
}

func (o Options) withDefaults() (Options, error) {
	if o.Logger == nil {
		return o, errors.New("devserver: logger is required")
	}
	if o.FrontendPort <= 0 || o.FrontendPort > 65535 {
		return o, fmt.Errorf("devserver: frontend port %d out of range 1-65535", o.FrontendPort)
	}
	if o.UIPort < 0 || o.UIPort > 65535 {
		return o, fmt.Errorf("devserver: ui port %d out of range 0-65535", o.UIPort)
	}
	if o.UIPort == o.FrontendPort {
		return o, fmt.Errorf("devserver: ui port and frontend port are both %d", o.UIPort)
	}
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if net.ParseIP(o.IP) == nil {
		return o, fmt.Errorf("devserver: ip %q is not an IP address", o.IP)
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.LogLevel == slog.LevelInfo {
		o.LogLevel = slog.LevelWarn
	}
	return o, nil
}

// dialIP is the address to dial a listener bound on ip: a wildcard bind is
// reached through loopback.
func dialIP(ip string) string {
	if parsed := net.ParseIP(ip); parsed != nil && parsed.IsUnspecified() {
		return "127.0.0.1"
	}
	return ip
}

// waitReady polls until the frontend answers, knows the namespace, and a
// call that must reach the history service gets history's answer (NotFound
// for a workflow that does not exist), i.e. the single shard is owned.
func waitReady(ctx context.Context, frontendAddr, namespace string) error {
	var lastErr error
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	wait := func() error {
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("%w (last error: %w)", ctx.Err(), lastErr)
			}
			return ctx.Err()
		case <-tick.C:
			return nil
		}
	}

	var c client.Client
	for {
		var err error
		c, err = client.DialContext(ctx, client.Options{
			HostPort:  frontendAddr,
			Namespace: namespace,
			// The SDK would otherwise log every failed attempt to stdout.
			Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
		})
		if err == nil {
			break
		}
		lastErr = err
		if err := wait(); err != nil {
			return err
		}
	}
	defer c.Close()

	probeID := "devserver-readiness-" + uuid.NewString()
	for {
		lastErr = probe(ctx, c, namespace, probeID)
		if lastErr == nil {
			return nil
		}
		if err := wait(); err != nil {
			return err
		}
	}
}

func probe(ctx context.Context, c client.Client, namespace, workflowID string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("check health: %w", err)
	}
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{
		Namespace: namespace,
	}); err != nil {
		return fmt.Errorf("describe namespace %q: %w", namespace, err)
	}
	_, err := c.WorkflowService().DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: namespace,
		Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID},
	})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	if err == nil {
		return nil
	}
	return fmt.Errorf("history probe: %w", err)
}

// ensureSearchAttributes registers those of want the namespace lacks (one
// created before they were wanted) and says whether it added any. Only the
// missing ones are asked for: the server logs a warning for each one that
// exists already.
func ensureSearchAttributes(ctx context.Context, frontendAddr, namespace string, want map[string]enumspb.IndexedValueType) (added bool, err error) {
	if len(want) == 0 {
		return false, nil
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: frontendAddr, Namespace: namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return false, fmt.Errorf("search attributes: %w", err)
	}
	defer c.Close()
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return false, fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range want {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return false, fmt.Errorf("search attribute %s is %s in namespace %s, want %s", name, got, namespace, typ)
		}
	}
	if len(missing) == 0 {
		return false, nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	}); err != nil {
		return false, fmt.Errorf("add search attributes: %w", err)
	}
	return true, nil
}
