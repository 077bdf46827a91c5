package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/api"
	"github.com/brukerhjelp/brukerhjelp/internal/config"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/worker"
)

// prodDeps is what both production processes open from their settings.
type prodDeps struct {
	cfg   config.Config
	log   *slog.Logger
	dir   *directory.Directory
	store eventstore.Store
	rm    *readmodel.DB
	tc    client.Client
}

func openProd(ctx context.Context, role config.Role) (*prodDeps, func(), error) {
	cfg, err := config.Load(role, os.Getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("process", string(role))
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
	if p, ok := strings.CutPrefix(cfg.EventStoreURL, "sqlite:"); ok {
		d.store, err = sqlitestore.Open(p)
	} else {
		d.store, err = esdbstore.Open(cfg.EventStoreURL)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("EVENTSTORE_URL: %w", err)
	}
	closers = append(closers, func() { d.store.Close() })
	p, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:")
	if !ok {
		closeAll()
		return nil, nil, errors.New("DATABASE_URL: the PostgreSQL read model is not available yet; use sqlite:<path>")
	}
	if d.rm, err = readmodel.Open(ctx, p); err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	closers = append(closers, func() { d.rm.Close() })
	d.tc, err = client.DialContext(ctx, client.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace,
		Logger: sdklog.NewStructuredLogger(log.With("component", "temporal-client"))})
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
	acts, err := activities.New(d.store, activities.WithAssignment(d.rm, d.dir))
	if err != nil {
		return err
	}
	w, err := worker.New(d.tc, acts)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
	d.log.Info("worker started")
	<-ctx.Done()
	return nil
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
	proj, err := projection.New(d.store, d.rm, projection.Options{Logger: d.log, Groups: d.dir, Audience: d.dir})
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
	srv, err := api.New(api.Config{
		Temporal: d.tc, Store: d.store, Directory: d.dir, Auth: auth, Logger: d.log,
		Lists: d.rm, Notifications: d.rm, Announcements: d.rm, Collectors: proj.Collectors(),
		Ready: func(ctx context.Context) error {
			if _, err := d.tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
				return fmt.Errorf("temporal: %w", err)
			}
			if _, err := d.store.ReadAll(ctx, 0, 1, eventstore.Filter{}); err != nil {
				return fmt.Errorf("event store: %w", err)
			}
			return proj.Ready(ctx)
		},
	})
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelWarn)}
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
