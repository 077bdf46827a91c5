// Package projection carries events from the event store to the read
// model. A forwarder reads the store's catch-up subscription from the
// read model's checkpoint and publishes each event, in global order, as a
// Watermill message; a Watermill router runs the projection handlers with
// retry, panic recovery, correlation IDs and a poison queue. Each handler
// writes its tables and its checkpoint in one transaction, so a crash
// anywhere never applies an event twice. docs/PROJECTIONS.md argues the
// design.
package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Topics and handler names.
const (
	// TopicEvents carries every event of the record in global order.
	TopicEvents = "events"
	// TopicPoisoned carries the events a handler could not apply.
	TopicPoisoned = "events.poisoned"
	// Cases names the cases-and-tasks projection and its checkpoint.
	Cases = "cases"
	// poisonRecorder names the handler that keeps poisoned events.
	poisonRecorder = "poison-recorder"
)

// Options tune a Projector; the zero value is fine for production.
type Options struct {
	Logger *slog.Logger
	// ProgressEvery logs progress after every so many live events (1000).
	ProgressEvery int
	// ProgressInterval logs progress while catching up at most this often
	// (5 s).
	ProgressInterval time.Duration
	// BatchSize is how many events one transaction applies while the
	// projector is far behind the record (500); 1 applies every event in
	// a transaction of its own.
	BatchSize int
	// MaxRetries is how often a failing event is retried before it is
	// poisoned (when it cannot succeed) or handed back for redelivery
	// (when it might: the database was busy or away). Default 5.
	MaxRetries int
	// RetryInitial and RetryMax bound the backoff between retries
	// (100 ms, 5 s).
	RetryInitial, RetryMax time.Duration
	// StalledAfter is how long the projection may keep failing before
	// Ready reports it (30 s).
	StalledAfter time.Duration
	// ID names this projector in Status and in the read model, where the
	// one holding the lease is recorded (hostname-pid).
	ID string
	// LeaseRetry is how often a projector standing by tries to take the
	// read model's lease, and how often the holder checks it still holds
	// it (2 s).
	LeaseRetry time.Duration
	// Groups tells notifications who works in a caseworker group
	// (notifications.go); nil tells group members nothing.
	Groups Groups
	// Audience tells who announcements concern (announcements.go); nil
	// tells nobody but the reporters of cases linked to an outage.
	Audience Audience
	// Live, if set, is told of every case and announcement change applied
	// live, after its commit (live.go): the web pages' live updates.
	Live Live
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
	if o.ID == "" {
		host, _ := os.Hostname()
		o.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.LeaseRetry <= 0 {
		o.LeaseRetry = 2 * time.Second
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 5 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 5
	}
	if o.RetryInitial <= 0 {
		o.RetryInitial = 100 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 5 * time.Second
	}
	if o.StalledAfter <= 0 {
		o.StalledAfter = 30 * time.Second
	}
}

// Projector keeps the read model up to date with the record.
type Projector struct {
	store eventstore.Store
	db    *readmodel.DB
	log   *slog.Logger
	opts  Options
	// groups: see Options.Groups; audience: Options.Audience.
	groups   Groups
	audience Audience

	running atomic.Bool
	// active: this projector holds the read model's lease; standby: it
	// waits for it.
	active, standby atomic.Bool
	// handled counts events this run handled, for progress logs.
	handled atomic.Int64
	// live is what the metrics say of events projected live (metrics.go).
	live liveMetrics

	mu sync.Mutex
	// failingSince is when the current run of failures of the projection
	// began; zero while it succeeds.
	failingSince time.Time
	lastErr      error

	// fault, set by tests before Run, runs inside the projection's
	// transaction after the case is written and before the commit.
	fault func(ctx context.Context, ev eventstore.RecordedEvent) error
}

// New builds a projector from the record to the read model.
func New(store eventstore.Store, db *readmodel.DB, opts Options) (*Projector, error) {
	if store == nil || db == nil {
		return nil, errors.New("projection: event store and read model are required")
	}
	opts.defaults()
	return &Projector{store: store, db: db, log: opts.Logger, opts: opts, groups: opts.Groups, audience: opts.Audience,
		live: newLiveMetrics()}, nil
}

// Run projects until ctx is done, then stops its router and forwarder and
// returns nil. It returns an error only when it cannot go on.
//
// Only one projector writes a read model: Run first takes the read
// model's lease (readmodel.Lead), standing by while another projector
// holds it, and projects only while it holds it. If the lease is lost
// (its database connection failed), it stops projecting and stands by
// again.
func (p *Projector) Run(ctx context.Context) error {
	for {
		standing := false
		lease, err := p.db.Lead(ctx, Cases, p.opts.ID, p.opts.LeaseRetry, func(err error) {
			if !standing {
				standing = true
				p.standby.Store(true)
				if err != nil {
					p.log.Warn("projection: cannot take the read model's lease; trying again", "error", err)
				} else {
					p.log.Info("projection: another projector keeps the read model; standing by", "projector", p.opts.ID)
				}
			}
		})
		if err != nil {
			p.standby.Store(false)
			return nil // ctx is done
		}
		p.standby.Store(false)
		p.active.Store(true)
		p.log.Info("projection: this projector keeps the read model", "projector", p.opts.ID, "database", p.db.Backend())
		leaseCtx, cancel := context.WithCancel(ctx)
		lost := make(chan struct{})
		go func() {
			select {
			case <-lease.Lost():
				close(lost)
				cancel()
			case <-leaseCtx.Done():
			}
		}()
		err = p.run(leaseCtx)
		cancel()
		p.active.Store(false)
		lease.Release()
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-lost:
			p.log.Warn("projection: lost the read model's lease; standing by", "projector", p.opts.ID)
			continue
		default:
		}
		return err
	}
}

// run projects until ctx is done.
func (p *Projector) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Watermill's own Info lines (handler started, subscriber closed) are
	// plumbing; keep them at Debug.
	wlog := watermill.NewSlogLoggerWithLevelMapping(p.log, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	// One message in flight at a time: Publish returns only once the
	// handler acknowledged, so events are applied in global order, and
	// the forwarder never runs ahead of the checkpoint.
	pubsub := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 0, BlockPublishUntilSubscriberAck: true}, wlog)
	defer pubsub.Close()

	router, err := p.router(pubsub, wlog)
	if err != nil {
		return err
	}
	routerDone := make(chan error, 1)
	go func() { routerDone <- router.Run(ctx) }()
	select {
	case <-router.Running():
	case err := <-routerDone:
		return fmt.Errorf("projection: router: %w", err)
	}

	p.running.Store(true)
	defer p.running.Store(false)
	forwardDone := make(chan error, 1)
	go func() { forwardDone <- p.forward(ctx, pubsub) }()

	var (
		runErr                error
		forwarded, routerDied bool
	)
	select {
	case err := <-forwardDone:
		forwarded = true
		if ctx.Err() == nil {
			runErr = fmt.Errorf("projection: forwarder: %w", err)
		}
	case err := <-routerDone:
		routerDied = true
		if ctx.Err() == nil {
			runErr = errors.New("projection: the router stopped by itself")
			if err != nil {
				runErr = fmt.Errorf("projection: the router stopped: %w", err)
			}
		}
	}
	p.running.Store(false)
	cancel()
	// Closing the pub/sub releases a Publish waiting for an ack that will
	// not come; that event is delivered again from the checkpoint next
	// time.
	if err := router.Close(); err != nil {
		p.log.Warn("projection: closing the router", "error", err)
	}
	pubsub.Close()
	if !forwarded {
		<-forwardDone
	}
	if !routerDied {
		<-routerDone
	}
	return runErr
}

// router wires the handlers and their middleware.
func (p *Projector) router(pubsub *gochannel.GoChannel, wlog watermill.LoggerAdapter) (*message.Router, error) {
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, wlog)
	if err != nil {
		return nil, fmt.Errorf("projection: router: %w", err)
	}
	poisonQueue, err := middleware.PoisonQueueWithFilter(pubsub, TopicPoisoned, cannotSucceed)
	if err != nil {
		return nil, fmt.Errorf("projection: poison queue: %w", err)
	}
	retry := middleware.Retry{
		MaxRetries:          p.opts.MaxRetries,
		InitialInterval:     p.opts.RetryInitial,
		MaxInterval:         p.opts.RetryMax,
		Multiplier:          2,
		RandomizationFactor: 0.2,
		// Bad data fails the same way every time; do not wait for it.
		ShouldRetry: func(r middleware.RetryParams) bool { return !isPoison(r.Err) },
		Logger:      wlog,
	}
	// Middleware runs in the order given. Recoverer sits innermost so a
	// panic becomes an error that Retry retries and the poison queue
	// catches; the poison queue sits outside Retry so it sees only the
	// final failure.
	cases := router.AddNoPublisherHandler(Cases, TopicEvents, pubsub, p.handleCase)
	cases.AddMiddleware(middleware.CorrelationID, poisonQueue, retry.Middleware, middleware.Recoverer)
	// The recorder has no poison queue of its own: if it cannot write, the
	// message is redelivered until it can, and the projection waits.
	recorder := router.AddNoPublisherHandler(poisonRecorder, TopicPoisoned, pubsub, p.recordPoisoned)
	recorder.AddMiddleware(middleware.CorrelationID, retry.Middleware, middleware.Recoverer)
	return router, nil
}

// Status is what the projector is doing.
type Status struct {
	Running bool `json:"running"`
	// Projector names this projector; Active is true while it holds the
	// read model's lease and keeps it, Standby while another does.
	// ActiveProjector names the one that holds it (as last recorded).
	Projector       string `json:"projector"`
	Active          bool   `json:"active"`
	Standby         bool   `json:"standby"`
	ActiveProjector string `json:"activeProjector,omitempty"`
	readmodel.Stats
	// LastError is the current failure, while the projection keeps
	// failing.
	LastError    string    `json:"lastError,omitempty"`
	FailingSince time.Time `json:"failingSince,omitzero"`
}

// Status reports the projector's state and progress.
func (p *Projector) Status(ctx context.Context) (Status, error) {
	st, err := p.db.Stats(ctx, Cases)
	if err != nil {
		return Status{}, fmt.Errorf("projection: %w", err)
	}
	holder, err := p.db.ActiveProjector(ctx, Cases)
	if err != nil {
		return Status{}, fmt.Errorf("projection: %w", err)
	}
	s := Status{Running: p.running.Load(), Stats: st, Projector: p.opts.ID, Active: p.active.Load(),
		Standby: p.standby.Load(), ActiveProjector: holder}
	p.mu.Lock()
	if p.lastErr != nil {
		s.LastError, s.FailingSince = p.lastErr.Error(), p.failingSince
	}
	p.mu.Unlock()
	return s, nil
}

// Ready reports why the read model cannot be trusted, if it cannot: the
// projector is not running, has been failing for a while, or has
// poisoned events (the read model misses them until it is rebuilt).
func (p *Projector) Ready(ctx context.Context) error {
	s, err := p.Status(ctx)
	if err != nil {
		return err
	}
	switch {
	case s.Standby:
		// Another projector keeps the read model.
		return nil
	case !s.Running:
		return errors.New("projector: not running")
	case s.LastError != "" && time.Since(s.FailingSince) > p.opts.StalledAfter:
		return fmt.Errorf("projector: stalled at position %d since %s: %s", s.Position, s.FailingSince.Format(time.RFC3339), s.LastError)
	case s.Poisoned > 0:
		return fmt.Errorf("projector: %d poisoned events (see the poisoned table; fix the cause and rebuild)", s.Poisoned)
	}
	return nil
}

// failed and succeeded track a run of failures for Ready.
func (p *Projector) failed(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lastErr == nil {
		p.failingSince = time.Now()
	}
	p.lastErr = err
}

func (p *Projector) succeeded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr, p.failingSince = nil, time.Time{}
}
