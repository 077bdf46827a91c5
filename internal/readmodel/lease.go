package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Lease is the right to write a projection: one projector at a time keeps
// a read model. On PostgreSQL, where several API processes share one read
// model, it is a session-level advisory lock held on a connection of its
// own: when the holder stops, or dies and its connection closes, the
// server releases it and a projector standing by takes over. A SQLite
// read model is a file of one process, so its lease is granted at once.
type Lease struct {
	conn     *sql.Conn // nil on SQLite
	lost     chan struct{}
	stop     chan struct{}
	watching sync.WaitGroup
	once     sync.Once
}

// Lead waits until holder may project projection and returns its lease;
// it returns an error only when ctx is done. While another projector
// holds the lease, or the database cannot be reached, it tries again
// every retry, telling waiting each time (err is nil when another holds
// the lease). The holder's name is recorded, so every process can tell
// who is active (ActiveProjector).
func (d *DB) Lead(ctx context.Context, projection, holder string, retry time.Duration, waiting func(err error)) (*Lease, error) {
	for {
		l, err := d.tryLead(ctx, projection, holder, retry)
		if l != nil {
			return l, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if waiting != nil {
			waiting(err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retry):
		}
	}
}

// tryLead takes the lease if it is free: (nil, nil) when another holds it.
func (d *DB) tryLead(ctx context.Context, projection, holder string, check time.Duration) (*Lease, error) {
	l := &Lease{lost: make(chan struct{}), stop: make(chan struct{})}
	if d.pg {
		conn, err := d.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("read model: lease of %s: %w", projection, err)
		}
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext(current_schema() || '/projector/' || ?))`, projection).Scan(&got); err != nil {
			conn.Close()
			return nil, fmt.Errorf("read model: lease of %s: %w", projection, err)
		}
		if !got {
			conn.Close()
			return nil, nil
		}
		l.conn = conn
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		"projector:"+projection, holder); err != nil {
		l.Release()
		return nil, fmt.Errorf("read model: lease of %s: record holder: %w", projection, err)
	}
	if l.conn != nil {
		l.watching.Add(1)
		go l.watch(check)
	}
	return l, nil
}

// watch checks the lock's connection every so often; when it fails, the
// server has released the lock (or soon will), and Lost is closed.
func (l *Lease) watch(every time.Duration) {
	defer l.watching.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		// A slow answer is not a lost lock: only a failed connection is.
		ctx, cancel := context.WithTimeout(context.Background(), max(every, 10*time.Second))
		_, err := l.conn.ExecContext(ctx, `SELECT 1`)
		cancel()
		if err != nil {
			close(l.lost)
			return
		}
	}
}

// Lost is closed when the lease is lost: the lock's connection failed,
// so another projector may already have taken over. The holder must stop
// writing.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Release gives the lease up; a projector standing by takes it.
func (l *Lease) Release() {
	l.once.Do(func() {
		close(l.stop)
		l.watching.Wait()
		if l.conn == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Closing the session releases the lock too; unlocking first
		// returns the connection to the pool clean.
		l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock_all()`)
		l.conn.Close()
	})
}

// ActiveProjector returns the name of the projector that last took the
// lease of projection ("" before any did).
func (d *DB) ActiveProjector(ctx context.Context, projection string) (string, error) {
	var holder string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, "projector:"+projection).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read model: active projector of %s: %w", projection, err)
	}
	return holder, nil
}
