// Package sqlitestore is the embedded event store: one SQLite file (WAL) with
// the same semantics as the EventStoreDB backend. One goroutine writes, with
// group commit: appends that arrive while a transaction is being committed
// wait for it and then go together in the next one, so many concurrent
// appenders share one fsync. Reads use their own connection pool and never
// wait for the writer.
//
// Only one Store should write a file at a time: subscriptions learn about new
// events from the writer goroutine, not from the file.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Synchronous is SQLite's durability setting for commits.
type Synchronous string

const (
	// SyncFull fsyncs the WAL on every commit: an acknowledged append
	// survives power loss. The default.
	SyncFull Synchronous = "FULL"
	// SyncNormal fsyncs only at checkpoints. The database stays consistent
	// after a crash and nothing is lost if only the process dies, but the
	// last acknowledged appends can vanish on power loss or an OS crash.
	// Fine for demos and tests, not for the record of a real help desk.
	SyncNormal Synchronous = "NORMAL"
)

type config struct {
	sync        Synchronous
	busyTimeout time.Duration
	readConns   int
	maxBatch    int
	maxBatchLen int
	cacheKiB    int
}

// Option changes how Open sets up the store.
type Option func(*config)

// WithSynchronous sets the commit durability; see SyncFull and SyncNormal.
func WithSynchronous(s Synchronous) Option { return func(c *config) { c.sync = s } }

// WithBusyTimeout sets how long a statement waits for a lock held by another
// connection (another process, or a checkpoint) before failing with
// SQLITE_BUSY. Default 5s.
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read connection pool. Default 4.
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// WithMaxBatch caps how many appends share one transaction. Default 512.
func WithMaxBatch(n int) Option { return func(c *config) { c.maxBatch = n } }

// WithWriteCache sets the page cache of the writer's connection, in KiB
// (SQLite's default is 2,000 KiB): a bulk writer (brukerhjelp seed) keeps
// the indexes of millions of events in memory instead of reading their
// pages back for every insert.
func WithWriteCache(kib int) Option { return func(c *config) { c.cacheKiB = kib } }

// Store is the SQLite event store. It implements eventstore.Store.
type Store struct {
	cfg     config
	writeDB *sql.DB
	wconn   *sql.Conn
	readDB  *sql.DB
	stmts   writeStmts

	// mu guards closed against concurrent sends on reqs, so Close can
	// close reqs without racing an Append.
	mu         sync.RWMutex
	closed     bool
	reqs       chan *appendReq
	writerDone chan struct{}
	closing    chan struct{}
	closeOnce  sync.Once
	closeErr   error

	// committed is the position of the last committed event. It is raised
	// before notify is closed, so a subscriber that reads it and then finds
	// nothing new knows every position up to it is already visible.
	committed atomic.Uint64
	notifyMu  sync.Mutex
	notify    chan struct{} // closed and replaced after every commit

	// commits counts committed transactions, so tests can see group
	// commit at work.
	commits atomic.Uint64
}

var _ eventstore.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS events (
	position    INTEGER PRIMARY KEY AUTOINCREMENT,
	stream      TEXT    NOT NULL,
	revision    INTEGER NOT NULL,
	id          TEXT    NOT NULL UNIQUE,
	type        TEXT    NOT NULL,
	data        BLOB    NOT NULL,
	metadata    BLOB    NOT NULL,
	recorded_at INTEGER NOT NULL, -- unix nanoseconds, UTC
	hash        TEXT    NOT NULL,
	prev_hash   TEXT    NOT NULL,
	UNIQUE (stream, revision)
);`

// Open opens or creates the store in the SQLite file at path.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{
		sync:        SyncFull,
		busyTimeout: 5 * time.Second,
		readConns:   4,
		maxBatch:    512,
		maxBatchLen: 32 << 20,
	}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case path == "":
		return nil, errors.New("sqlitestore: empty path")
	case strings.ContainsRune(path, '?'):
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("sqlitestore: path %q must not contain '?'", path)
	case cfg.sync != SyncFull && cfg.sync != SyncNormal:
		return nil, fmt.Errorf("sqlitestore: synchronous %q: want FULL or NORMAL", cfg.sync)
	case cfg.readConns < 1 || cfg.maxBatch < 1:
		return nil, errors.New("sqlitestore: read conns and max batch must be at least 1")
	}

	s := &Store{
		cfg:        cfg,
		reqs:       make(chan *appendReq, cfg.maxBatch),
		writerDone: make(chan struct{}),
		closing:    make(chan struct{}),
		notify:     make(chan struct{}),
	}
	ctx := context.Background()
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", cfg.busyTimeout.Milliseconds())

	var err error
	s.writeDB, err = sql.Open("sqlite", path+"?"+busy+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous("+string(cfg.sync)+")"+
		// Keeps the savepoint journal of a multi-event append in memory
		// instead of spilling it to a temporary file.
		"&_pragma=temp_store(MEMORY)"+cacheSize(cfg.cacheKiB))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	// The writer goroutine is the only user of this pool.
	s.writeDB.SetMaxOpenConns(1)
	s.writeDB.SetConnMaxLifetime(0)
	s.wconn, err = s.writeDB.Conn(ctx)
	if err != nil {
		s.writeDB.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	if _, err := s.wconn.ExecContext(ctx, schema); err != nil {
		s.wconn.Close()
		s.writeDB.Close()
		return nil, fmt.Errorf("sqlitestore: create schema in %s: %w", path, err)
	}
	if err := s.stmts.prepare(ctx, s.wconn); err != nil {
		s.stmts.close()
		s.wconn.Close()
		s.writeDB.Close()
		return nil, fmt.Errorf("sqlitestore: prepare statements: %w", err)
	}

	s.readDB, err = sql.Open("sqlite", path+"?"+busy+"&_pragma=query_only(1)&_pragma=mmap_size(268435456)")
	if err != nil {
		s.closeWriter()
		return nil, fmt.Errorf("sqlitestore: open %s for reading: %w", path, err)
	}
	s.readDB.SetMaxOpenConns(cfg.readConns)
	s.readDB.SetMaxIdleConns(cfg.readConns)

	var last sql.NullInt64
	if err := s.readDB.QueryRowContext(ctx, `SELECT max(position) FROM events`).Scan(&last); err != nil {
		s.readDB.Close()
		s.closeWriter()
		return nil, fmt.Errorf("sqlitestore: read head of %s: %w", path, err)
	}
	s.committed.Store(uint64(last.Int64))

	go s.writeLoop()
	return s, nil
}

func cacheSize(kib int) string {
	if kib <= 0 {
		return ""
	}
	return fmt.Sprintf("&_pragma=cache_size(-%d)", kib)
}

func (s *Store) closeWriter() {
	s.stmts.close()
	s.wconn.Close()
	s.writeDB.Close()
}

// Close finishes the appends already queued, stops the writer, ends every
// subscription and closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.mu.Lock()
		s.closed = true
		close(s.reqs)
		s.mu.Unlock()
		<-s.writerDone
		s.closeErr = errors.Join(s.stmts.close(), s.wconn.Close(), s.writeDB.Close(), s.readDB.Close())
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("sqlitestore: close: %w", s.closeErr)
		}
	})
	return s.closeErr
}

// waitChan returns the channel closed by the next commit.
func (s *Store) waitChan() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

func (s *Store) broadcast(position uint64) {
	// Only ever raise it: a subscriber may have raised it further from
	// another process's appends (refreshCommitted).
	for {
		cur := s.committed.Load()
		if position <= cur || s.committed.CompareAndSwap(cur, position) {
			break
		}
	}
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}
