// Package readmodel holds the disposable read model: tables built from the
// event store for lists, queues and reports. Deleting it loses nothing; it
// is rebuilt from the record.
package readmodel

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is the read model database.
type DB struct {
	db *sql.DB
}

// Open opens (creating if needed) the SQLite read model at path.
func Open(path string) (*DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("open read model: %w", err)
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS checkpoints (
		projection TEXT PRIMARY KEY,
		position   INTEGER NOT NULL
	)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("create read model schema in %s: %w", path, err)
	}
	return &DB{db: db}, nil
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }
