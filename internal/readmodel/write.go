package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
)

// ErrBadState means a stored case snapshot cannot be read back. Retrying
// does not help; rebuilding the read model does.
var ErrBadState = errors.New("unreadable case state")

// Tx is one projection step: everything one event changes, written in the
// same transaction as the projection's checkpoint.
type Tx struct {
	tx      *stmtTx
	outcome string // column of checkpoints to count the event in
	// cases holds the cases a batch has read or written (nil outside a
	// batch): later events of the batch fold on them without reading the
	// row back, and each is written once, when the batch commits.
	cases map[string]*cachedCase
	// notes are the notifications a batch queued (nil outside a batch),
	// written together when it commits.
	notes *[]Notification
}

// cachedCase is a case as a batch last saw it.
type cachedCase struct {
	c      helpdesk.Case
	seen   int64
	exists bool // a row exists, or will once the batch writes it
	dirty  bool // changed since read: the batch writes it
	// fresh: the case had no row when the batch read it, so its row is
	// new (COPY on PostgreSQL, postgres.go).
	fresh bool
}

// Project runs fn for the event at position in one transaction that also
// moves projection's checkpoint to position. An event at or before the
// checkpoint was applied already: fn is not run and Project reports false.
// So a redelivered event is a no-op, and a crash before the commit leaves
// neither the change nor the checkpoint behind.
func (d *DB) Project(ctx context.Context, projection string, position uint64, fn func(ctx context.Context, tx *Tx) error) (applied bool, err error) {
	// One event, one transaction: the live projector's way, which keeps
	// its statements on the database (stmtTx).
	err = d.projectBatch(ctx, projection, &d.stmts, func(ctx context.Context, b *Batch) error {
		applied, err = b.step(ctx, position, fn, false)
		return err
	})
	return applied, err
}

// Batch is many projection steps in one transaction, with one move of the
// checkpoint when it commits: catching up far behind the record, the
// transaction, the checkpoint and each case's row are paid once per
// batch instead of once per event. It is as safe as Project: the steps
// and the checkpoint commit together or not at all.
type Batch struct {
	tx         *stmtTx
	checkpoint uint64 // the checkpoint as the batch began
	last       uint64 // the last position a step applied
	counts     map[string]int64
	cases      map[string]*cachedCase
	notes      []Notification
}

// ProjectBatch runs fn, which calls b.Step for each event in global order,
// in one transaction that then writes the cases the steps changed and
// moves projection's checkpoint to the last step. If fn or the commit
// fails, nothing of the batch is kept.
func (d *DB) ProjectBatch(ctx context.Context, projection string, fn func(ctx context.Context, b *Batch) error) error {
	return d.projectBatch(ctx, projection, nil, fn)
}

// projectBatch is ProjectBatch, its statements prepared on shared when
// that is set, else for the transaction alone.
func (d *DB) projectBatch(ctx context.Context, projection string, shared *stmtCache, fn func(ctx context.Context, b *Batch) error) error {
	var (
		tx   *sql.Tx
		conn *sql.Conn // PostgreSQL: the connection, for bulk writes
		err  error
	)
	if d.pg {
		if conn, err = d.db.Conn(ctx); err != nil {
			return fmt.Errorf("read model: begin: %w", err)
		}
		defer conn.Close()
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = d.db.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("read model: begin: %w", err)
	}
	defer tx.Rollback()
	// On PostgreSQL two projectors could run at once (while one loses its
	// lease, projector.go): the row lock makes the second wait for the
	// first's commit and then see its checkpoint, so no event is applied
	// twice. SQLite's writer takes the database lock at BEGIN.
	if d.pg {
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (projection, position, updated_at) VALUES (?, 0, ?)
			ON CONFLICT (projection) DO NOTHING`, projection, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("read model: checkpoint of %s: %w", projection, err)
		}
	}
	checkpoint, err := checkpointIn(ctx, tx, projection, d.pg)
	if err != nil {
		return err
	}
	b := &Batch{tx: &stmtTx{Tx: tx, stmts: map[string]*sql.Stmt{}, prepare: !d.pg, shared: shared, conn: conn}, checkpoint: checkpoint, last: checkpoint, counts: map[string]int64{}, cases: map[string]*cachedCase{}}
	if err := fn(ctx, b); err != nil {
		return err
	}
	if b.last == checkpoint {
		return nil // every step was applied before
	}
	ids := make([]string, 0, len(b.cases))
	for id, cc := range b.cases {
		if cc.dirty {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	rows := make([]caseRow, len(ids))
	for i, id := range ids {
		cc := b.cases[id]
		rows[i] = caseRow{c: cc.c, seen: cc.seen, fresh: cc.fresh}
	}
	if err := writeCases(ctx, b.tx, rows); err != nil {
		return err
	}
	if err := writeNotifications(ctx, b.tx, &b.notes); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (projection, position, applied, ignored, skipped, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (projection) DO UPDATE SET position = excluded.position, applied = checkpoints.applied + excluded.applied,
			ignored = checkpoints.ignored + excluded.ignored, skipped = checkpoints.skipped + excluded.skipped, updated_at = excluded.updated_at`,
		projection, int64(b.last), b.counts["applied"], b.counts["ignored"], b.counts["skipped"], time.Now().UnixNano()); err != nil {
		return fmt.Errorf("read model: move checkpoint: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("read model: commit: %w", err)
	}
	return nil
}

// Checkpoint is the projection's checkpoint as the batch began: steps at
// or before it are not run again.
func (b *Batch) Checkpoint() uint64 { return b.checkpoint }

// Prefetch reads the cases ids into the batch in one query, so the steps
// that fold on them do not each ask for their row (on PostgreSQL a round
// trip a case). Cases the batch already holds are left alone; an id
// without a row is remembered as new.
func (b *Batch) Prefetch(ctx context.Context, ids []string) error {
	var want []any
	asked := map[string]bool{}
	for _, id := range ids {
		if _, ok := b.cases[id]; !ok && !asked[id] {
			asked[id] = true
			want = append(want, id)
		}
	}
	for len(want) > 0 {
		chunk := want[:min(len(want), 5*rowsPerInsert)]
		want = want[len(chunk):]
		rows, err := b.tx.Tx.QueryContext(ctx, `SELECT id, state, seen_revision FROM cases WHERE id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return fmt.Errorf("read model: prefetch cases: %w", err)
		}
		found, unreadable := map[string]*cachedCase{}, map[string]bool{}
		for rows.Next() {
			var (
				id    string
				state []byte
				seen  int64
			)
			if err := rows.Scan(&id, &state, &seen); err != nil {
				rows.Close()
				return fmt.Errorf("read model: prefetch cases: %w", err)
			}
			c, err := decodeState(state)
			if err != nil {
				// Left for the step to read, and fail on, itself.
				unreadable[id] = true
				continue
			}
			found[id] = &cachedCase{c: c, seen: seen, exists: true}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read model: prefetch cases: %w", err)
		}
		for _, id := range chunk {
			id := id.(string)
			if cc, ok := found[id]; ok {
				b.cases[id] = cc
			} else if !unreadable[id] {
				b.cases[id] = &cachedCase{c: helpdesk.NewCase(), seen: -1, fresh: true}
			}
		}
	}
	return nil
}

// Step runs fn for the event at position, inside the batch. Positions
// must rise from step to step. An event at or before the checkpoint is
// not run again: Step reports false. An error from fn is returned as it
// is, and the caller must then give up the whole batch (return the error
// from ProjectBatch's fn): what fn wrote before failing is not undone by
// Step alone.
func (b *Batch) Step(ctx context.Context, position uint64, fn func(ctx context.Context, tx *Tx) error) (applied bool, err error) {
	return b.step(ctx, position, fn, true)
}

func (b *Batch) step(ctx context.Context, position uint64, fn func(ctx context.Context, tx *Tx) error, cache bool) (bool, error) {
	if position <= b.last {
		return false, nil
	}
	t := &Tx{tx: b.tx, outcome: "applied"}
	if cache {
		t.cases, t.notes = b.cases, &b.notes
	}
	if err := fn(ctx, t); err != nil {
		return false, err
	}
	b.last = position
	b.counts[t.outcome]++
	return true, nil
}

// stmtTx is a transaction that prepares each statement once: a batch runs
// the same few statements thousands of times, and parsing them again each
// time was a fifth of a rebuild's CPU on SQLite. The one-event
// transactions of Project (the live projector's, one or two per case
// step) keep theirs beyond the transaction: parsing them anew each time
// was a fifth of the live projector's CPU (docs/PERFORMANCE.md). Those
// are prepared on the database (shared) and bound to the transaction's
// connection, where database/sql keeps them for the next transaction on
// that connection. A batch prepares its own: preparing on the database
// first (on another connection) made a rebuild 10% slower. pgx keeps its
// own cache of prepared statements per connection, so on PostgreSQL
// preparing here would only add round trips: prepare is false there.
type stmtTx struct {
	*sql.Tx
	stmts   map[string]*sql.Stmt
	prepare bool
	shared  *stmtCache // the database's statements (DB.stmts), or nil
	// conn is the transaction's connection on PostgreSQL, for bulk writes
	// by COPY (postgres.go); nil on SQLite, and outside ProjectBatch.
	conn *sql.Conn
}

func (t *stmtTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if !t.prepare {
		return nil, errNoPrepare
	}
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if t.shared == nil {
		var err error
		if st, err = t.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
	} else {
		shared, err := t.shared.get(ctx, query)
		if err != nil {
			return nil, err
		}
		st = t.StmtContext(ctx, shared)
	}
	t.stmts[query] = st
	return st, nil
}

// stmtCache holds statements prepared on db, by their text.
type stmtCache struct {
	mu    sync.Mutex
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

// maxSharedStmts bounds a stmtCache: the multi-row writes have a text per
// number of rows (valueRows), and a case with many tasks or notifications
// brings a new one. A full cache starts afresh; the few statements of
// every step come back at their next use.
const maxSharedStmts = 128

// get returns the statement of query prepared on the database.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if len(c.stmts) >= maxSharedStmts {
		// database/sql keeps a closed statement's connections' copies
		// until the transactions using them end.
		c.closeLocked()
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
}

func (c *stmtCache) closeLocked() {
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

var errNoPrepare = errors.New("statements are not prepared on this database")

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !t.prepare {
		return t.Tx.ExecContext(ctx, query, args...)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		// A Row carrying err: the same query again fails to prepare the
		// same way, through the transaction itself.
		return t.Tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
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
	if cc, hit := t.cases[id]; hit {
		return cc.c, cc.seen, cc.exists, nil
	}
	c, seen, ok, err = t.loadCase(ctx, id)
	if err == nil && t.cases != nil {
		t.cases[id] = &cachedCase{c: c, seen: seen, exists: ok, fresh: !ok}
	}
	return c, seen, ok, err
}

func (t *Tx) loadCase(ctx context.Context, id string) (c helpdesk.Case, seen int64, ok bool, err error) {
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
	if c, err = decodeState(state); err != nil {
		return c, 0, false, fmt.Errorf("read model: case %s: %w: %v", id, ErrBadState, err)
	}
	return c, seen, true, nil
}

// MarkSeen records that the case's stream was read up to revision seen
// without changing the case (a skipped event).
func (t *Tx) MarkSeen(ctx context.Context, id string, seen int64) error {
	if cc, hit := t.cases[id]; hit {
		cc.seen = seen
		cc.dirty = cc.dirty || cc.exists
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE cases SET seen_revision = ? WHERE id = ?`, seen, id); err != nil {
		return fmt.Errorf("read model: mark case %s: %w", id, err)
	}
	return nil
}

// PutCase writes the case row, its snapshot and its tasks (in a batch:
// when the batch commits).
func (t *Tx) PutCase(ctx context.Context, c helpdesk.Case, seen int64) error {
	if t.cases != nil {
		prev := t.cases[c.ID]
		t.cases[c.ID] = &cachedCase{c: c, seen: seen, exists: true, dirty: true, fresh: prev != nil && prev.fresh}
		return nil
	}
	return writeCase(ctx, t.tx, c, seen)
}

func writeCase(ctx context.Context, tx *stmtTx, c helpdesk.Case, seen int64) error {
	return writeCases(ctx, tx, []caseRow{{c: c, seen: seen}})
}

// caseRow is a case to write and the last revision seen of its stream.
// fresh says the case had no row when the batch read it.
type caseRow struct {
	c     helpdesk.Case
	seen  int64
	fresh bool
}

// rowsPerInsert bounds the rows of one multi-row INSERT: a catching-up
// batch writes its cases, their tasks and attachments in a few
// statements instead of several per case (on PostgreSQL each statement
// is a round trip), within both databases' limits on parameters.
const rowsPerInsert = 100

// writeCases writes the rows, snapshots, tasks and attachments of cases
// (each case once): on PostgreSQL many at once by COPY (bulkCases),
// otherwise rowsPerInsert at a time.
func writeCases(ctx context.Context, tx *stmtTx, cases []caseRow) error {
	// The KPI days of the rows before and after (kpi_days.go).
	if err := markKPIDays(ctx, tx, cases); err != nil {
		return err
	}
	if tx.conn != nil && len(cases) >= bulkMin {
		return bulkCases(ctx, tx, cases)
	}
	return writeCaseRows(ctx, tx, cases)
}

// writeCaseRows writes cases rowsPerInsert at a time.
func writeCaseRows(ctx context.Context, tx *stmtTx, cases []caseRow) error {
	for len(cases) > 0 {
		chunk := cases[:min(rowsPerInsert, len(cases))]
		cases = cases[len(chunk):]
		if err := upsertCases(ctx, tx, chunk); err != nil {
			return err
		}
		ids := make([]any, len(chunk))
		for i, r := range chunk {
			ids[i] = r.c.ID
		}
		// A case has a handful of tasks: rewriting them is simpler than
		// working out which one an event touched, and just as correct.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE case_id IN (`+placeholders(len(ids))+`)`, ids...); err != nil {
			return fmt.Errorf("read model: clear tasks: %w", err)
		}
		var tasks []any
		n := 0
		flushTasks := func() error {
			if n == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES `+valueRows(n, taskColumnCount), tasks...); err != nil {
				return fmt.Errorf("read model: write tasks: %w", err)
			}
			tasks, n = tasks[:0], 0
			return nil
		}
		for _, r := range chunk {
			c := r.c
			for _, tk := range c.Tasks {
				tasks = append(tasks, taskValues(c, tk)...)
				if n++; n == rowsPerInsert {
					if err := flushTasks(); err != nil {
						return err
					}
				}
			}
		}
		if err := flushTasks(); err != nil {
			return err
		}
		if err := writeAttachments(ctx, tx, chunk); err != nil {
			return err
		}
	}
	return nil
}

// upsertCases writes the rows and snapshots of cases, inserted or
// updated, rowsPerInsert at a time.
func upsertCases(ctx context.Context, tx *stmtTx, cases []caseRow) error {
	for len(cases) > 0 {
		chunk := cases[:min(rowsPerInsert, len(cases))]
		cases = cases[len(chunk):]
		args := make([]any, 0, len(chunk)*caseColumnCount)
		for _, r := range chunk {
			row, err := caseValues(r.c, r.seen)
			if err != nil {
				return err
			}
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cases (`+caseColumns+`) VALUES `+valueRows(len(chunk), caseColumnCount)+`
			ON CONFLICT (id) DO UPDATE SET `+caseUpdates, args...); err != nil {
			return fmt.Errorf("read model: write cases %s…: %w", chunk[0].c.ID, err)
		}
	}
	return nil
}

// taskColumns are the columns of a task row, in the order taskValues
// gives them.
const taskColumns = `id, case_id, case_reference, case_title, case_kind, case_reporter, kind, type, title, status, approver, fallback, escalated, grp, cost_nok,
	created_at, due_at, completed_at, outcome, decided_by, on_behalf_of`

// taskColumnCount is how many columns taskColumns names.
var taskColumnCount = strings.Count(taskColumns, ",") + 1

// taskValues is tk's row (a task of c) in taskColumns' order.
func taskValues(c helpdesk.Case, tk helpdesk.Task) []any {
	return []any{tk.ID, c.ID, c.Reference, c.Title, string(c.Kind), c.Reporter, string(tk.Kind), tk.Type, tk.Title, string(tk.Status), tk.Approver, tk.Fallback,
		tk.Escalated, tk.Group, tk.CostNOK, nanos(tk.CreatedAt), optNanos(tk.DueAt), optNanos(tk.CompletedAt),
		tk.Outcome, tk.DecidedBy, tk.OnBehalfOf}
}

// valueRows is n rows of cols placeholders: "(?, ?), (?, ?)".
func valueRows(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// caseValues is c's row in caseColumns' order.
func caseValues(c helpdesk.Case, seen int64) ([]any, error) {
	state, err := encodeState(c)
	if err != nil {
		return nil, err
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
	search := searchText(c.Reference, c.Title, c.Description)
	k := kpiColumnsOf(c)
	dueKey := noDue
	if resDue != nil && !resDue.IsZero() {
		dueKey = resDue.UnixNano()
	}
	return []any{c.ID, c.Reference, string(c.Kind), string(c.Status), c.Final(), c.Title, c.Description, string(c.Priority), c.Service, string(c.Channel),
		c.Reporter, c.CreatedBy, c.Assignee, c.Group, c.Reopened, nanos(c.CreatedAt), nanos(c.UpdatedAt), optNanos(c.ResolvedAt), optNanos(c.ClosedAt),
		c.Revision, seen,
		hasSLA, optNanosPtr(respDue), optNanosPtr(resDue), paused, respBreach, resBreach, respBreach || resBreach,
		search, state, c.Erasure != nil, dueKey, endedAt(c),
		k.respondedAt, optNanos(kpi.DoneAt(c)), k.slaStopped, int64(k.slaUsed), int64(k.respTarget), int64(k.resTarget), k.newUserStart, k.newUserReady}, nil
}

// caseColumnCount is how many columns caseColumns names.
var caseColumnCount = strings.Count(caseColumns, ",") + 1

// caseColumns are the columns of a case row, in the order writeCase gives
// them; caseUpdates sets each but the key from excluded.
var caseColumns, caseUpdates = func() (string, string) {
	cols := []string{"id", "reference", "kind", "status", "final", "title", "description", "priority", "service", "channel",
		"reporter", "created_by", "assignee", "grp", "reopened", "created_at", "updated_at", "resolved_at", "closed_at", "revision", "seen_revision",
		"has_sla", "sla_response_due", "sla_resolution_due", "sla_paused", "sla_response_breached", "sla_resolution_breached", "sla_breached",
		"search", "state", "erased", "due_key", "ended_at",
		"responded_at", "done_at", "sla_stopped", "sla_used", "sla_response_target", "sla_resolution_target", "newuser_start", "newuser_ready"}
	sets := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		sets = append(sets, c+" = excluded."+c)
	}
	return strings.Join(cols, ", "), strings.Join(sets, ", ")
}()

// endedAt is when the desk finished c, as the KPI backlog counts it (the
// resolution or grant, else the closing), or noDue while not.
func endedAt(c helpdesk.Case) int64 {
	end := kpi.DoneAt(c)
	if end.IsZero() {
		end = c.ClosedAt
	}
	if end.IsZero() {
		return noDue
	}
	return end.UnixNano()
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
		ON CONFLICT (projection) DO UPDATE SET position = CASE WHEN excluded.position > checkpoints.position
			THEN excluded.position ELSE checkpoints.position END, updated_at = excluded.updated_at`,
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
	return checkpointIn(ctx, d.db, projection, false)
}

// checkpointIn reads a checkpoint through the database or a transaction.
func checkpointIn(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, projection string, forUpdate bool) (uint64, error) {
	query := `SELECT position FROM checkpoints WHERE projection = ?`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var pos int64
	err := q.QueryRowContext(ctx, query, projection).Scan(&pos)
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
