package readmodel

import (
	"context"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// ReportCases calls fn with every case that can count in a report of
// [from, to): created before to and either changed since from or not
// final (an open case is in the backlog however quiet it is). Cases come
// as the projection folded them (the snapshot PutCase stores), oldest
// first. The query is plain standard SQL with ? placeholders.
func (d *DB) ReportCases(ctx context.Context, from, to time.Time, fn func(helpdesk.Case) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT id, state FROM cases
		WHERE created_at < ? AND (updated_at >= ? OR final = ?)
		ORDER BY created_at, id`, to.UnixNano(), from.UnixNano(), false)
	if err != nil {
		return fmt.Errorf("read model: report cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    string
			state []byte
		)
		if err := rows.Scan(&id, &state); err != nil {
			return fmt.Errorf("read model: report cases: %w", err)
		}
		c, err := decodeState(state)
		if err != nil {
			return fmt.Errorf("read model: case %s: %w: %v", id, ErrBadState, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read model: report cases: %w", err)
	}
	return nil
}
