package session

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// SQL keeps sessions in the table web_sessions of the read model's
// database (PostgreSQL in production, so every api replica sees every
// session; SQLite in dev). The table is this package's own: the read
// model's reset and rebuild drop only the tables they list, so a rebuild
// signs nobody out.
type SQL struct {
	db *sql.DB
	pg bool
}

const sqlSchema = `CREATE TABLE IF NOT EXISTS web_sessions (
	id_hash    TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	data       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	seen_at    BIGINT NOT NULL
)`

const sqlIndex = `CREATE INDEX IF NOT EXISTS web_sessions_seen ON web_sessions (seen_at)`

// OpenSQL opens the session table in the database dsn names, as the read
// model does: postgres://… or postgresql://… (a search_path parameter
// picks the schema), else sqlite:<path> or a plain SQLite file path. It
// creates the table if needed. Close closes the connection pool.
func OpenSQL(ctx context.Context, dsn string) (*SQL, error) {
	var (
		db  *sql.DB
		err error
		pg  = strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	)
	if pg {
		db, err = sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(4)
		}
	} else {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(5000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		db, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?"+q.Encode())
	}
	if err != nil {
		return nil, fmt.Errorf("session: open: %w", err)
	}
	s, err := NewSQL(ctx, db, pg)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// NewSQL uses db (PostgreSQL when pg, else SQLite), creating the table
// if needed.
func NewSQL(ctx context.Context, db *sql.DB, pg bool) (*SQL, error) {
	s := &SQL{db: db, pg: pg}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("session: create table: %w", err)
	}
	defer tx.Rollback()
	if pg {
		// Two replicas starting at once must not both create the table.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '/web-sessions'))`); err != nil {
			return nil, fmt.Errorf("session: create table: %w", err)
		}
	}
	for _, stmt := range []string{sqlSchema, sqlIndex} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("session: create table: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("session: create table: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *SQL) Close() error { return s.db.Close() }

// q writes query's ? placeholders as $1, $2, … on PostgreSQL. The
// queries here hold no other question marks.
func (s *SQL) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, ch := range query {
		if ch == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// Create implements Store.
func (s *SQL) Create(ctx context.Context, se Session) error {
	data, err := json.Marshal(se.Data)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO web_sessions (id_hash, username, csrf, data, created_at, seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`), Hash(se.ID), se.Username, se.CSRF, string(data), se.Created.UnixNano(), se.Seen.UnixNano()); err != nil {
		return fmt.Errorf("session: create: %w", err)
	}
	return nil
}

// Get implements Store.
func (s *SQL) Get(ctx context.Context, id string) (Session, error) {
	var (
		se            = Session{ID: id}
		data          string
		created, seen int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT username, csrf, data, created_at, seen_at FROM web_sessions WHERE id_hash = ?`), Hash(id)).
		Scan(&se.Username, &se.CSRF, &data, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: get: %w", err)
	}
	if err := json.Unmarshal([]byte(data), &se.Data); err != nil {
		return Session{}, fmt.Errorf("session: get: data: %w", err)
	}
	se.Created, se.Seen = time.Unix(0, created), time.Unix(0, seen)
	return se, nil
}

// Touch implements Store.
func (s *SQL) Touch(ctx context.Context, id string, seen time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE web_sessions SET seen_at = ? WHERE id_hash = ?`), seen.UnixNano(), Hash(id))
	if err != nil {
		return fmt.Errorf("session: touch: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// Delete implements Store.
func (s *SQL) Delete(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE id_hash = ?`), Hash(id)); err != nil {
		return fmt.Errorf("session: delete: %w", err)
	}
	return nil
}

// DeleteExpired implements Store.
func (s *SQL) DeleteExpired(ctx context.Context, idleBefore, createdBefore time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE seen_at < ? OR created_at < ?`), idleBefore.UnixNano(), createdBefore.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("session: delete expired: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
