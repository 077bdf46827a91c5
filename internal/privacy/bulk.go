package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// CreateKeys returns the live data key of every scope in scopes, making
// the ones that have none in a single transaction: for a bulk writer
// (brukerhjelp seed) that records thousands of new cases at once and
// would otherwise commit — and, on SQLite, sync — one key at a time.
// Keys are made exactly as Current makes them (the next generation after
// the erased ones, wrapped by the current master key).
func (k *SQLKeys) CreateKeys(ctx context.Context, scopes []string) (map[string]DataKey, error) {
	out := make(map[string]DataKey, len(scopes))
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("privacy: create keys: %w", err)
	}
	defer tx.Rollback()
	live, err := tx.PrepareContext(ctx, k.q(`SELECT id, wrapped, master_key FROM privacy_data_keys
		WHERE scope = ? AND erased_at IS NULL ORDER BY generation DESC LIMIT 1`))
	if err != nil {
		return nil, fmt.Errorf("privacy: create keys: %w", err)
	}
	defer live.Close()
	erased, err := tx.PrepareContext(ctx, k.q(`SELECT COALESCE(MAX(generation), 0) FROM privacy_data_keys
		WHERE scope = ? AND erased_at IS NOT NULL`))
	if err != nil {
		return nil, fmt.Errorf("privacy: create keys: %w", err)
	}
	defer erased.Close()
	insert, err := tx.PrepareContext(ctx, k.q(`INSERT INTO privacy_data_keys (id, scope, generation, wrapped, master_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return nil, fmt.Errorf("privacy: create keys: %w", err)
	}
	defer insert.Close()
	now := time.Now().UnixNano()
	for _, scope := range scopes {
		if _, ok := out[scope]; ok {
			continue
		}
		var (
			id, master string
			wrapped    []byte
		)
		err := live.QueryRowContext(ctx, scope).Scan(&id, &wrapped, &master)
		if err == nil {
			key, err := k.unwrap(ctx, id, scope, wrapped, master)
			if err != nil {
				return nil, err
			}
			out[scope] = key
			continue
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("privacy: key of %s: %w", scope, err)
		}
		var gen int64
		if err := erased.QueryRowContext(ctx, scope).Scan(&gen); err != nil {
			return nil, fmt.Errorf("privacy: key of %s: %w", scope, err)
		}
		id = scope + "/" + strconv.FormatInt(gen+1, 10)
		secret := randomBytes(DataKeySize)
		wrapped, master, err = k.wrap.Wrap(ctx, secret, keyAAD(id))
		if err != nil {
			return nil, err
		}
		if _, err := insert.ExecContext(ctx, id, scope, gen+1, wrapped, master, now); err != nil {
			return nil, fmt.Errorf("privacy: new key of %s: %w", scope, err)
		}
		out[scope] = DataKey{ID: id, Scope: scope, Secret: secret}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("privacy: create keys: %w", err)
	}
	return out, nil
}
