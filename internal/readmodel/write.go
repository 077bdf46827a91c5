package readmodel

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/gob"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// ErrBadState means a stored case snapshot cannot be read back. Retrying
// does not help; rebuilding the read model does.
var ErrBadState = errors.New("unreadable case state")

// Tx is one projection step: everything one event changes, written in the
// same transaction as the projection's checkpoint.
type Tx struct {
	tx      *sql.Tx
	outcome string // column of checkpoints to count the event in
}

// Project runs fn for the event at position in one transaction that also
// moves projection's checkpoint to position. An event at or before the
// checkpoint was applied already: fn is not run and Project reports false.
// So a redelivered event is a no-op, and a crash before the commit leaves
// neither the change nor the checkpoint behind.
func (d *DB) Project(ctx context.Context, projection string, position uint64, fn func(ctx context.Context, tx *Tx) error) (applied bool, err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("read model: begin: %w", err)
	}
	defer tx.Rollback()
	checkpoint, err := checkpointIn(ctx, tx, projection)
	if err != nil {
		return false, err
	}
	if position <= checkpoint {
		return false, nil
	}
	t := &Tx{tx: tx, outcome: "applied"}
	if err := fn(ctx, t); err != nil {
		return false, err
	}
	// outcome is one of three fixed column names, never input.
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (projection, position, `+t.outcome+`, updated_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (projection) DO UPDATE SET position = excluded.position, `+t.outcome+` = `+t.outcome+` + 1, updated_at = excluded.updated_at`,
		projection, int64(position), time.Now().UnixNano()); err != nil {
		return false, fmt.Errorf("read model: move checkpoint: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("read model: commit: %w", err)
	}
	return true, nil
}

// Ignore counts the event as not for this projection (another stream).
func (t *Tx) Ignore() { t.outcome = "ignored" }

// Skip counts the event as one this code does not know (a newer event
// type): passed over, but counted so it is noticed.
func (t *Tx) Skip() { t.outcome = "skipped" }

// Case returns the folded case id as last written and the last stream
// revision seen for it (which may be past c.Revision when events were
// skipped). ok is false when the case has no row yet.
func (t *Tx) Case(ctx context.Context, id string) (c helpdesk.Case, seen int64, ok bool, err error) {
	var state []byte
	err = t.tx.QueryRowContext(ctx, `SELECT state, seen_revision FROM cases WHERE id = ?`, id).Scan(&state, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return helpdesk.NewCase(), -1, false, nil
	}
	if err != nil {
		return c, 0, false, fmt.Errorf("read model: load case %s: %w", id, err)
	}
	// gob, not JSON: the snapshot is only ever folded on, and the fold
	// needs fields the API's JSON leaves out (the SLA clock's running
	// time, reminders).
	if err := gob.NewDecoder(bytes.NewReader(state)).Decode(&c); err != nil {
		return c, 0, false, fmt.Errorf("read model: case %s: %w: %v", id, ErrBadState, err)
	}
	return c, seen, true, nil
}

// MarkSeen records that the case's stream was read up to revision seen
// without changing the case (a skipped event).
func (t *Tx) MarkSeen(ctx context.Context, id string, seen int64) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET seen_revision = ? WHERE id = ?`, seen, id); err != nil {
		return fmt.Errorf("read model: mark case %s: %w", id, err)
	}
	return nil
}

// PutCase writes the case row, its snapshot and its tasks.
func (t *Tx) PutCase(ctx context.Context, c helpdesk.Case, seen int64) error {
	var state bytes.Buffer
	if err := gob.NewEncoder(&state).Encode(c); err != nil {
		return fmt.Errorf("read model: encode case %s: %w", c.ID, err)
	}
	var (
		sla                                   = c.SLA
		hasSLA, paused, respBreach, resBreach bool
		respDue, resDue                       *time.Time
	)
	if sla != nil {
		hasSLA, paused, respBreach, resBreach = true, sla.Paused, sla.ResponseBreached, sla.ResolutionBreached
		respDue, resDue = sla.ResponseDue, sla.ResolutionDue
	}
	search := strings.ToLower(c.Reference + "\n" + c.Title + "\n" + c.Description)
	_, err := t.tx.ExecContext(ctx, `INSERT INTO cases (id, reference, kind, status, final, title, description, priority, service, channel,
			reporter, created_by, assignee, grp, reopened, created_at, updated_at, resolved_at, closed_at, revision, seen_revision,
			has_sla, sla_response_due, sla_resolution_due, sla_paused, sla_response_breached, sla_resolution_breached, sla_breached,
			search, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, kind = excluded.kind, status = excluded.status,
			final = excluded.final, title = excluded.title, description = excluded.description, priority = excluded.priority,
			service = excluded.service, channel = excluded.channel, reporter = excluded.reporter, created_by = excluded.created_by,
			assignee = excluded.assignee, grp = excluded.grp, reopened = excluded.reopened, created_at = excluded.created_at,
			updated_at = excluded.updated_at, resolved_at = excluded.resolved_at, closed_at = excluded.closed_at,
			revision = excluded.revision, seen_revision = excluded.seen_revision, has_sla = excluded.has_sla,
			sla_response_due = excluded.sla_response_due, sla_resolution_due = excluded.sla_resolution_due,
			sla_paused = excluded.sla_paused, sla_response_breached = excluded.sla_response_breached,
			sla_resolution_breached = excluded.sla_resolution_breached, sla_breached = excluded.sla_breached,
			search = excluded.search, state = excluded.state`,
		c.ID, c.Reference, string(c.Kind), string(c.Status), c.Final(), c.Title, c.Description, string(c.Priority), c.Service, string(c.Channel),
		c.Reporter, c.CreatedBy, c.Assignee, c.Group, c.Reopened, nanos(c.CreatedAt), nanos(c.UpdatedAt), optNanos(c.ResolvedAt), optNanos(c.ClosedAt),
		c.Revision, seen,
		hasSLA, optNanosPtr(respDue), optNanosPtr(resDue), paused, respBreach, resBreach, respBreach || resBreach,
		search, state.Bytes())
	if err != nil {
		return fmt.Errorf("read model: write case %s: %w", c.ID, err)
	}
	// A case has a handful of tasks: rewriting them is simpler than
	// working out which one an event touched, and just as correct.
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM tasks WHERE case_id = ?`, c.ID); err != nil {
		return fmt.Errorf("read model: clear tasks of %s: %w", c.ID, err)
	}
	for _, tk := range c.Tasks {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO tasks (id, case_id, case_reference, kind, type, title, status, approver, fallback,
				escalated, grp, cost_nok, created_at, due_at, completed_at, outcome, decided_by, on_behalf_of)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tk.ID, c.ID, c.Reference, string(tk.Kind), tk.Type, tk.Title, string(tk.Status), tk.Approver, tk.Fallback,
			tk.Escalated, tk.Group, tk.CostNOK, nanos(tk.CreatedAt), optNanos(tk.DueAt), optNanos(tk.CompletedAt),
			tk.Outcome, tk.DecidedBy, tk.OnBehalfOf); err != nil {
			return fmt.Errorf("read model: write task %s: %w", tk.ID, err)
		}
	}
	return nil
}

// PoisonedEvent is an event a projection could not apply.
type PoisonedEvent struct {
	Projection    string    `json:"projection"`
	Position      uint64    `json:"position"`
	EventID       string    `json:"eventId"`
	Stream        string    `json:"stream"`
	Type          string    `json:"type"`
	Revision      uint64    `json:"revision"`
	CorrelationID string    `json:"correlationId,omitempty"`
	Reason        string    `json:"reason"`
	RecordedAt    time.Time `json:"recordedAt"`
}

// RecordPoisoned keeps p and moves its projection's checkpoint past it, in
// one transaction: the event is skipped from now on, but on the record.
// Recording the same event twice keeps the first record.
func (d *DB) RecordPoisoned(ctx context.Context, p PoisonedEvent) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("read model: begin: %w", err)
	}
	defer tx.Rollback()
	if p.RecordedAt.IsZero() {
		p.RecordedAt = time.Now()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO poisoned (projection, position, event_id, stream, type, revision, correlation_id, reason, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		p.Projection, int64(p.Position), p.EventID, p.Stream, p.Type, int64(p.Revision), p.CorrelationID, p.Reason, p.RecordedAt.UnixNano()); err != nil {
		return fmt.Errorf("read model: record poisoned event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (projection, position, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (projection) DO UPDATE SET position = max(position, excluded.position), updated_at = excluded.updated_at`,
		p.Projection, int64(p.Position), time.Now().UnixNano()); err != nil {
		return fmt.Errorf("read model: move checkpoint past poisoned event: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("read model: commit: %w", err)
	}
	return nil
}

// Poisoned lists the events projection could not apply, oldest first.
func (d *DB) Poisoned(ctx context.Context, projection string) ([]PoisonedEvent, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT projection, position, event_id, stream, type, revision, correlation_id, reason, recorded_at
		FROM poisoned WHERE projection = ? ORDER BY position`, projection)
	if err != nil {
		return nil, fmt.Errorf("read model: list poisoned events: %w", err)
	}
	defer rows.Close()
	out := []PoisonedEvent{}
	for rows.Next() {
		var (
			p             PoisonedEvent
			pos, rev, rec int64
		)
		if err := rows.Scan(&p.Projection, &pos, &p.EventID, &p.Stream, &p.Type, &rev, &p.CorrelationID, &p.Reason, &rec); err != nil {
			return nil, fmt.Errorf("read model: list poisoned events: %w", err)
		}
		p.Position, p.Revision, p.RecordedAt = uint64(pos), uint64(rev), time.Unix(0, rec).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: list poisoned events: %w", err)
	}
	return out, nil
}

// Stats is how far a projection got and what it did on the way.
type Stats struct {
	// Position is the global position of the last event handled.
	Position uint64 `json:"position"`
	// Applied events changed the read model; Ignored ones were for other
	// streams; Skipped ones had a type this code does not know.
	Applied  int64 `json:"applied"`
	Ignored  int64 `json:"ignored"`
	Skipped  int64 `json:"skipped"`
	Poisoned int64 `json:"poisoned"`
}

// Stats returns projection's progress; the zero Stats before it starts.
func (d *DB) Stats(ctx context.Context, projection string) (Stats, error) {
	var s Stats
	var pos int64
	err := d.db.QueryRowContext(ctx, `SELECT position, applied, ignored, skipped FROM checkpoints WHERE projection = ?`, projection).
		Scan(&pos, &s.Applied, &s.Ignored, &s.Skipped)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("read model: stats of %s: %w", projection, err)
	}
	s.Position = uint64(pos)
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM poisoned WHERE projection = ?`, projection).Scan(&s.Poisoned); err != nil {
		return s, fmt.Errorf("read model: stats of %s: %w", projection, err)
	}
	return s, nil
}

// Checkpoint returns the global position projection has handled
// everything up to; 0 before it starts.
func (d *DB) Checkpoint(ctx context.Context, projection string) (uint64, error) {
	return checkpointIn(ctx, d.db, projection)
}

// checkpointIn reads a checkpoint through the database or a transaction.
func checkpointIn(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, projection string) (uint64, error) {
	var pos int64
	err := q.QueryRowContext(ctx, `SELECT position FROM checkpoints WHERE projection = ?`, projection).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read model: checkpoint of %s: %w", projection, err)
	}
	return uint64(pos), nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

// optNanos stores the zero time as NULL.
func optNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func optNanosPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return optNanos(*t)
}

// fromNanos reads an optional time column.
func fromNanos(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.Unix(0, n.Int64).UTC()
	return &t
}
