package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// KeyStore keeps the data keys: one per scope (a case, a person) and
// generation, each wrapped by a master key. Erasing a scope destroys its
// keys, which is what erases the personal data encrypted with them. It is
// small on purpose: a KMS-backed store needs only these methods.
type KeyStore interface {
	// Current returns the live data key of scope, making one if it has
	// none (a first event, or the first after an erasure). Concurrent
	// callers get the same key.
	Current(ctx context.Context, scope string) (DataKey, error)
	// Get returns data key id; ErrErased if it was destroyed, ErrNoKey if
	// it never existed here.
	Get(ctx context.Context, id string) (DataKey, error)
	// Erase destroys every live key of scope and returns their IDs (none
	// if there were none, or they were destroyed before).
	Erase(ctx context.Context, scope, reason string) ([]string, error)
}

// DataKey is one scope's key.
type DataKey struct {
	ID     string
	Scope  string
	Secret []byte
}

var (
	// ErrErased means the key was destroyed: what it encrypted is gone.
	ErrErased = errors.New("data key erased")
	// ErrNoKey means the key store never held the key: the key store is
	// not the one the record was written with, or was lost. Never taken
	// for an erasure, so a lost key store is an outage, not silence.
	ErrNoKey = errors.New("no such data key")
)

// DataKeySize is a data key's size: AES-256.
const DataKeySize = 32

// SQLKeys is the key store on SQLite (dev: keys.db beside the record) or
// PostgreSQL (production). The table holds only wrapped keys; an erased
// key's row stays, without its key, so the erasure is on record and the
// scope's next key gets a new generation.
type SQLKeys struct {
	db   *sql.DB
	pg   bool
	wrap Wrapper
	path string // the SQLite file, for the checkpoint after an erasure
}

const keysTable = `CREATE TABLE IF NOT EXISTS privacy_data_keys (
	id           TEXT PRIMARY KEY,
	scope        TEXT NOT NULL,
	generation   INTEGER NOT NULL,
	wrapped      BLOB,
	master_key   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	erased_at    INTEGER,
	erase_reason TEXT NOT NULL DEFAULT '',
	UNIQUE (scope, generation)
)`

// OpenKeys opens the key store at dsn: postgres://… (a database or
// search_path of its own: never the read model's, which is disposable),
// sqlite:<path> or a plain path.
func OpenKeys(ctx context.Context, dsn string, wrap Wrapper) (*SQLKeys, error) {
	if wrap == nil {
		return nil, errors.New("privacy: key store needs a master key wrapper")
	}
	k := &SQLKeys{wrap: wrap}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		k.pg = true
		k.db, err = sql.Open("pgx", dsn)
	} else {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" || strings.ContainsRune(path, '?') {
			return nil, fmt.Errorf("privacy: key store path %q: empty or with '?'", path)
		}
		k.path = path
		// secure_delete: an erased key's bytes are overwritten in the
		// file, not left in a free page; synchronous FULL: a key is
		// never lost once its event may be on the record.
		// _txlock=immediate: Erase takes the write lock at BEGIN, so two
		// writers never deadlock upgrading a read lock; readers (WAL)
		// never wait for it.
		k.db, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_txlock=immediate")
		if err == nil {
			k.db.SetMaxOpenConns(8) // every read of the record looks a key up
			k.db.SetMaxIdleConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("privacy: open key store: %w", err)
	}
	schema := keysTable
	if k.pg {
		schema = strings.NewReplacer("INTEGER", "BIGINT", "BLOB", "BYTEA").Replace(schema)
	}
	if _, err := k.db.ExecContext(ctx, schema); err != nil {
		k.db.Close()
		return nil, fmt.Errorf("privacy: create key store table: %w", err)
	}
	return k, nil
}

// Close closes the database.
func (k *SQLKeys) Close() error { return k.db.Close() }

// Ping checks the database answers.
func (k *SQLKeys) Ping(ctx context.Context) error { return k.db.PingContext(ctx) }

// q rewrites "?" placeholders for PostgreSQL.
func (k *SQLKeys) q(query string) string {
	if !k.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func keyAAD(id string) []byte { return []byte("brukerhjelp/data-key/v1\x00" + id) }

// Current implements KeyStore.
func (k *SQLKeys) Current(ctx context.Context, scope string) (DataKey, error) {
	for attempt := 0; attempt < 5; attempt++ {
		var (
			id, master string
			wrapped    []byte
		)
		err := k.db.QueryRowContext(ctx, k.q(`SELECT id, wrapped, master_key FROM privacy_data_keys
			WHERE scope = ? AND erased_at IS NULL ORDER BY generation DESC LIMIT 1`), scope).Scan(&id, &wrapped, &master)
		if err == nil {
			return k.unwrap(ctx, id, scope, wrapped, master)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return DataKey{}, fmt.Errorf("privacy: key of %s: %w", scope, err)
		}
		// The next generation counts only erased keys, so every caller
		// racing to make the first live key names the same one.
		var gen int64
		if err := k.db.QueryRowContext(ctx, k.q(`SELECT COALESCE(MAX(generation), 0) FROM privacy_data_keys
			WHERE scope = ? AND erased_at IS NOT NULL`), scope).Scan(&gen); err != nil {
			return DataKey{}, fmt.Errorf("privacy: key of %s: %w", scope, err)
		}
		id = scope + "/" + strconv.FormatInt(gen+1, 10)
		secret := randomBytes(DataKeySize)
		wrapped, master, err = k.wrap.Wrap(ctx, secret, keyAAD(id))
		if err != nil {
			return DataKey{}, err
		}
		// Whoever inserts first wins; the loser reads the winner's key.
		if _, err := k.db.ExecContext(ctx, k.q(`INSERT INTO privacy_data_keys (id, scope, generation, wrapped, master_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), id, scope, gen+1, wrapped, master, time.Now().UnixNano()); err != nil {
			return DataKey{}, fmt.Errorf("privacy: new key of %s: %w", scope, err)
		}
	}
	return DataKey{}, fmt.Errorf("privacy: key of %s: erased while being made, five times", scope)
}

func (k *SQLKeys) unwrap(ctx context.Context, id, scope string, wrapped []byte, master string) (DataKey, error) {
	secret, err := k.wrap.Unwrap(ctx, wrapped, master, keyAAD(id))
	if err != nil {
		return DataKey{}, fmt.Errorf("privacy: key %s: %w", id, err)
	}
	return DataKey{ID: id, Scope: scope, Secret: secret}, nil
}

// Get implements KeyStore.
func (k *SQLKeys) Get(ctx context.Context, id string) (DataKey, error) {
	var (
		scope, master string
		wrapped       []byte
		erased        sql.NullInt64
	)
	err := k.db.QueryRowContext(ctx, k.q(`SELECT scope, wrapped, master_key, erased_at FROM privacy_data_keys WHERE id = ?`), id).
		Scan(&scope, &wrapped, &master, &erased)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return DataKey{}, fmt.Errorf("privacy: key %s: %w", id, ErrNoKey)
	case err != nil:
		return DataKey{}, fmt.Errorf("privacy: key %s: %w", id, err)
	case erased.Valid:
		return DataKey{ID: id, Scope: scope}, fmt.Errorf("privacy: key %s: %w", id, ErrErased)
	}
	return k.unwrap(ctx, id, scope, wrapped, master)
}

// Erase implements KeyStore. On SQLite the write-ahead log is then
// checkpointed and truncated, so the wrapped key is in no file any more
// (secure_delete zeroed it in the database itself).
func (k *SQLKeys) Erase(ctx context.Context, scope, reason string) ([]string, error) {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("privacy: erase %s: %w", scope, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, k.q(`SELECT id FROM privacy_data_keys WHERE scope = ? AND erased_at IS NULL ORDER BY generation`), scope)
	if err != nil {
		return nil, fmt.Errorf("privacy: erase %s: %w", scope, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("privacy: erase %s: %w", scope, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privacy: erase %s: %w", scope, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, k.q(`UPDATE privacy_data_keys SET wrapped = NULL, erased_at = ?, erase_reason = ?
		WHERE scope = ? AND erased_at IS NULL`), time.Now().UnixNano(), reason, scope); err != nil {
		return nil, fmt.Errorf("privacy: erase %s: %w", scope, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("privacy: erase %s: %w", scope, err)
	}
	if !k.pg {
		if _, err := k.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return ids, fmt.Errorf("privacy: erase %s: checkpoint: %w", scope, err)
		}
	}
	return ids, nil
}

// Rewrap wraps every live data key not wrapped by the current master key
// again with it (rotation): the record is not touched, only the key
// store. It returns how many it rewrapped.
func (k *SQLKeys) Rewrap(ctx context.Context) (int, error) {
	rows, err := k.db.QueryContext(ctx, k.q(`SELECT id, scope, wrapped, master_key FROM privacy_data_keys
		WHERE erased_at IS NULL AND master_key <> ?`), k.wrap.CurrentID())
	if err != nil {
		return 0, fmt.Errorf("privacy: rewrap: %w", err)
	}
	type row struct {
		id, scope, master string
		wrapped           []byte
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.scope, &r.wrapped, &r.master); err != nil {
			rows.Close()
			return 0, fmt.Errorf("privacy: rewrap: %w", err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("privacy: rewrap: %w", err)
	}
	n := 0
	for _, r := range todo {
		dk, err := k.unwrap(ctx, r.id, r.scope, r.wrapped, r.master)
		if err != nil {
			return n, err
		}
		wrapped, master, err := k.wrap.Wrap(ctx, dk.Secret, keyAAD(r.id))
		if err != nil {
			return n, err
		}
		// Only if it is still as read: an erasure meanwhile wins.
		res, err := k.db.ExecContext(ctx, k.q(`UPDATE privacy_data_keys SET wrapped = ?, master_key = ?
			WHERE id = ? AND master_key = ? AND erased_at IS NULL`), wrapped, master, r.id, r.master)
		if err != nil {
			return n, fmt.Errorf("privacy: rewrap %s: %w", r.id, err)
		}
		if c, _ := res.RowsAffected(); c == 1 {
			n++
		}
	}
	if !k.pg && n > 0 {
		// The old wrappings are overwritten (secure_delete); the log too.
		if _, err := k.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return n, fmt.Errorf("privacy: rewrap: checkpoint: %w", err)
		}
	}
	return n, nil
}

// KeyStats counts a key store's keys.
type KeyStats struct {
	// Live counts the keys not erased, by the master key wrapping them.
	Live   map[string]int `json:"live"`
	Erased int            `json:"erased"`
}

// Stats counts the keys, for the operator (brukerhjelp keys status).
func (k *SQLKeys) Stats(ctx context.Context) (KeyStats, error) {
	st := KeyStats{Live: map[string]int{}}
	rows, err := k.db.QueryContext(ctx, `SELECT master_key, erased_at IS NULL, COUNT(*) FROM privacy_data_keys GROUP BY master_key, erased_at IS NULL`)
	if err != nil {
		return st, fmt.Errorf("privacy: key stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			master string
			live   bool
			n      int
		)
		if err := rows.Scan(&master, &live, &n); err != nil {
			return st, fmt.Errorf("privacy: key stats: %w", err)
		}
		if live {
			st.Live[master] += n
		} else {
			st.Erased += n
		}
	}
	return st, rows.Err()
}
