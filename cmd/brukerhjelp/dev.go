package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/api"
	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/config"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/devserver"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/internal/mail"
	"github.com/brukerhjelp/brukerhjelp/internal/mailauth"
	"github.com/brukerhjelp/brukerhjelp/internal/mailin"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy/codec"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/web"
	"github.com/brukerhjelp/brukerhjelp/web/session"
	"github.com/brukerhjelp/brukerhjelp/worker"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

type devFlags struct {
	dataDir      string
	httpAddr     string
	temporalPort int
	uiPort       int
	smtpAddr     string
	// smtpRelay is the outgoing relay (--smtp-relay, else SMTP_URL);
	// empty writes mail to the outbox.
	smtpRelay string
	// trustedRelays may hand in mail unauthenticated (--smtp-trusted-relays;
	// loopback by default, so the README's curl example works).
	trustedRelays []netip.Prefix
	directory     string
	autoAssign    bool
	logFormat     string
	// rateLimit is the API's per-user budget; the zero value is the
	// default. Not a flag: only the bench turns it off.
	rateLimit api.RateLimit
	// retention is a JSON retention policy (--retention); "" the default.
	retention string
	// readModel is the read model instead of the data dir's readmodel.db.
	// Not a flag of dev: bench --scale --read-model measures one.
	readModel string
}

func parseDevFlags(args []string) (devFlags, error) {
	var f devFlags
	fs, relays := devFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		return f, usageError{err}
	}
	if fs.NArg() > 0 {
		return f, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return f, f.check(*relays)
}

// devFlagSet declares dev's flags into f; relays is the text of
// --smtp-trusted-relays, which check parses.
func devFlagSet(f *devFlags) (fs *flag.FlagSet, relays *string) {
	fs = flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.Usage = usageOf(fs, devUsage)
	fs.StringVar(&f.dataDir, "data-dir", "./data", "all tilstand; samme katalog etter en omstart fortsetter hver sak / all state; the same dir after a restart continues every case")
	fs.StringVar(&f.httpAddr, "http-addr", "127.0.0.1:8080", "adressen til HTTP-API-et (og nettsidene) / the HTTP API's (and web pages') address")
	fs.IntVar(&f.temporalPort, "temporal-port", 7233, "gRPC-porten til den innebygde Temporal-serveren på 127.0.0.1 / the embedded Temporal frontend's gRPC port on 127.0.0.1")
	fs.IntVar(&f.uiPort, "temporal-ui-port", 8233, "porten til Temporal Web UI på 127.0.0.1; 0 slår det av / the Temporal Web UI's port on 127.0.0.1; 0 disables it")
	fs.StringVar(&f.smtpAddr, "smtp-addr", "127.0.0.1:2525", `adressen for innkommende e-post; "off" slår den av / inbound mail address; "off" disables it`)
	relays = fs.String("smtp-trusted-relays", "127.0.0.0/8,::1/128", `nett (CIDR) der innkommende e-post regnes som autentisert, f.eks. e-postporten deres; "none" stoler på ingen / networks (CIDRs) whose inbound mail is taken as authenticated, e.g. your mail gateway; "none" trusts none, so only DKIM or SPF aligned with From lets mail in`)
	fs.StringVar(&f.smtpRelay, "smtp-relay", os.Getenv("SMTP_URL"), `relé for utgående e-post, f.eks. smtp://127.0.0.1:1025 (Mailpit); standard $SMTP_URL, ellers .eml-filer i <data-dir>/outbox / outgoing mail relay; default $SMTP_URL, else .eml files in <data-dir>/outbox`)
	fs.BoolVar(&f.autoAssign, "auto-assign", false, "gi nye saker til den minst belastede saksbehandleren i gruppen / give new cases to the least-loaded caseworker of their group instead of leaving them in the group's queue")
	fs.StringVar(&f.logFormat, "log-format", "text", "logglinjer som text (nøkkel=verdi) eller json / log lines as text (key=value) or json")
	fs.StringVar(&f.directory, "directory", "", "YAML-fil med brukere, enheter og grupper (standard: den innebygde demo-organisasjonen) / YAML file with users, units and groups (default: the built-in demo organisation)")
	fs.StringVar(&f.retention, "retention", "", "JSON-fil med sletteregler: hvor lenge personopplysninger lever per sakstype (standard: docs/PRIVACY.md) / JSON file with the retention policy: how long personal data lives per kind (default: docs/PRIVACY.md's)")
	return fs, relays
}

// check validates the flags' values (a usage error each).
func (f *devFlags) check(relays string) error {
	if err := f.checkValues(relays); err != nil {
		return usageError{err}
	}
	return nil
}

func (f *devFlags) checkValues(relays string) error {
	if f.temporalPort <= 0 || f.temporalPort > 65535 {
		return fmt.Errorf("--temporal-port: %d is not a port", f.temporalPort)
	}
	if f.uiPort < 0 || f.uiPort > 65535 {
		return fmt.Errorf("--temporal-ui-port: %d is not a port", f.uiPort)
	}
	if _, _, err := net.SplitHostPort(f.httpAddr); err != nil {
		return fmt.Errorf("--http-addr: %w", err)
	}
	if f.smtpAddr != "off" {
		if _, _, err := net.SplitHostPort(f.smtpAddr); err != nil {
			return fmt.Errorf("--smtp-addr: %w", err)
		}
	}
	var err error
	if f.trustedRelays, err = mailauth.ParseRelays(relays); err != nil {
		return fmt.Errorf("--smtp-trusted-relays: %w", err)
	}
	if f.smtpRelay != "" {
		if _, err := config.ParseSMTPURL(f.smtpRelay); err != nil {
			return fmt.Errorf("--smtp-relay: %w", err)
		}
	}
	if !slices.Contains(logctx.Formats, f.logFormat) {
		return fmt.Errorf("--log-format: %q is neither text nor json", f.logFormat)
	}
	return nil
}

// runDev runs the whole product in one process until ctx is cancelled.
func runDev(ctx context.Context, args []string) error {
	f, err := parseDevFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log, err := logctx.New(os.Stderr, f.logFormat, slog.LevelInfo)
	if err != nil {
		return fmt.Errorf("--log-format: %w", err)
	}
	st, err := startStack(ctx, f, log)
	if err != nil {
		return err
	}
	defer st.close()
	printReady(os.Stdout, st.base, st.temporalServer.UIAddress(), st.dir)

	select {
	case <-ctx.Done():
		log.Info("stopper / shutting down")
	case err := <-st.serveErr:
		return fmt.Errorf("http: %w", err)
	}
	return st.shutdown()
}

// stack is the whole product running in one process: `brukerhjelp dev`
// serves it, `brukerhjelp bench` measures it.
type stack struct {
	base           string // http://host:port of the API
	dir            *directory.Directory
	store          *privacy.Store
	readModel      *readmodel.DB
	temporalServer *devserver.Server
	temporal       client.Client
	http           *http.Server
	serveErr       chan error
	// undo stops what was started, last first.
	undo []func()
}

// close stops everything startStack started, in reverse order.
func (st *stack) close() {
	for i := len(st.undo) - 1; i >= 0; i-- {
		st.undo[i]()
	}
	st.undo = nil
}

// shutdown lets the HTTP server finish its requests.
func (st *stack) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return st.http.Shutdown(ctx)
}

// startStack starts the event store, the read model and its projector, the
// embedded Temporal server, the worker and the HTTP API on f's data dir and
// addresses. On error everything started so far is stopped again.
func startStack(ctx context.Context, f devFlags, log *slog.Logger) (_ *stack, err error) {
	tuneGC()
	sdkworker.SetStickyWorkflowCacheSize(embeddedWorkflowCache)
	st := &stack{serveErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	st.dir = directory.Demo()
	if f.directory != "" {
		if st.dir, err = directory.Load(f.directory); err != nil {
			return nil, fmt.Errorf("--directory: %w", err)
		}
	}
	dir := st.dir
	if err := os.MkdirAll(filepath.Join(f.dataDir, "outbox"), 0o750); err != nil {
		return nil, fmt.Errorf("--data-dir: %w", err)
	}
	// Claim the HTTP address before anything slow starts, so a port in use
	// fails at once.
	httpLn, err := net.Listen("tcp", f.httpAddr)
	if err != nil {
		return nil, fmt.Errorf("--http-addr: %w", err)
	}
	st.undo = append(st.undo, func() { httpLn.Close() })
	st.base = "http://" + httpLn.Addr().String()

	retention, err := loadRetention(f.retention)
	if err != nil {
		return nil, fmt.Errorf("--retention: %w", err)
	}
	// Personal data (docs/PRIVACY.md): the master key (made in the data
	// dir on the first start), the data keys beside the record, the
	// record encrypting what is personal, and Temporal's payloads too.
	ring, err := privacy.DevKeyring(f.dataDir, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	keys, err := privacy.OpenKeys(ctx, filepath.Join(f.dataDir, privacy.DevKeyStoreFile), ring)
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	st.undo = append(st.undo, func() { keys.Close() })
	payloads, err := codec.New(ring)
	if err != nil {
		return nil, err
	}
	raw, err := sqlitestore.Open(filepath.Join(f.dataDir, "events.db"))
	if err != nil {
		return nil, fmt.Errorf("event store: %w", err)
	}
	store, err := privacy.New(raw, keys)
	if err != nil {
		raw.Close()
		return nil, err
	}
	st.store = store
	st.undo = append(st.undo, func() { store.Close() })

	rmDSN := filepath.Join(f.dataDir, "readmodel.db")
	if f.readModel != "" {
		rmDSN = f.readModel
	}
	rm, err := readmodel.Open(ctx, rmDSN)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	st.readModel = rm
	st.undo = append(st.undo, func() { rm.Close() })
	if why := rm.Rebuilt(); why != "" {
		log.Info("lesemodellen bygges på nytt / rebuilding the read model", "reason", why)
	}

	// Read model: the projector follows the record into readmodel.db
	// (docs/PROJECTIONS.md). It stops before the read model and the store
	// close (undone after them, so run before them).
	// Live updates for the web pages: the projector tells the broker of
	// each change it commits (internal/live).
	broker := live.NewBroker()
	proj, err := projection.New(store, rm, projection.Options{Logger: log, Groups: dir, Audience: dir, // who notifications reach
		Live: broker})
	if err != nil {
		return nil, err
	}
	projCtx, stopProj := context.WithCancel(context.WithoutCancel(ctx))
	projDone := make(chan struct{})
	go func() {
		defer close(projDone)
		if err := proj.Run(projCtx); err != nil && projCtx.Err() == nil {
			log.Error("projektoren stoppet / the projector stopped", "error", err)
		}
	}()
	st.undo = append(st.undo, func() { stopProj(); <-projDone })

	ts, err := devserver.Start(ctx, devserver.Options{
		DatabaseFile: filepath.Join(f.dataDir, "temporal.db"),
		FrontendPort: f.temporalPort,
		UIPort:       f.uiPort,
		Logger:       log,
		// The Web UI decodes the encrypted histories with the codec,
		// served on its own (loopback) address.
		Codec: payloads.Handler(),
		// What the workflows upsert: cases are found by reference, kind,
		// status, assignee and group in the CLI and the Web UI.
		SearchAttributes: workflows.SearchAttributes(),
	})
	if err != nil {
		return nil, fmt.Errorf("temporal: %w", err)
	}
	st.temporalServer = ts
	st.undo = append(st.undo, ts.Stop)

	tc, err := client.DialContext(ctx, payloads.ClientOptions(client.Options{
		HostPort:  ts.FrontendAddress(),
		Namespace: ts.Namespace(),
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		// The server is in this process, over loopback: gzip (the SDK's
		// default) would only cost CPU, and the payloads it would squeeze
		// are encrypted, so barely compress (docs/PERFORMANCE.md).
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}},
	}))
	if err != nil {
		return nil, fmt.Errorf("temporal client: %w", err)
	}
	st.temporal = tc
	st.undo = append(st.undo, tc.Close)

	outbox := filepath.Join(f.dataDir, "outbox")
	if f.smtpRelay != "" {
		outbox = "" // mail goes out by relay; nothing to empty here
	}
	acts, err := activities.New(store, activities.WithAssignment(rm, dir), activities.WithUsernames(dir),
		activities.WithPrivacy(activities.PrivacyOptions{Record: store, Keys: keys, Candidates: rm, OutboxDir: outbox,
			AttachmentDir: filepath.Join(f.dataDir, "attachments"), Engine: tc, Namespace: ts.Namespace()}))
	if err != nil {
		return nil, err
	}
	workerMetrics := worker.NewMetrics()
	w, err := worker.New(tc, acts, workerMetrics)
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	var workerUp atomic.Bool
	workerUp.Store(true)
	st.undo = append(st.undo, func() { workerUp.Store(false); w.Stop() })
	if err := worker.EnsureRetentionSchedule(ctx, tc, retention); err != nil {
		return nil, err
	}

	// Mail out: the notifications, as .eml files in the outbox, or through
	// a relay (a test server such as Mailpit) (docs/MAIL.md).
	var transport mail.Transport = mail.Outbox{Dir: filepath.Join(f.dataDir, "outbox")}
	if f.smtpRelay != "" {
		if transport, err = mail.NewRelay(f.smtpRelay, store); err != nil {
			return nil, fmt.Errorf("--smtp-relay: %w", err)
		}
	}
	log.Info("e-post ut / mail out", "via", mail.Describe(transport))
	// Events: the question, the resolution, the receipt's thread; PagesURL:
	// the mail links to the page to act on.
	dispatcher := mail.New(rm, dir, transport, mail.Options{Logger: log, Events: store, PagesURL: st.base})
	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	mailDone := make(chan struct{})
	go func() { defer close(mailDone); _ = dispatcher.Run(mailCtx) }()
	st.undo = append(st.undo, func() { stopMail(); <-mailDone })

	policy := workflows.DefaultCasePolicy()
	policy.AutoAssign = f.autoAssign
	// The application layer: every door (the JSON API, mail in) goes
	// through it.
	dk, err := desk.New(desk.Config{
		Workflows: desk.Temporal(tc),
		Record:    store,
		Directory: dir,
		Policy:    &policy,
		// Lists, notifications, reports and announcements come from the
		// read model.
		Lists: rm, Notifications: rm, Reports: rm, Announcements: rm,
		// Uploaded files, beside those that came by mail.
		Attachments: &attachments.Store{Dir: filepath.Join(f.dataDir, "attachments")},
		// A person's data, erasure, legal holds (docs/PRIVACY.md).
		Privacy: desk.TemporalPrivacy(tc), People: rm, Retention: &retention, Codec: payloads,
	})
	if err != nil {
		return nil, err
	}
	srv, err := api.New(api.Config{
		Desk:       dk,
		Collectors: slices.Concat(proj.Collectors(), dispatcher.Collectors(), workerMetrics.Collectors()),
		Auth:       api.DevTokens{Directory: dir, Store: store},
		Logger:     log,
		RateLimit:  f.rateLimit,
		Ready: func(ctx context.Context) error {
			if _, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
				return fmt.Errorf("temporal: %w", err)
			}
			if _, err := store.ReadAll(ctx, 0, 1, eventstore.Filter{}); err != nil {
				return fmt.Errorf("event store: %w", err)
			}
			if err := rm.Ping(ctx); err != nil {
				return fmt.Errorf("read model: %w", err)
			}
			if err := proj.Ready(ctx); err != nil {
				return fmt.Errorf("read model: %w", err)
			}
			if !workerUp.Load() {
				return errors.New("worker: stopped")
			}
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	// The web pages (web/): dev sign-in, sessions kept beside the read
	// model so a restart signs nobody out.
	sessions, err := session.OpenSQL(ctx, filepath.Join(f.dataDir, "readmodel.db"))
	if err != nil {
		return nil, fmt.Errorf("web sessions: %w", err)
	}
	st.undo = append(st.undo, func() { sessions.Close() })
	pages, err := web.New(web.Config{Directory: dir, Store: store, Desk: dk, Sessions: sessions, DevLogin: true,
		InsecureCookie: isLoopback(httpLn.Addr()), Live: broker, Logger: log.With("component", "web")})
	if err != nil {
		return nil, err
	}
	st.undo = append(st.undo, pages.Close)
	st.http = &http.Server{Handler: doors(srv, pages), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	// Live streams never end by themselves: closing the broker ends them,
	// so shutting down does not wait for them.
	st.http.RegisterOnShutdown(broker.Close)
	// Mail in listens before the HTTP address answers, so whoever waits
	// for /readyz finds the SMTP port open too.
	if f.smtpAddr != "off" {
		// Mail in: incidents and replies by mail (docs/MAIL.md).
		in, err := mailin.New(mailin.Options{Desk: dk, Users: dir, AttachmentDir: filepath.Join(f.dataDir, "attachments"),
			Auth: mailauth.Policy{TrustedRelays: f.trustedRelays}, Logger: log.With("component", "mailin")})
		if err != nil {
			return nil, err
		}
		smtpLn, err := net.Listen("tcp", f.smtpAddr)
		if err != nil {
			return nil, fmt.Errorf("--smtp-addr: %w", err)
		}
		go func() {
			if err := in.Serve(smtpLn); err != nil {
				log.Error("innkommende e-post stoppet / inbound SMTP stopped", "error", err)
			}
		}()
		st.undo = append(st.undo, func() { in.Close() })
		log.Info("tar imot e-post / inbound SMTP", "smtp-addr", smtpLn.Addr().String(), "to", directory.HelpDeskAddress,
			"trusted-relays", fmt.Sprint(f.trustedRelays))
	}
	go func() { st.serveErr <- st.http.Serve(httpLn) }()
	st.undo = append(st.undo, func() { broker.Close(); st.http.Close() })

	return st, nil
}

func printReady(out *os.File, base, uiAddr string, dir *directory.Directory) {
	fmt.Fprintf(out, "Brukerhjelp er klar / ready: %s/\n", base)
	fmt.Fprintln(out, "  Åpne i nettleseren og logg inn som en demobruker / open it in a browser and sign in as a demo user")
	fmt.Fprintf(out, "API: %s/api/v1\n", base)
	if uiAddr != "" {
		fmt.Fprintf(out, "Temporal Web UI: http://%s (its codec, for the temporal CLI's --codec-endpoint: http://%s%s)\n", uiAddr, uiAddr, devserver.CodecPath)
	}
	fmt.Fprintln(out, "Prøv som / try as:")
	for _, u := range dir.Users() {
		fmt.Fprintf(out, "  curl -s -H 'Authorization: Bearer dev:%s' %s/api/v1/me\n", u.Username, base)
	}
}

// embeddedGCPercent and embeddedMemoryLimit are the collector's settings
// for the embedded stack, unless GOGC or GOMEMLIMIT say otherwise. At
// Go's default (GOGC=100) the collector took a tenth of the process's
// CPU under load; at 200 it runs half as often, and 8 clients created
// 20% more cases a second (docs/PERFORMANCE.md). The soft limit makes it
// run more often instead as the heap nears it, so `dev` stays within its
// memory goal (under 1 GiB at a million cases) whatever GOGC lets the
// heap grow to.
// The limit counts Go's memory only, not SQLite's page caches beside it:
// on a million cases `bench --scale` peaked at 996 MiB with a limit of
// 768 MiB, at 791 MiB with 512 (820 MiB at GOGC=100 without a limit).
const (
	embeddedGCPercent   = 200
	embeddedMemoryLimit = 512 << 20
)

// embeddedWorkflowCache is how many workflows the embedded stack's
// worker keeps in memory between their steps, their goroutines blocked
// where they wait (the SDK's sticky cache; 10,000 by default). Each
// cached case is about 20 KB of heap and stacks that every collection
// marks; with 4,000 open cases in it the collector took a quarter of the
// CPU under the soft limit (docs/PERFORMANCE.md, "Issue #18, eighth pass"). A
// case that is not in the cache replays its history on its next step.
// Like history's cache beside it (devserver.HistoryCacheSize), it holds
// more than the cases a day's work touches.
const embeddedWorkflowCache = 1024

// tuneGC applies embeddedGCPercent unless GOGC is set, and
// embeddedMemoryLimit unless GOMEMLIMIT is.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(embeddedGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(embeddedMemoryLimit)
	}
}
