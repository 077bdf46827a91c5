package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/google/uuid"
)

// eventColumns are read as six values, not ten: the text columns come
// concatenated, NUL-separated (none of them can hold a NUL, see
// eventstore.ValidateAppend). Every value costs several locked calls into
// SQLite and an allocation, and reading is mostly that.
const eventColumns = `position, revision, recorded_at, data, metadata, ` +
	`stream || char(0) || id || char(0) || type || char(0) || hash || char(0) || prev_hash`

// eachEvent runs query on conn and calls fn for each event until fn
// returns false. It talks to the driver directly rather than through
// database/sql's Scan: reading is mostly column conversion, and this way
// each value is converted once and data and metadata are not copied a
// second time (BenchmarkReadAll: about 1.5x the events/s of Scan).
func eachEvent(ctx context.Context, conn *sql.Conn, query string, args []any, fn func(eventstore.RecordedEvent) bool) error {
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot query", dc)
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := q.QueryContext(ctx, query, named)
		if err != nil {
			return describe("query", err)
		}
		defer rows.Close()
		dest := make([]driver.Value, 6)
		for {
			if err := rows.Next(dest); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return describe("read row", err)
			}
			e, err := toEvent(dest)
			if err != nil {
				return err
			}
			if !fn(e) {
				return nil
			}
		}
	})
}

// toEvent converts one row of eventColumns. The driver returns TEXT as
// string, BLOB as a fresh []byte (nil when empty) and INTEGER as int64.
func toEvent(v []driver.Value) (eventstore.RecordedEvent, error) {
	pos, _ := v[0].(int64)
	rev, ok := v[1].(int64)
	at, ok2 := v[2].(int64)
	texts, ok3 := v[5].(string)
	if !ok || !ok2 || !ok3 {
		return eventstore.RecordedEvent{}, fmt.Errorf("event at position %d: unexpected column types %T %T %T", pos, v[1], v[2], v[5])
	}
	var f [5]string
	for i := range 4 {
		var found bool
		f[i], texts, found = strings.Cut(texts, "\x00")
		if !found {
			return eventstore.RecordedEvent{}, fmt.Errorf("event at position %d: malformed text columns", pos)
		}
	}
	f[4] = texts
	id, err := uuid.Parse(f[1])
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("event at position %d: stored id %q: %w", pos, f[1], err)
	}
	return eventstore.RecordedEvent{
		ID:         id,
		Stream:     f[0],
		Type:       f[2],
		Revision:   uint64(rev),
		Position:   uint64(pos),
		Data:       asBytes(v[3]),
		Metadata:   asBytes(v[4]),
		RecordedAt: time.Unix(0, at).UTC(),
		Hash:       f[3],
		PrevHash:   f[4],
	}, nil
}

// asBytes keeps the driver's fresh slice. A value stored as TEXT (say, by
// hand) comes back as a string and is converted.
func asBytes(v driver.Value) []byte {
	switch x := v.(type) {
	case []byte:
		if len(x) == 0 {
			return nil
		}
		return x
	case string:
		if x == "" {
			return nil
		}
		return []byte(x)
	}
	return nil
}

// readConn runs fn on a connection of the read pool.
func (s *Store) readConn(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := s.readDB.Conn(ctx)
	if err != nil {
		return describe("get read connection", err)
	}
	defer conn.Close()
	return fn(conn)
}

func (s *Store) queryEvents(ctx context.Context, limit int, query string, args ...any) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	if limit > 0 {
		out = make([]eventstore.RecordedEvent, 0, min(limit, 1024))
	}
	err := s.readConn(ctx, func(conn *sql.Conn) error {
		return eachEvent(ctx, conn, query, args, func(e eventstore.RecordedEvent) bool {
			out = append(out, e)
			return true
		})
	})
	return out, err
}

func sqlLimit(limit int) int64 {
	if limit <= 0 {
		return -1 // SQLite: no limit
	}
	return int64(limit)
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := s.queryEvents(ctx, limit,
		`SELECT `+eventColumns+` FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
		stream, int64(from), sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: read stream %q: %w", stream, err)
	}
	if len(events) == 0 {
		// Nothing from `from` on: an empty answer if the stream exists.
		var one int
		err := s.readDB.QueryRowContext(ctx, `SELECT 1 FROM events WHERE stream = ? LIMIT 1`, stream).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sqlitestore: read stream %q: %w", stream, eventstore.ErrStreamNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: read stream %q: %w", stream, err)
		}
	}
	return events, nil
}

// filterSQL turns stream prefixes into range conditions on stream, which
// compare bytes like strings.HasPrefix does (LIKE would be case-insensitive
// and need escaping).
func filterSQL(f eventstore.Filter) (string, []any) {
	if len(f.StreamPrefixes) == 0 {
		return "", nil
	}
	var (
		conds []string
		args  []any
	)
	for _, p := range f.StreamPrefixes {
		if p == "" {
			return "", nil // an empty prefix matches every stream
		}
		if end, ok := prefixEnd(p); ok {
			conds = append(conds, "(stream >= ? AND stream < ?)")
			args = append(args, p, end)
		} else {
			conds = append(conds, "stream >= ?")
			args = append(args, p)
		}
	}
	return " AND (" + strings.Join(conds, " OR ") + ")", args
}

// prefixEnd is the smallest string greater than every string with prefix p;
// ok is false when there is none (p is all 0xff bytes).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	cond, fargs := filterSQL(filter)
	args := append([]any{int64(after)}, fargs...)
	args = append(args, sqlLimit(limit))
	events, err := s.queryEvents(ctx, limit,
		`SELECT `+eventColumns+` FROM events WHERE position > ?`+cond+` ORDER BY position LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: read all after %d: %w", after, err)
	}
	return events, nil
}

// Verify implements eventstore.Store. The stream is read row by row, so
// its length does not matter.
func (s *Store) Verify(ctx context.Context, stream string) (eventstore.VerifyResult, error) {
	check := eventstore.NewChainCheck(stream)
	err := s.readConn(ctx, func(conn *sql.Conn) error {
		return eachEvent(ctx, conn, `SELECT `+eventColumns+` FROM events WHERE stream = ? ORDER BY revision`,
			[]any{stream}, check.Add)
	})
	if err != nil {
		return eventstore.VerifyResult{}, fmt.Errorf("sqlitestore: verify %q: %w", stream, err)
	}
	if check.Events() == 0 {
		return eventstore.VerifyResult{}, fmt.Errorf("sqlitestore: verify %q: %w", stream, eventstore.ErrStreamNotFound)
	}
	return check.Result(), nil
}

// VerifyAll implements eventstore.Store. It walks every stream in order in
// one read transaction, holding one event at a time. Besides the chains it
// checks that positions are dense: positions come from AUTOINCREMENT in the
// writer's transactions, so a rolled-back append leaves no hole, and a hole
// (or a sequence beyond the last row) means an event was deleted — also the
// last event of a stream, which no chain can notice. Such a hole cannot be
// tied to a stream, so the result then has no FirstBadStream. A stream
// with no hash at all was not written by the store (another program's
// rows): it is counted in ForeignStreams, as EventStoreDB's store counts
// other applications' streams.
func (s *Store) VerifyAll(ctx context.Context) (eventstore.VerifyResult, error) {
	var result eventstore.VerifyResult
	err := s.readConn(ctx, func(conn *sql.Conn) error {
		// One snapshot for the walk and the sequence check.
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			return describe("begin", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")

		var (
			check        *eventstore.ChainCheck
			rows, events int // rows walked; of them, events of the store's streams
			inStream     int
			ours         bool
			foreign      int
			maxPos       uint64
			bad          *eventstore.ChainCheck
		)
		// ended decides the stream just walked; true stops the walk.
		ended := func() bool {
			switch {
			case check == nil:
			case !ours:
				foreign++
			default:
				events += inStream
				if !check.OK() {
					bad = check
					return true
				}
			}
			return false
		}
		err := eachEvent(ctx, conn, `SELECT `+eventColumns+` FROM events ORDER BY stream, revision`, nil,
			func(e eventstore.RecordedEvent) bool {
				if check == nil || e.Stream != check.Stream() {
					if ended() {
						return false
					}
					check, ours, inStream = eventstore.NewChainCheck(e.Stream), false, 0
				}
				rows++
				inStream++
				maxPos = max(maxPos, e.Position)
				ours = ours || e.Hash != ""
				check.Add(e)
				return true
			})
		if err != nil {
			return err
		}
		if bad == nil {
			ended()
		}
		if bad != nil {
			result = bad.Result()
			result.Events, result.ForeignStreams = events, foreign
			return nil
		}
		var seq sql.NullInt64
		err = conn.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'events'`).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read sequence: %w", err)
		}
		result = eventstore.VerifyResult{OK: uint64(rows) == maxPos && uint64(seq.Int64) == maxPos, Events: events, ForeignStreams: foreign}
		return nil
	})
	if err != nil {
		return eventstore.VerifyResult{}, fmt.Errorf("sqlitestore: verify all: %w", err)
	}
	return result, nil
}

// Head returns the global position of the last committed event (0 for an
// empty store), for progress reports.
func (s *Store) Head(context.Context) (uint64, error) { return s.committed.Load(), nil }
