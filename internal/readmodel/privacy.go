package readmodel

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Privacy (docs/PRIVACY.md): the read model finds the cases retention or a
// person's request concerns, and forgets what an erasure removed. Which
// cases it names is a hint only; what is erased is decided on the record.

// caseAttachmentsTable says which case holds which attachment, so an
// erasure deletes a file only when no other case still holds it (files
// are stored by content, and two cases may share one).
const caseAttachmentsTable = `CREATE TABLE IF NOT EXISTS case_attachments (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	sha256  TEXT NOT NULL,
	PRIMARY KEY (case_id, sha256)
)`

const caseAttachmentsIndex = `CREATE INDEX IF NOT EXISTS case_attachments_sha ON case_attachments (sha256)`

func init() { schema = append(schema, caseAttachmentsTable, caseAttachmentsIndex) }

// writeAttachments keeps case_attachments in step with the cases.
func writeAttachments(ctx context.Context, tx *stmtTx, cases []caseRow) error {
	var (
		clear []any
		rows  []any
	)
	for _, r := range cases {
		hashes := CaseAttachments(r.c)
		if len(hashes) == 0 && !r.c.Final() {
			// Nothing to write, and a case without files had no rows: the
			// common case costs nothing. (A final case may have lost its
			// files to an erasure; clear them below.)
			continue
		}
		clear = append(clear, r.c.ID)
		for _, h := range hashes {
			rows = append(rows, r.c.ID, h)
		}
	}
	if len(clear) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM case_attachments WHERE case_id IN (`+placeholders(len(clear))+`)`, clear...); err != nil {
		return fmt.Errorf("read model: clear attachments: %w", err)
	}
	for len(rows) > 0 {
		chunk := rows[:min(2*rowsPerInsert, len(rows))]
		rows = rows[len(chunk):]
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_attachments (case_id, sha256) VALUES `+valueRows(len(chunk)/2, 2)+`
			ON CONFLICT DO NOTHING`, chunk...); err != nil {
			return fmt.Errorf("read model: attachments: %w", err)
		}
	}
	return nil
}

// CaseAttachments are the content hashes of every file a case holds (the
// case's own and its comments'), sorted, once each; erased ones are gone.
func CaseAttachments(c helpdesk.Case) []string {
	var out []string
	add := func(as []helpdesk.Attachment) {
		for _, a := range as {
			if a.SHA256 != "" && !helpdesk.IsErased(a.SHA256) && !slices.Contains(out, a.SHA256) {
				out = append(out, a.SHA256)
			}
		}
	}
	add(c.Attachments)
	for _, cm := range c.Comments {
		add(cm.Attachments)
	}
	slices.Sort(out)
	return out
}

// AttachmentHolders lists the cases that hold the file sha256.
func (d *DB) AttachmentHolders(ctx context.Context, sha256 string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT case_id FROM case_attachments WHERE sha256 = ? ORDER BY case_id`, sha256)
	if err != nil {
		return nil, fmt.Errorf("read model: holders of %s: %w", sha256, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// EndedCases lists, by ID after after, up to limit cases of kind that
// ended before endedBefore and whose personal data is not erased: what
// retention may have to erase.
func (d *DB) EndedCases(ctx context.Context, kind helpdesk.Kind, endedBefore time.Time, after string, limit int) ([]string, error) {
	if limit < 1 || limit > 10*MaxLimit {
		return nil, fmt.Errorf("read model: limit %d is not within 1..%d", limit, 10*MaxLimit)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id FROM cases
		WHERE kind = ? AND final AND NOT erased AND closed_at IS NOT NULL AND closed_at < ? AND id > ?
		ORDER BY id LIMIT ?`, string(kind), nanos(endedBefore), after, limit)
	if err != nil {
		return nil, fmt.Errorf("read model: ended cases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CasesConcerning lists the IDs of the cases that concern a person: those
// they reported, created or hold, and the user-management cases about
// them (an access of theirs, their departure, the account made for them).
func (d *DB) CasesConcerning(ctx context.Context, username string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	// (created_by = reporter is the reporter's own: the first condition;
	// the second is then the cases created for others, cases_created_for.)
	rows, err := d.db.QueryContext(ctx, `SELECT id FROM cases WHERE reporter = ? OR (`+createdFor+`) = ? OR assignee = ?
		ORDER BY created_at, id`,
		username, username, username)
	if err != nil {
		return nil, fmt.Errorf("read model: cases of %s: %w", username, err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		add(id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Whom a user-management case is about is in its snapshot only.
	rows, err = d.db.QueryContext(ctx, `SELECT id, state FROM cases WHERE kind IN (?, ?, ?) ORDER BY created_at, id`,
		string(helpdesk.KindESAAccess), string(helpdesk.KindDeparture), string(helpdesk.KindNewUser))
	if err != nil {
		return nil, fmt.Errorf("read model: cases about %s: %w", username, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    string
			state []byte
		)
		if err := rows.Scan(&id, &state); err != nil {
			return nil, err
		}
		c, err := decodeState(state)
		if err != nil {
			return nil, fmt.Errorf("read model: case %s: %w: %v", id, ErrBadState, err)
		}
		if Subject(c) == username {
			add(id)
		}
	}
	return out, rows.Err()
}

// Subject is whom a user-management case is about ("" for other kinds).
func Subject(c helpdesk.Case) string {
	switch {
	case c.Access != nil:
		return c.Access.Employee
	case c.Departure != nil:
		return c.Departure.Employee
	case c.NewUser != nil:
		return c.NewUser.Username
	}
	return ""
}

// DeleteCaseNotifications removes a case's notifications (their read
// flags stay, keyed by id), so an erasure can write them again from the
// record, without what it erased.
func (t *Tx) DeleteCaseNotifications(ctx context.Context, caseID string) error {
	if t.notes != nil {
		// What the batch queued comes before the deletion.
		if err := writeNotifications(ctx, t.tx, t.notes); err != nil {
			return err
		}
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM notifications WHERE case_id = ?`, caseID); err != nil {
		return fmt.Errorf("read model: delete notifications of %s: %w", caseID, err)
	}
	return nil
}

// Scrub makes what was deleted or overwritten unreadable in the files: on
// SQLite the write-ahead log, which still holds the pages as they were,
// is checkpointed and truncated (secure_delete has zeroed the database's
// own free space). PostgreSQL's dead rows go with its (auto)vacuum.
func (d *DB) Scrub(ctx context.Context) error {
	if d.pg {
		return nil
	}
	if _, err := d.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("read model: scrub: %w", err)
	}
	return nil
}
