package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The mail feed: the mail dispatcher (internal/mail) follows the
// notifications in the order of the record and mails each one. The feed
// only reads; what was mailed is kept outside this disposable database
// (docs/MAIL.md), because a rebuild writes every notification again with
// the same id.

// mailFeedIndex serves the feed's order: by the event's place in the
// record, then by id (one event may notify several people), with the
// time each is tested by, so that a walk past notifications too old to
// mail reads the index alone.
const mailFeedIndex = `CREATE INDEX IF NOT EXISTS notifications_feed ON notifications (position, id, created_at)`

// mailFeedRecentIndex finds where the notifications young enough to mail
// begin (feedStart).
const mailFeedRecentIndex = `CREATE INDEX IF NOT EXISTS notifications_recent ON notifications (created_at, position)`

// feedStart is where a walk of the feed after cur for the notifications
// since since begins: cur, or the first notification that young when it
// lies further on. The feed follows the record, and so time: walking it
// from the start past years of notifications too old to mail, with none
// young enough to stop at, read every one of them at each poll of an
// idle dispatcher (3 million at a million cases). ok is false when no
// notification is that young: nothing to read.
func (d *DB) feedStart(ctx context.Context, cur FeedCursor, since time.Time) (start FeedCursor, ok bool, err error) {
	var first sql.NullInt64
	// position + 0: min(position) would be read off notifications_feed,
	// walking it from the start to the first young enough notification,
	// the very walk this is to spare; the young ones are few.
	rows, err := d.query(ctx, `SELECT min(position + 0) FROM notifications WHERE created_at >= ?`, nanos(since))
	if err != nil {
		return cur, false, fmt.Errorf("read model: mail feed: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		err = rows.Scan(&first)
	}
	if err = errors.Join(err, rows.Err()); err != nil {
		return cur, false, fmt.Errorf("read model: mail feed: %w", err)
	}
	if !first.Valid {
		return cur, false, nil
	}
	// After (p, "") is every notification at p (ids are never empty) or
	// later.
	if p := uint64(first.Int64); p > cur.Position {
		return FeedCursor{Position: p}, true, nil
	}
	return cur, true, nil
}

// FeedCursor is a place in the feed: after the notification (Position,
// ID). The zero value is the start.
type FeedCursor struct {
	Position uint64
	ID       string
}

// MailNote is a notification as the mail dispatcher needs it: with the
// case's title, which the notification row does not hold.
type MailNote struct {
	Notification
	// CaseTitle is the case's title ("" if the case row is missing).
	CaseTitle string
}

// Cursor is the feed position just after n.
func (n MailNote) Cursor() FeedCursor { return FeedCursor{Position: n.Position, ID: n.ID} }

// NotificationsAfter returns up to limit notifications after cur in feed
// order (position, then id), leaving out those that happened before
// since.
func (d *DB) NotificationsAfter(ctx context.Context, cur FeedCursor, since time.Time, limit int) ([]MailNote, error) {
	if limit < 1 || limit > MaxLimit {
		return nil, fmt.Errorf("read model: limit %d is not within 1..%d", limit, MaxLimit)
	}
	cur, ok, err := d.feedStart(ctx, cur, since)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT n.id, n.recipient, n.case_id, n.case_reference, n.kind, n.title, n.title_en,
			n.created_at, n.position, n.event_id, n.task_id, COALESCE(c.title, '')
		FROM notifications n LEFT JOIN cases c ON c.id = n.case_id
		WHERE (n.position > ? OR (n.position = ? AND n.id > ?)) AND n.created_at >= ?
		ORDER BY n.position, n.id LIMIT ?`,
		int64(cur.Position), int64(cur.Position), cur.ID, nanos(since), limit)
	if err != nil {
		return nil, fmt.Errorf("read model: mail feed: %w", err)
	}
	defer rows.Close()
	var out []MailNote
	for rows.Next() {
		var (
			m            MailNote
			created, pos int64
		)
		if err := rows.Scan(&m.ID, &m.Recipient, &m.CaseID, &m.CaseReference, &m.Kind, &m.Title, &m.TitleEn,
			&created, &pos, &m.EventID, &m.TaskID, &m.CaseTitle); err != nil {
			return nil, fmt.Errorf("read model: mail feed: %w", err)
		}
		m.CreatedAt, m.Position = time.Unix(0, created).UTC(), uint64(pos)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: mail feed: %w", err)
	}
	return out, nil
}

// CountNotificationsAfter counts the notifications NotificationsAfter
// would return without a limit: the mail not yet handled.
func (d *DB) CountNotificationsAfter(ctx context.Context, cur FeedCursor, since time.Time) (int, error) {
	cur, ok, err := d.feedStart(ctx, cur, since)
	if err != nil || !ok {
		return 0, err
	}
	var n int
	err = d.db.QueryRowContext(ctx, `SELECT count(*) FROM notifications
		WHERE (position > ? OR (position = ? AND id > ?)) AND created_at >= ?`,
		int64(cur.Position), int64(cur.Position), cur.ID, nanos(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read model: count mail feed: %w", err)
	}
	return n, nil
}
