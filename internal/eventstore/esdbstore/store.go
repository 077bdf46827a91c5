// Package esdbstore is the production event store: EventStoreDB (or
// KurrentDB) through its gRPC client, with the same semantics as the SQLite
// store, checked by the same conformance suite.
//
// The hash chain is kept by this client, not the server: each new event's
// hash and previous hash go in the event's metadata, wrapped around the
// caller's metadata ({"hash":…,"prevHash":…,"m":<caller's metadata>}).
// Reads unwrap it again. The optimistic-concurrency check of the append
// makes computing the chain from the head read before safe: if another
// writer got in between, the server refuses the append.
//
// What the server does not do, the store does:
//
//   - Event IDs at the head. The server takes an append at the stream's
//     current revision without looking at its IDs, so an ID stored earlier
//     in the stream would be written again. The store remembers, per
//     stream, the IDs it has seen there (reading only what it has not
//     seen, see heads) and refuses such an append with ErrIDConflict, as
//     the SQLite store does.
//   - The leader. Client v4.2.0 puts its requires-leader header in the
//     wrong (incoming) metadata, so it is never sent; the store sends it
//     on every call, so reads of a head and read-backs never come from a
//     lagging follower, and refuses node preferences other than leader.
//   - Outages. When v4.2.0's reconnect fails it closes itself for good
//     (every later call: ErrorCodeConnectionClosed), and calls waiting to
//     talk to it at that moment may never return. The store owns the
//     connection: it runs every call in a goroutine of its own, so a
//     caller waits no longer than its context; when a call finds the
//     connection failed or the client closed, it replaces the client with
//     a new one, connecting with backoff and checking the server's version
//     each time; meanwhile calls fail with eventstore.ErrUnavailable and
//     Ready says why. eventstore.ErrClosed means Close was called.
//   - Reading only what is needed. An append reads the events after the
//     head it knows (normally none), not the last event; a ReadAll of some
//     streams is filtered by the server.
//   - Deadlines. The client cuts every append at 10 s (or defaultDeadline=)
//     whatever the caller's context says; the store passes the caller's
//     deadline. An append that times out or loses its connection may have
//     been written: the store settles it by reading the stream back.
//   - Old servers. Before 22.6 stream reads carry no $all positions; the
//     store refuses to work with such a server (ErrUnsupportedServer).
//
// Positions are $all commit positions. Events appended through gRPC are
// committed one by one, so each has its own commit position, equal to its
// prepare position.
package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// ErrUnsupportedServer means the server is older than MinServerVersion,
// or does not say its version. The store refuses it rather than work with
// positions it cannot trust.
var ErrUnsupportedServer = errors.New("EventStoreDB server version not supported")

// MinServerVersion is the oldest server the store works with: before
// 22.6, stream reads carry no $all positions (commit and prepare are
// both the largest uint64), and every position the store reports comes
// from them (docs/OPERATIONS.md).
var MinServerVersion = esdb.ServerVersion{Major: 22, Minor: 6}

// Store is the EventStoreDB event store. It implements eventstore.Store.
type Store struct {
	cfg     esdb.Configuration
	opts    options
	met     metrics
	heads   *heads
	closing chan struct{}
	once    sync.Once

	mu  sync.Mutex
	cur *conn // nil while (re)connecting
	// ready is closed when cur is set; a new one is made when it is lost.
	ready     chan struct{}
	dialing   bool
	closed    bool
	lastErr   error     // why the last connection attempt failed or the last one was lost
	downSince time.Time // since when cur is nil
	connected bool      // a connection was made at least once
}

var _ eventstore.Store = (*Store)(nil)

// conn is one client and the calls using it.
type conn struct {
	client   *esdb.Client
	version  esdb.ServerVersion
	lost     chan struct{} // closed when the client has given up
	lostOnce sync.Once
	inflight sync.WaitGroup
}

type options struct {
	log                    *slog.Logger
	minBackoff, maxBackoff time.Duration
	connectTimeout         time.Duration
	waitConnected          time.Duration
	settleTimeout          time.Duration
}

// Option changes how Open sets up the store.
type Option func(*options)

// WithLogger logs connection losses and recoveries to l (default: slog's
// default logger).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithReconnectBackoff sets the pause between connection attempts after
// an outage: first, doubling up to most (default 100 ms to 5 s).
func WithReconnectBackoff(first, most time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = first, most }
}

// WithConnectWait sets how long a call waits for a connection that is
// being made before it fails with eventstore.ErrUnavailable (default 5 s).
func WithConnectWait(d time.Duration) Option { return func(o *options) { o.waitConnected = d } }

// Open returns a store for the server at connString, e.g.
// esdb://localhost:2113?tls=false or kurrentdb://admin:changeit@host:2113
// (Schemes lists the accepted schemes). It does not connect: the first
// call (or WaitConnected, or Ready) starts connecting, in the background,
// and the store goes on trying while the server is down, so a process may
// start before its database.
func Open(connString string, opts ...Option) (*Store, error) {
	cfg, err := parseConnString(connString)
	if err != nil {
		return nil, fmt.Errorf("esdbstore: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("esdbstore: %w", err)
	}
	o := options{log: slog.Default(), minBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
		connectTimeout: 30 * time.Second, waitConnected: 5 * time.Second, settleTimeout: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	log := o.log
	// Every error the client logs also comes back to the caller as an
	// error (and Close logs a "dropped" subscription as an error): keep
	// its log for debugging only.
	cfg.Logger = func(level esdb.LogLevel, format string, args ...any) {
		log.Debug("esdb client: "+fmt.Sprintf(format, args...), "level", level)
	}
	return &Store{cfg: *cfg, opts: o, met: newMetrics(), heads: newHeads(maxHeadStreams, maxHeadIDs),
		closing: make(chan struct{}), ready: make(chan struct{}), downSince: time.Now()}, nil
}

// Close closes the connection. Every call after it, and every call and
// subscription still running, fails with eventstore.ErrClosed.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.closing)
		s.mu.Lock()
		c := s.cur
		s.cur, s.closed = nil, true
		s.mu.Unlock()
		s.met.connected.Set(0)
		if c != nil {
			c.retire(time.Second)
		}
	})
	return nil
}

// retire closes the client once no call uses it, waiting up to wait for
// that. The client closes a channel its calls send on: closing it under a
// call that is waiting to send would make that call panic.
func (c *conn) retire(wait time.Duration) {
	done := make(chan struct{})
	go func() {
		c.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		c.client.Close()
	case <-time.After(wait):
		go func() {
			<-done
			c.client.Close()
		}()
	}
}

// dialLocked starts the connection loop unless it runs (s.mu is held).
func (s *Store) dialLocked() {
	if s.dialing || s.closed || s.cur != nil {
		return
	}
	s.dialing = true
	go s.dial()
}

// dial makes connections until one works or the store is closed, pausing
// between attempts (doubling, with jitter).
func (s *Store) dial() {
	pause := s.opts.minBackoff
	for attempt := 1; ; attempt++ {
		c, err := s.connect()
		s.mu.Lock()
		if s.closed {
			s.dialing = false
			s.mu.Unlock()
			if c != nil {
				c.retire(0)
			}
			return
		}
		if err == nil {
			again, down := s.connected || attempt > 1, time.Since(s.downSince)
			s.cur, s.lastErr, s.dialing, s.connected = c, nil, false, true
			close(s.ready)
			s.mu.Unlock()
			s.met.connected.Set(1)
			v := fmt.Sprintf("%d.%d.%d", c.version.Major, c.version.Minor, c.version.Patch)
			if again {
				s.met.reconnects.Inc()
				s.opts.log.Info("event store: connected again", "server", v, "after", down.Round(time.Millisecond).String(), "attempts", attempt)
			} else {
				s.opts.log.Info("event store: connected", "server", v)
			}
			return
		}
		s.lastErr = err
		s.mu.Unlock()
		s.met.failures.Inc()
		if attempt == 1 || attempt%10 == 0 {
			s.opts.log.Warn("event store: cannot connect; trying again", "attempt", attempt, "error", err)
		}
		jittered := pause/2 + rand.N(pause)
		select {
		case <-s.closing:
		case <-time.After(jittered):
		}
		pause = min(2*pause, s.opts.maxBackoff)
	}
}

// connect makes a client and has it connect (discovery) by asking the
// server's version, which it then checks.
func (s *Store) connect() (*conn, error) {
	cfg := s.cfg
	client, err := esdb.NewClient(&cfg)
	if err != nil {
		return nil, err
	}
	type answer struct {
		v   *esdb.ServerVersion
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		v, err := client.GetServerVersion()
		ch <- answer{v, err}
	}()
	// The client may still be talking to its connection goroutine: close
	// it only once GetServerVersion has returned.
	closeLater := func() {
		go func() {
			<-ch
			client.Close()
		}()
	}
	select {
	case a := <-ch:
		if a.err == nil {
			a.err = checkVersion(a.v)
		}
		if a.err != nil {
			client.Close()
			return nil, a.err
		}
		return &conn{client: client, version: *a.v, lost: make(chan struct{})}, nil
	case <-time.After(s.opts.connectTimeout):
		closeLater()
		return nil, fmt.Errorf("no connection within %s", s.opts.connectTimeout)
	case <-s.closing:
		closeLater()
		return nil, eventstore.ErrClosed
	}
}

func checkVersion(v *esdb.ServerVersion) error {
	switch {
	case v == nil || (v.Major == 0 && v.Minor == 0 && v.Patch == 0):
		return fmt.Errorf("%w: the server does not say its version (EventStoreDB before 21.10); Brukerhjelp needs %d.%d or later",
			ErrUnsupportedServer, MinServerVersion.Major, MinServerVersion.Minor)
	case v.Major < MinServerVersion.Major || (v.Major == MinServerVersion.Major && v.Minor < MinServerVersion.Minor):
		return fmt.Errorf("%w: EventStoreDB %d.%d.%d: its stream reads carry no $all positions; Brukerhjelp needs %d.%d or later",
			ErrUnsupportedServer, v.Major, v.Minor, v.Patch, MinServerVersion.Major, MinServerVersion.Minor)
	}
	return nil
}

// lose retires c after its client gave up, and starts a new connection.
func (s *Store) lose(c *conn, cause error) {
	s.mu.Lock()
	if s.cur == c {
		s.cur, s.lastErr, s.downSince = nil, cause, time.Now()
		s.ready = make(chan struct{})
		s.dialLocked()
		s.mu.Unlock()
		s.met.connected.Set(0)
		s.met.lost.Inc()
		s.opts.log.Warn("event store: connection lost; reconnecting", "error", cause)
	} else {
		s.mu.Unlock()
	}
	c.lostOnce.Do(func() {
		close(c.lost)
		go func() {
			c.inflight.Wait()
			c.client.Close()
		}()
	})
}

// errNotSent marks an error from before a call reached the client: the
// call did nothing on the server.
var errNotSent = errors.New("not sent")

// use returns a connected client, waiting a while for one being made.
// The caller must call c.inflight.Done when done with it.
func (s *Store) use(ctx context.Context) (*conn, error) {
	var timeout <-chan time.Time
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w (%w)", eventstore.ErrClosed, errNotSent)
		}
		if c := s.cur; c != nil {
			c.inflight.Add(1)
			s.mu.Unlock()
			return c, nil
		}
		s.dialLocked()
		ready, lastErr, since := s.ready, s.lastErr, s.downSince
		s.mu.Unlock()
		if errors.Is(lastErr, ErrUnsupportedServer) {
			return nil, fmt.Errorf("%w (%w)", lastErr, errNotSent)
		}
		if timeout == nil {
			t := time.NewTimer(s.opts.waitConnected)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ready:
			continue
		case <-s.closing:
			continue
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a connection: %w (%w, %w)", ctx.Err(), eventstore.ErrUnavailable, errNotSent)
		case <-timeout:
			return nil, fmt.Errorf("not connected to EventStoreDB (since %s; %v): %w (%w)",
				since.UTC().Format(time.RFC3339), lastErr, eventstore.ErrUnavailable, errNotSent)
		}
	}
}

// call runs op on a connected client, in a goroutine of its own: the
// client can block a call for good (see the package doc), and the caller
// must not wait longer than its ctx. Every call asks for the leader.
func call[T any](s *Store, ctx context.Context, op func(ctx context.Context, c *esdb.Client) (T, error)) (T, error) {
	var zero T
	c, err := s.use(ctx)
	if err != nil {
		return zero, err
	}
	// The client builds its call context from this one; outgoing metadata
	// is what gRPC sends.
	octx := metadata.AppendToOutgoingContext(ctx, "requires-leader", "true")
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer c.inflight.Done()
		v, err := op(octx, c.client)
		done <- result{v, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		// gRPC ends the call soon after its context; wait a little for
		// its own answer, which may say more than "cancelled".
		select {
		case r = <-done:
		case <-time.After(time.Second):
			return zero, ctx.Err()
		}
	case <-c.lost:
		return zero, fmt.Errorf("the client gave up its connection: %w", eventstore.ErrUnavailable)
	case <-s.closing:
		return zero, eventstore.ErrClosed
	}
	if r.err != nil {
		switch {
		case code(r.err) == esdb.ErrorCodeConnectionClosed:
			select {
			case <-s.closing:
				return zero, eventstore.ErrClosed
			default:
			}
			// The client gave up for good; the call never left it.
			s.lose(c, r.err)
			return zero, fmt.Errorf("%w (%v; %w)", eventstore.ErrUnavailable, r.err, errNotSent)
		case code(r.err) == esdb.ErrorUnavailable || status.Code(r.err) == codes.Unavailable:
			// The connection failed. A new client connects as soon as the
			// server is back; the old one's gRPC connection would retry on
			// its own backoff (up to two minutes), and the client only
			// notices for some calls. The call itself may still have
			// reached the server: the caller settles that.
			s.lose(c, r.err)
		}
	}
	return r.v, r.err
}

// WaitConnected waits until the store is connected, ctx is done, or the
// server was refused (ErrUnsupportedServer). A process calls it at start
// to refuse a server it cannot work with.
func (s *Store) WaitConnected(ctx context.Context) error {
	for {
		s.mu.Lock()
		s.dialLocked()
		cur, closed, ready, lastErr := s.cur, s.closed, s.ready, s.lastErr
		s.mu.Unlock()
		switch {
		case closed:
			return fmt.Errorf("esdbstore: %w", eventstore.ErrClosed)
		case cur != nil:
			return nil
		case errors.Is(lastErr, ErrUnsupportedServer):
			return lastErr
		}
		select {
		case <-ready:
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("esdbstore: not connected: %v: %w", lastErr, ctx.Err())
			}
			return fmt.Errorf("esdbstore: not connected: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond): // a failed attempt sets lastErr
		}
	}
}

// Ready reports whether the store can serve: connected, and the server
// answers a read of one event. While the store reconnects it says so at
// once, with what went wrong and since when.
func (s *Store) Ready(ctx context.Context) error {
	s.mu.Lock()
	s.dialLocked()
	cur, closed, lastErr, since := s.cur, s.closed, s.lastErr, s.downSince
	s.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("esdbstore: %w", eventstore.ErrClosed)
	case cur == nil && lastErr == nil:
		return fmt.Errorf("esdbstore: connecting (since %s): %w", since.UTC().Format(time.RFC3339), eventstore.ErrUnavailable)
	case cur == nil && errors.Is(lastErr, ErrUnsupportedServer):
		return fmt.Errorf("esdbstore: %w", lastErr)
	case cur == nil:
		return fmt.Errorf("esdbstore: not connected (since %s): %v: %w", since.UTC().Format(time.RFC3339), lastErr, eventstore.ErrUnavailable)
	}
	_, err := s.Head(ctx)
	return err
}

// metrics are the store's Prometheus collectors (Collectors).
type metrics struct {
	connected                  prometheus.Gauge
	reconnects, lost, failures prometheus.Counter
}

func newMetrics() metrics {
	return metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "brukerhjelp_eventstore_connected",
			Help: "1 while the EventStoreDB client is connected, 0 while it (re)connects."}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_eventstore_reconnects_total",
			Help: "Connections to EventStoreDB made again after one was lost or could not be made."}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_eventstore_connections_lost_total",
			Help: "Times the EventStoreDB client gave up its connection and was replaced."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_eventstore_connect_failures_total",
			Help: "Connection attempts to EventStoreDB that failed (server down, unreachable, or refused for its version)."}),
	}
}

// Collectors returns the store's metrics, for the process's registry.
func (s *Store) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.met.connected, s.met.reconnects, s.met.lost, s.met.failures}
}

func toESDB(e eventstore.ExpectedRevision) esdb.ExpectedRevision {
	if e.IsNoStream() {
		return esdb.NoStream{}
	}
	return esdb.Revision(e.Revision())
}

// code is the client's error code of err, ErrorCodeUnknown if none.
func code(err error) esdb.ErrorCode {
	var esErr *esdb.Error
	if errors.As(err, &esErr) {
		return esErr.Code()
	}
	return esdb.ErrorCodeUnknown
}

// mapErr turns client errors into the eventstore sentinels.
func mapErr(ctx context.Context, op string, err error) error {
	if errors.Is(err, eventstore.ErrClosed) || errors.Is(err, eventstore.ErrUnavailable) || errors.Is(err, ErrUnsupportedServer) {
		return fmt.Errorf("esdbstore: %s: %w", op, err) // already ours
	}
	c := code(err)
	if c == esdb.ErrorCodeUnknown {
		// Errors the client passes on as it got them (reads, subscriptions).
		switch status.Code(err) {
		case codes.Unavailable:
			c = esdb.ErrorUnavailable
		case codes.DeadlineExceeded:
			c = esdb.ErrorCodeDeadlineExceeded
		case codes.NotFound:
			c = esdb.ErrorCodeResourceNotFound
		}
	}
	return mapCode(ctx, op, c, err)
}

// mapCode maps by the client's error code. A done ctx wins: the gRPC layer
// reports it in its own words.
func mapCode(ctx context.Context, op string, code esdb.ErrorCode, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("esdbstore: %s: %w (%v)", op, ctxErr, err)
	}
	switch code {
	case esdb.ErrorCodeWrongExpectedVersion:
		return fmt.Errorf("esdbstore: %s: %w: %v", op, eventstore.ErrWrongExpectedRevision, err)
	case esdb.ErrorCodeResourceNotFound:
		return fmt.Errorf("esdbstore: %s: %w", op, eventstore.ErrStreamNotFound)
	case esdb.ErrorCodeStreamDeleted:
		return fmt.Errorf("esdbstore: %s: deleted for good (tombstone): %w", op, eventstore.ErrStreamNotFound)
	case esdb.ErrorCodeDeadlineExceeded:
		return fmt.Errorf("esdbstore: %s: %w (%v)", op, context.DeadlineExceeded, err)
	case esdb.ErrorCodeConnectionClosed, esdb.ErrorUnavailable, esdb.ErrorCodeNotLeader:
		return fmt.Errorf("esdbstore: %s: %w (%v)", op, eventstore.ErrUnavailable, err)
	}
	if status.Code(err) == codes.InvalidArgument {
		// What the server refuses as malformed it refuses every time, e.g.
		// an append over its MaxAppendSize setting.
		return fmt.Errorf("esdbstore: %s: refused by the server: %v: %w", op, err, eventstore.ErrInvalidEvent)
	}
	return fmt.Errorf("esdbstore: %s: %w", op, err)
}

func isWrongExpectedVersion(err error) bool {
	return code(err) == esdb.ErrorCodeWrongExpectedVersion
}
