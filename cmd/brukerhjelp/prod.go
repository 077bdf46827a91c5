package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/api"
	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/config"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/internal/mail"
	"github.com/brukerhjelp/brukerhjelp/internal/mailauth"
	"github.com/brukerhjelp/brukerhjelp/internal/mailin"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy/codec"
	"github.com/brukerhjelp/brukerhjelp/internal/probe"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/web"
	"github.com/brukerhjelp/brukerhjelp/web/session"
	"github.com/brukerhjelp/brukerhjelp/worker"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// prodDeps is what both production processes open from their settings.
type prodDeps struct {
	cfg   config.Config
	log   *slog.Logger
	dir   *directory.Directory
	store eventstore.Store
	// storeMetrics are the event store's own (EventStoreDB: connection
	// state and reconnects), for /metrics.
	storeMetrics []prometheus.Collector
	rm           *readmodel.DB
	tc           client.Client
	// Personal data (docs/PRIVACY.md): the data keys, the record that
	// encrypts with them, Temporal's payload codec, the retention policy.
	keys      *privacy.SQLKeys
	record    *privacy.Store
	payloads  *codec.Codec
	retention helpdesk.RetentionPolicy
}

// storeReady is how /readyz asks the event store: EventStoreDB's store
// answers at once while it reconnects (not ready, and why); a store
// without Ready is asked for one event.
func storeReady(ctx context.Context, store eventstore.Store) error {
	if r, ok := store.(interface{ Ready(context.Context) error }); ok {
		return r.Ready(ctx)
	}
	_, err := store.ReadAll(ctx, 0, 1, eventstore.Filter{})
	return err
}

// openESDB opens the EventStoreDB store and waits a little for its first
// connection: a server it cannot work with (too old) stops the process
// here; one not up yet does not — the store goes on trying, and /readyz
// says not ready meanwhile.
func openESDB(ctx context.Context, url string, log *slog.Logger) (*esdbstore.Store, error) {
	s, err := esdbstore.Open(url, esdbstore.WithLogger(log.With("component", "eventstore")))
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch err := s.WaitConnected(wctx); {
	case errors.Is(err, esdbstore.ErrUnsupportedServer):
		s.Close()
		return nil, err
	case err != nil:
		log.Warn("event store not reachable yet; starting anyway, /readyz says not ready until it is", "error", err)
	}
	return s, nil
}

func openProd(ctx context.Context, role config.Role) (*prodDeps, func(), error) {
	cfg, err := config.Load(role, os.Getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	log, err := logctx.New(os.Stderr, cfg.LogFormat, slog.LevelInfo)
	if err != nil {
		return nil, nil, fmt.Errorf("LOG_FORMAT: %w", err)
	}
	log = log.With("process", string(role))
	d := &prodDeps{cfg: cfg, log: log}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if d.dir, err = directory.Load(cfg.DirectoryFile); err != nil {
		return nil, nil, fmt.Errorf("DIRECTORY_FILE: %w", err)
	}
	if d.retention, err = loadRetention(cfg.RetentionFile); err != nil {
		return nil, nil, fmt.Errorf("RETENTION_FILE: %w", err)
	}
	ring, err := privacy.LoadKeyring(os.Getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", privacy.EnvMasterKeyFile, err)
	}
	if d.payloads, err = codec.New(ring); err != nil {
		return nil, nil, err
	}
	if d.keys, err = privacy.OpenKeys(ctx, strings.TrimPrefix(cfg.KeystoreURL, "sqlite:"), ring); err != nil {
		return nil, nil, fmt.Errorf("KEYSTORE_URL: %w", err)
	}
	closers = append(closers, func() { d.keys.Close() })
	if p, ok := strings.CutPrefix(cfg.EventStoreURL, "sqlite:"); ok {
		d.store, err = sqlitestore.Open(p)
	} else {
		var es *esdbstore.Store
		if es, err = openESDB(ctx, cfg.EventStoreURL, log); err == nil {
			d.store, d.storeMetrics = es, es.Collectors()
		}
	}
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("EVENTSTORE_URL: %w", err)
	}
	// Every reader and writer gets the record with personal data
	// encrypted (and readable while its key lives).
	if d.record, err = privacy.New(d.store, d.keys); err != nil {
		d.store.Close()
		closeAll()
		return nil, nil, err
	}
	d.store = d.record
	closers = append(closers, func() { d.store.Close() })
	// postgres://… or sqlite:<path>; with PostgreSQL several api
	// processes share the read model and one of them projects (the lease).
	if d.rm, err = readmodel.Open(ctx, cfg.DatabaseURL); err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	closers = append(closers, func() { d.rm.Close() })
	// A worker's identity names its host, so `brukerhjelp healthcheck
	// worker` finds it among the task queue's pollers.
	identity := fmt.Sprintf("brukerhjelp-%s@%s/%d", role, probe.Hostname(), os.Getpid())
	if role == config.Worker {
		identity = probe.WorkerIdentity(probe.Hostname(), os.Getpid())
	}
	d.tc, err = client.DialContext(ctx, d.payloads.ClientOptions(client.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
		Identity: identity,
		Logger:   sdklog.NewStructuredLogger(log.With("component", "temporal"))}))
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("TEMPORAL_ADDRESS: %w", err)
	}
	closers = append(closers, d.tc.Close)
	return d, closeAll, nil
}

// runWorker runs workflows and activities against an external Temporal
// cluster until ctx is done.
func runWorker(ctx context.Context) error {
	d, closeAll, err := openProd(ctx, config.Worker)
	if err != nil {
		return err
	}
	defer closeAll()
	outbox := outboxDir(d.cfg)
	if d.cfg.SMTPURL != "" {
		outbox = "" // mail goes out by relay; nothing to empty here
	}
	acts, err := activities.New(d.store, activities.WithAssignment(d.rm, d.dir), activities.WithUsernames(d.dir),
		activities.WithPrivacy(activities.PrivacyOptions{Record: d.record, Keys: d.keys, Candidates: d.rm, OutboxDir: outbox,
			AttachmentDir: attachmentDir(d.cfg), Engine: d.tc, Namespace: d.cfg.TemporalNamespace}))
	if err != nil {
		return err
	}
	// Without its search attributes every new case's workflow task
	// would fail: refuse to start instead, naming the fix.
	if err := worker.CheckSearchAttributes(ctx, d.tc, d.cfg.TemporalNamespace); err != nil {
		return fmt.Errorf("TEMPORAL_NAMESPACE: %w", err)
	}
	workerMetrics := worker.NewMetrics()
	w, err := worker.New(d.tc, acts, workerMetrics)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
	if err := worker.EnsureRetentionSchedule(ctx, d.tc, d.retention); err != nil {
		return err
	}
	// Mail out (docs/MAIL.md): through SMTP_URL, else into the outbox
	// directory beside the read model.
	var transport mail.Transport = mail.Outbox{Dir: outboxDir(d.cfg)}
	if d.cfg.SMTPURL != "" {
		if transport, err = mail.NewRelay(d.cfg.SMTPURL, d.store); err != nil {
			return err
		}
	}
	dispatcher := mail.New(d.rm, d.dir, transport, mail.Options{Logger: d.log.With("component", "mail"), Events: d.store, PagesURL: d.cfg.PublicURL})
	mailDone := make(chan struct{})
	go func() { defer close(mailDone); _ = dispatcher.Run(ctx) }()
	if d.cfg.HTTPAddr != "" {
		// The worker's own metrics (activities, workflow runs, mail) and
		// liveness, for Prometheus and the orchestrator.
		stop, err := serveWorkerMetrics(d.cfg.HTTPAddr, d.log, slices.Concat(workerMetrics.Collectors(), dispatcher.Collectors(), d.storeMetrics))
		if err != nil {
			return err
		}
		defer stop()
	}
	d.log.Info("worker started", "mail", mail.Describe(transport), "metrics", d.cfg.HTTPAddr)
	<-ctx.Done()
	<-mailDone
	return nil
}

// serveWorkerMetrics serves GET /metrics and GET /healthz on addr.
func serveWorkerMetrics(addr string, log *slog.Logger, cs []prometheus.Collector) (stop func(), err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(cs...)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HTTP_ADDR: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("worker metrics", "error", err)
		}
	}()
	return func() { hs.Close() }, nil
}

// runAPI serves the HTTP API with OIDC authentication and runs the
// projector that keeps its read model.
func runAPI(ctx context.Context) error {
	d, closeAll, err := openProd(ctx, config.API)
	if err != nil {
		return err
	}
	defer closeAll()
	cfg := d.cfg
	auth, err := api.NewOIDC(ctx, api.OIDCConfig{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience}, d.dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	defer ln.Close()
	// Live updates reach the pages this process serves. Only the replica
	// holding the read model's lease projects, so on the others pages are
	// not told (docs/WEB.md, live updates).
	broker := live.NewBroker()
	proj, err := projection.New(d.store, d.rm, projection.Options{Logger: d.log, Groups: d.dir, Audience: d.dir, Live: broker})
	if err != nil {
		return err
	}
	projCtx, stopProj := context.WithCancel(ctx)
	projDone := make(chan struct{})
	go func() {
		defer close(projDone)
		if err := proj.Run(projCtx); err != nil {
			d.log.Error("the projector stopped", "error", err)
		}
	}()
	defer func() { stopProj(); <-projDone }()
	dk, err := desk.New(desk.Config{Workflows: desk.Temporal(d.tc), Record: d.store, Directory: d.dir,
		Lists: d.rm, Notifications: d.rm, Reports: d.rm, Announcements: d.rm,
		Attachments: &attachments.Store{Dir: attachmentDir(cfg)},
		Privacy:     desk.TemporalPrivacy(d.tc), People: d.rm, Retention: &d.retention, Codec: d.payloads})
	if err != nil {
		return err
	}
	srv, err := api.New(api.Config{
		Desk: dk, Auth: auth, Logger: d.log, Collectors: slices.Concat(proj.Collectors(), d.storeMetrics),
		TemporalUIOrigin: cfg.TemporalUIOrigin,
		Ready: func(ctx context.Context) error {
			if _, err := d.tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
				return fmt.Errorf("temporal: %w", err)
			}
			if err := storeReady(ctx, d.store); err != nil {
				return fmt.Errorf("event store: %w", err)
			}
			return proj.Ready(ctx)
		},
	})
	if err != nil {
		return err
	}
	if cfg.SMTPListenAddr != "" {
		// Mail in (docs/MAIL.md): behind the organisation's mail gateway
		// (SMTP_TRUSTED_RELAYS), or from anywhere with DKIM or SPF
		// aligned with From.
		in, err := mailin.New(mailin.Options{Desk: dk, Users: d.dir, AttachmentDir: attachmentDir(cfg),
			Auth: mailauth.Policy{TrustedRelays: cfg.SMTPTrustedRelays}, Logger: d.log.With("component", "mailin")})
		if err != nil {
			return err
		}
		smtpLn, err := net.Listen("tcp", cfg.SMTPListenAddr)
		if err != nil {
			return fmt.Errorf("SMTP_LISTEN_ADDR: %w", err)
		}
		go func() {
			if err := in.Serve(smtpLn); err != nil {
				d.log.Error("inbound SMTP stopped", "error", err)
			}
		}()
		defer in.Close()
		d.log.Info("inbound SMTP", "addr", smtpLn.Addr().String(), "trusted-relays", fmt.Sprint(cfg.SMTPTrustedRelays))
	}
	pages, closePages, err := prodPages(ctx, cfg, d, dk, broker)
	if err != nil {
		return err
	}
	defer closePages()
	hs := &http.Server{Handler: doors(srv, pages), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelWarn)}
	hs.RegisterOnShutdown(broker.Close)
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	d.log.Info("api listening", "addr", ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("http: %w", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdownCtx)
}

// prodPages builds the web pages of an api process: OpenID Connect
// sign-in at OIDC_ISSUER with the pages' own client (OIDC_CLIENT_ID,
// PUBLIC_URL), sessions in the read model's database, shared by every
// replica. Without OIDC_CLIENT_ID the pages say sign-in is not set up.
func prodPages(ctx context.Context, cfg config.Config, d *prodDeps, dk *desk.Desk, broker *live.Broker) (*web.Server, func(), error) {
	wcfg := web.Config{Directory: d.dir, Store: d.store, Desk: dk, Live: broker, PublicURL: cfg.PublicURL, Logger: d.log.With("component", "web")}
	if cfg.OIDCClientID != "" {
		o, err := web.NewOIDC(ctx, web.OIDCConfig{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURL: cfg.PublicURL + "/auth/callback"})
		if err != nil {
			return nil, nil, err
		}
		wcfg.OIDC = o
	} else {
		d.log.Warn("web pages: sign-in is not set up; set OIDC_CLIENT_ID and PUBLIC_URL (docs/OPERATIONS.md)")
	}
	sessions, err := session.OpenSQL(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("DATABASE_URL: web sessions: %w", err)
	}
	wcfg.Sessions = sessions
	pages, err := web.New(wcfg)
	if err != nil {
		sessions.Close()
		return nil, nil, err
	}
	return pages, func() { pages.Close(); sessions.Close() }, nil
}

// runHealthcheck is the container healthcheck (the image has no shell):
// `healthcheck api` asks this host's API for GET /readyz; `healthcheck
// worker` asks Temporal whether a worker of this host polls the task
// queue. Both read the same environment as the process they check.
func runHealthcheck(ctx context.Context, args []string) error {
	if len(args) != 1 || (args[0] != "api" && args[0] != "worker") {
		return usageError{errors.New("bruk / usage: brukerhjelp healthcheck api|worker")}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if args[0] == "api" {
		return probe.API(ctx, os.Getenv("HTTP_ADDR"))
	}
	cfg, err := config.Load(config.Worker, os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	tc, err := client.DialContext(ctx, client.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
		Identity: "brukerhjelp-healthcheck@" + probe.Hostname(),
		Logger:   sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return fmt.Errorf("TEMPORAL_ADDRESS: %w", err)
	}
	defer tc.Close()
	resp, err := tc.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return fmt.Errorf("describe task queue %s: %w", workflows.TaskQueue, err)
	}
	var ids []string
	for _, p := range resp.GetPollers() {
		ids = append(ids, p.GetIdentity())
	}
	if !probe.PollsFrom(ids, probe.Hostname()) {
		return fmt.Errorf("no worker of host %s polls task queue %s", probe.Hostname(), workflows.TaskQueue)
	}
	return nil
}

// attachmentDir is where uploaded files are kept: ATTACHMENT_DIR, else
// "attachments" beside a SQLite read model, else ./attachments.
func attachmentDir(cfg config.Config) string {
	if cfg.AttachmentDir != "" {
		return cfg.AttachmentDir
	}
	if p, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(p), "attachments")
	}
	return "attachments"
}

// outboxDir is where the worker writes mail without a relay: "outbox"
// beside a SQLite read model, else ./outbox.
func outboxDir(cfg config.Config) string {
	if p, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(p), "outbox")
	}
	return "outbox"
}
