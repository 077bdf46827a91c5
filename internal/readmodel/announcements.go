package readmodel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Announcements: one row per maintenance notice or outage, folded from
// its stream (announcement-<id>) by the projection, for GET
// /announcements. One announcement is read from the record itself (the
// API folds its stream); the list needs a table because the record has
// no index of its streams.
//
// Times are Unix nanoseconds (BIGINT, so the PostgreSQL port keeps them);
// state is the folded announcement as JSON, which the projection folds on
// and the list answers with.
const announcementsTable = `CREATE TABLE IF NOT EXISTS announcements (
	id          TEXT PRIMARY KEY,
	reference   TEXT NOT NULL,
	kind        TEXT NOT NULL,
	status      TEXT NOT NULL,
	title       TEXT NOT NULL,
	starts_at   BIGINT NOT NULL,
	ends_at     BIGINT,
	resolved_at BIGINT,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL,
	revision    BIGINT NOT NULL,
	state       TEXT NOT NULL
)`

const announcementsIndex = `CREATE INDEX IF NOT EXISTS announcements_recent ON announcements (created_at DESC, id DESC)`

// Announcement returns the announcement id as last written; ok is false
// when it has no row yet.
func (t *Tx) Announcement(ctx context.Context, id string) (a helpdesk.Announcement, ok bool, err error) {
	var state []byte
	err = t.tx.QueryRowContext(ctx, `SELECT state FROM announcements WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return helpdesk.NewAnnouncement(), false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("read model: load announcement %s: %w", id, err)
	}
	if err := json.Unmarshal(state, &a); err != nil {
		return a, false, fmt.Errorf("read model: announcement %s: %w: %v", id, ErrBadState, err)
	}
	return a, true, nil
}

// PutAnnouncement writes the announcement's row.
func (t *Tx) PutAnnouncement(ctx context.Context, a helpdesk.Announcement) error {
	state, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("read model: encode announcement %s: %w", a.ID, err)
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO announcements (id, reference, kind, status, title, starts_at, ends_at, resolved_at,
			created_at, updated_at, revision, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, kind = excluded.kind, status = excluded.status,
			title = excluded.title, starts_at = excluded.starts_at, ends_at = excluded.ends_at, resolved_at = excluded.resolved_at,
			created_at = excluded.created_at, updated_at = excluded.updated_at, revision = excluded.revision, state = excluded.state`,
		a.ID, a.Reference, string(a.Kind), string(a.Status), a.Title, nanos(a.StartsAt), optNanosPtr(a.EndsAt), optNanos(a.ResolvedAt),
		nanos(a.CreatedAt), nanos(a.UpdatedAt), a.Revision, string(state))
	if err != nil {
		return fmt.Errorf("read model: write announcement %s: %w", a.ID, err)
	}
	return nil
}

// AnnouncementFilter selects the announcements ListAnnouncements returns.
type AnnouncementFilter struct {
	// Active, when set, keeps those in effect at At (true) or not in
	// effect (false): a maintenance within its window, an outage from its
	// start until it is resolved (helpdesk.Announcement.ActiveAt).
	Active *bool
	At     time.Time
	// Limit is 1..MaxLimit; 0 means DefaultLimit.
	Limit int
}

// activeSQL is helpdesk.Announcement.ActiveAt as a condition on a row;
// both arguments are At.
const activeSQL = `(status NOT IN ('done', 'resolved') AND starts_at <= ? AND (kind = 'outage' OR (ends_at IS NOT NULL AND ends_at > ?)))`

// ListAnnouncements returns announcements, most recently published first.
func (d *DB) ListAnnouncements(ctx context.Context, f AnnouncementFilter) ([]helpdesk.Announcement, error) {
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, fmt.Errorf("read model: limit %d is not within 1..%d", f.Limit, MaxLimit)
	}
	var w where
	if f.Active != nil {
		at := nanos(f.At)
		if *f.Active {
			w.add(activeSQL, at, at)
		} else {
			w.add("NOT "+activeSQL, at, at)
		}
	}
	cond := ""
	if len(w.args) > 0 {
		cond = " WHERE " + w.sql()
	}
	rows, err := d.db.QueryContext(ctx, `SELECT state FROM announcements`+cond+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(w.args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read model: list announcements: %w", err)
	}
	defer rows.Close()
	out := []helpdesk.Announcement{}
	for rows.Next() {
		var state []byte
		if err := rows.Scan(&state); err != nil {
			return nil, fmt.Errorf("read model: list announcements: %w", err)
		}
		var a helpdesk.Announcement
		if err := json.Unmarshal(state, &a); err != nil {
			return nil, fmt.Errorf("read model: list announcements: %w: %v", ErrBadState, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: list announcements: %w", err)
	}
	return out, nil
}
