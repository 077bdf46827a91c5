package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Notifications: what the projection told whom (internal/projection,
// notifications.go decides), one row per event and recipient, and the
// read flags users set.
//
// The rows are derived from the record like every other table: a rebuild
// writes the same rows with the same ids. Read flags are the one thing in
// the read model the record does not hold, so they live apart, in
// notification_reads, keyed by notification id: a rebuild (a new schema
// version, a new shape of helpdesk.Case) drops and refills notifications
// but keeps the flags, and they match again. Deleting readmodel.db loses
// them: every notification comes back unread.
const (
	notificationsTable = `CREATE TABLE IF NOT EXISTS notifications (
		id             TEXT PRIMARY KEY,
		recipient      TEXT NOT NULL,
		case_id        TEXT NOT NULL,
		case_reference TEXT NOT NULL,
		kind           TEXT NOT NULL,
		title          TEXT NOT NULL,
		title_en       TEXT NOT NULL,
		created_at     INTEGER NOT NULL,
		position       INTEGER NOT NULL,
		event_id       TEXT NOT NULL,
		task_id        TEXT NOT NULL DEFAULT ''
	)`
	// A recipient gets at most one notification per event, so (recipient,
	// created_at, position) is unique: the paging key.
	notificationsIndex     = `CREATE INDEX IF NOT EXISTS notifications_inbox ON notifications (recipient, created_at DESC, position DESC)`
	notificationReadsTable = `CREATE TABLE IF NOT EXISTS notification_reads (
		id        TEXT PRIMARY KEY,
		recipient TEXT NOT NULL,
		read_at   INTEGER NOT NULL
	)`
)

// ErrNoNotification means the caller has no notification of that id:
// none exists, or it is someone else's (the two are not told apart).
var ErrNoNotification = errors.New("no such notification")

// Notification is one in-app notification: an event of a case, told to
// one person.
type Notification struct {
	// ID is derived from the event's ID and the recipient, so writing the
	// same notification again is a no-op.
	ID            string `json:"id"`
	Recipient     string `json:"recipient"`
	CaseID        string `json:"caseId"`
	CaseReference string `json:"caseReference"`
	// Kind says what happened, e.g. case-resolved, sla-breach.
	Kind string `json:"kind"`
	// Title is in bokmål and starts with the case reference; TitleEn is
	// the same in English.
	Title   string `json:"title"`
	TitleEn string `json:"titleEn"`
	// CreatedAt is when the event happened (its occurredAt).
	CreatedAt time.Time  `json:"createdAt"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"readAt,omitempty"`
	// EventID is the event told about; Position its place in the record.
	EventID  string `json:"eventId"`
	Position uint64 `json:"-"`
	// TaskID is the task the notification asks its recipient to act on
	// (an approval, a fulfilment task), "" otherwise: the mail links to
	// its decision page.
	TaskID string `json:"taskId,omitempty"`
}

// AddNotification writes n in the projection step's transaction. A
// notification already there (same id) is left as it is; added reports
// whether n was new.
func (t *Tx) AddNotification(ctx context.Context, n Notification) (added bool, err error) {
	if n.ID == "" || n.Recipient == "" {
		return false, fmt.Errorf("read model: a notification needs an id and a recipient (%q, %q)", n.ID, n.Recipient)
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO notifications (id, recipient, case_id, case_reference, kind, title, title_en, created_at, position, event_id, task_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		n.ID, n.Recipient, n.CaseID, n.CaseReference, n.Kind, n.Title, n.TitleEn, nanos(n.CreatedAt), int64(n.Position), n.EventID, n.TaskID)
	if err != nil {
		return false, fmt.Errorf("read model: write notification %s: %w", n.ID, err)
	}
	rows, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("read model: write notification %s: %w", n.ID, err)
	}
	return rows == 1, nil
}

// QueueNotification writes n as AddNotification does, without telling
// whether it was new; in a batch the write waits for the batch's commit,
// where the batch's notifications are written rowsPerInsert at a time.
func (t *Tx) QueueNotification(ctx context.Context, n Notification) error {
	if t.notes == nil {
		_, err := t.AddNotification(ctx, n)
		return err
	}
	if n.ID == "" || n.Recipient == "" {
		return fmt.Errorf("read model: a notification needs an id and a recipient (%q, %q)", n.ID, n.Recipient)
	}
	*t.notes = append(*t.notes, n)
	return nil
}

// writeNotifications writes the queued notifications, the first of each
// id (a notification already there is left as it is), and empties the
// queue: rowsPerInsert at a time, or, many on PostgreSQL, by COPY (which
// fails the batch should one be there already; postgres.go).
func writeNotifications(ctx context.Context, tx *stmtTx, queue *[]Notification) error {
	seen := make(map[string]bool, len(*queue))
	notes := make([]Notification, 0, len(*queue))
	for _, nt := range *queue {
		if !seen[nt.ID] {
			seen[nt.ID] = true
			notes = append(notes, nt)
		}
	}
	*queue = (*queue)[:0]
	if tx.conn != nil && len(notes) >= bulkMin {
		return bulkNotifications(ctx, tx, notes) // postgres.go
	}
	for len(notes) > 0 {
		chunk := notes[:min(rowsPerInsert, len(notes))]
		notes = notes[len(chunk):]
		args := make([]any, 0, len(chunk)*notificationColumnCount)
		for _, nt := range chunk {
			args = append(args, notificationValues(nt)...)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (`+notificationRowColumns+`) VALUES `+
			valueRows(len(chunk), notificationColumnCount)+` ON CONFLICT (id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("read model: write notifications: %w", err)
		}
	}
	return nil
}

// notificationRowColumns are the columns of a notification row, in the order
// notificationValues gives them.
const notificationRowColumns = `id, recipient, case_id, case_reference, kind, title, title_en, created_at, position, event_id, task_id`

// notificationColumnCount is how many columns notificationRowColumns names.
var notificationColumnCount = strings.Count(notificationRowColumns, ",") + 1

// notificationValues is nt's row in notificationRowColumns' order.
func notificationValues(nt Notification) []any {
	return []any{nt.ID, nt.Recipient, nt.CaseID, nt.CaseReference, nt.Kind, nt.Title, nt.TitleEn, nanos(nt.CreatedAt),
		int64(nt.Position), nt.EventID, nt.TaskID}
}

// NotificationFilter selects the notifications ListNotifications returns.
type NotificationFilter struct {
	// Recipient is whose notifications; required (empty lists nothing).
	Recipient string
	// UnreadOnly leaves out those marked read.
	UnreadOnly bool
	// Limit is the page size, 1..MaxLimit; 0 means DefaultLimit.
	Limit int
	// Cursor continues after the page that returned it.
	Cursor string
}

// NotificationPage is one page of a recipient's notifications, newest
// first. NextCursor is empty on the last page; Unread counts the
// recipient's unread notifications, on every page, up to MaxUnread.
type NotificationPage struct {
	Items      []Notification `json:"items"`
	NextCursor string         `json:"nextCursor,omitempty"`
	Unread     int            `json:"unread"`
}

// MaxUnread is where the unread count stops: every page's header shows
// it, so it must cost the same for someone who never marks anything read
// (a seeded caseworker has hundreds of thousands). MaxUnread means "that
// many or more".
const MaxUnread = 1000

const notificationColumns = `n.id, n.recipient, n.case_id, n.case_reference, n.kind, n.title, n.title_en, n.created_at, n.position, n.event_id, n.task_id, r.read_at`

// ListNotifications returns a page of f.Recipient's notifications, newest
// first (by when the event happened, then by its place in the record).
// Paging is by key, so a page never repeats or skips one; a notification
// marked read between pages stays where it was.
func (d *DB) ListNotifications(ctx context.Context, f NotificationFilter) (NotificationPage, error) {
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return NotificationPage{}, fmt.Errorf("read model: limit %d is not within 1..%d", f.Limit, MaxLimit)
	}
	page := NotificationPage{Items: []Notification{}}
	if f.Recipient == "" {
		return page, nil
	}
	var w where
	w.add("n.recipient = ?", f.Recipient)
	if f.UnreadOnly {
		w.add("r.id IS NULL")
	}
	if f.Cursor != "" {
		at, pos, err := decodeNotificationCursor(f.Cursor)
		if err != nil {
			return NotificationPage{}, err
		}
		w.add("(n.created_at < ? OR (n.created_at = ? AND n.position < ?))", at, at, pos)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+notificationColumns+`
		FROM notifications n LEFT JOIN notification_reads r ON r.id = n.id
		WHERE `+w.sql()+` ORDER BY n.created_at DESC, n.position DESC LIMIT ?`, append(w.args, limit+1)...)
	if err != nil {
		return NotificationPage{}, fmt.Errorf("read model: list notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return NotificationPage{}, fmt.Errorf("read model: list notifications: %w", err)
		}
		page.Items = append(page.Items, n)
	}
	if err := rows.Err(); err != nil {
		return NotificationPage{}, fmt.Errorf("read model: list notifications: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeCursor(last.CreatedAt.UnixNano(), strconv.FormatUint(last.Position, 10))
	}
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications n LEFT JOIN notification_reads r ON r.id = n.id
		WHERE n.recipient = ? AND r.id IS NULL LIMIT ?) AS unread`, f.Recipient, MaxUnread).Scan(&page.Unread); err != nil {
		return NotificationPage{}, fmt.Errorf("read model: count unread notifications: %w", err)
	}
	return page, nil
}

// MarkNotificationRead marks recipient's notification id read at at and
// returns it. Marking it again keeps the first time. ErrNoNotification
// when recipient has no notification id.
func (d *DB) MarkNotificationRead(ctx context.Context, recipient, id string, at time.Time) (Notification, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return Notification{}, fmt.Errorf("read model: begin: %w", err)
	}
	defer tx.Rollback()
	// The recipient is part of the condition: someone else's notification
	// is not found, exactly as one that does not exist.
	res, err := tx.ExecContext(ctx, `INSERT INTO notification_reads (id, recipient, read_at)
		SELECT id, recipient, CAST(? AS BIGINT) FROM notifications WHERE id = ? AND recipient = ?
		ON CONFLICT (id) DO NOTHING`, nanos(at), id, recipient)
	if err != nil {
		return Notification{}, fmt.Errorf("read model: mark notification %s read: %w", id, err)
	}
	if _, err := res.RowsAffected(); err != nil {
		return Notification{}, fmt.Errorf("read model: mark notification %s read: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+notificationColumns+`
		FROM notifications n LEFT JOIN notification_reads r ON r.id = n.id
		WHERE n.id = ? AND n.recipient = ?`, id, recipient)
	if err != nil {
		return Notification{}, fmt.Errorf("read model: read notification %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Notification{}, fmt.Errorf("read model: read notification %s: %w", id, err)
		}
		return Notification{}, ErrNoNotification
	}
	n, err := scanNotification(rows)
	if err != nil {
		return Notification{}, fmt.Errorf("read model: read notification %s: %w", id, err)
	}
	rows.Close()
	if err := tx.Commit(); err != nil {
		return Notification{}, fmt.Errorf("read model: commit: %w", err)
	}
	return n, nil
}

func scanNotification(rows *sql.Rows) (Notification, error) {
	var (
		n         Notification
		created   int64
		pos       int64
		readAtCol sql.NullInt64
	)
	if err := rows.Scan(&n.ID, &n.Recipient, &n.CaseID, &n.CaseReference, &n.Kind, &n.Title, &n.TitleEn, &created, &pos, &n.EventID, &n.TaskID, &readAtCol); err != nil {
		return n, err
	}
	n.CreatedAt, n.Position = time.Unix(0, created).UTC(), uint64(pos)
	n.ReadAt = fromNanos(readAtCol)
	n.Read = n.ReadAt != nil
	return n, nil
}

// decodeNotificationCursor reads a cursor ListNotifications made: the
// last item's time and position.
func decodeNotificationCursor(s string) (at, pos int64, err error) {
	at, p, err := decodeCursor(s)
	if err != nil {
		return 0, 0, err
	}
	pos, err = strconv.ParseInt(p, 10, 64)
	if err != nil || pos < 1 {
		return 0, 0, ErrBadCursor
	}
	return at, pos, nil
}
