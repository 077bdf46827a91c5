// Package readmodel holds the disposable read model: tables built from the
// event store for lists, queues and reports. Deleting it loses nothing but
// which notifications were read (notifications.go); it is rebuilt from the
// record. The projection package writes it (through
// Project and RecordPoisoned); the API reads it (ListCases, ListTasks,
// OpenCaseLoad).
package readmodel

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// schemaVersion changes whenever the tables, or what an event means to
// them, change. Bump it when (*helpdesk.Case).Apply changes meaning: a
// read model built by other code is dropped and rebuilt at the next start.
//
// 2: the notifications table (notifications.go); the rebuild fills it from
// the whole record.
// 3: the announcements table (announcements.go).
// 4: a receipt notification for cases opened by mail.
// 5: notifications.task_id, the task a notification asks to act on.
// 6: cases.erased, and an erased case folded afresh from the record
// (docs/PRIVACY.md).
// 7: the read side at a million cases (docs/PERFORMANCE.md): cases.search
// holds the words of reference, title and description and is indexed for
// full text search (cases_fts on SQLite, a GIN index on PostgreSQL);
// cases.due_key and cases.ended_at, and indexes for every list and queue
// filter; the columns and indexes the KPI report reads (kpi.go).
// 8: kpi_days, the KPI report's facts by day, marked by every write of a
// case (kpi_days.go): code of version 7 would write cases without marking
// the days, so it must not take this read model for its own.
// 9: tasks.case_title, case_kind and case_reporter, the task's case as
// the inbox shows and filters it, so GET /tasks reads no case row
// (docs/PERFORMANCE.md, seventh pass).
const schemaVersion = 9

// DB is the read model database.
type DB struct {
	db *sql.DB
	// pg is true on PostgreSQL, false on SQLite (postgres.go).
	pg bool
	// rebuilt tells why Open dropped an existing read model, if it did.
	rebuilt string
	// kpiKeys names, on SQLite, the index the KPI report reads an
	// approval's case from (kpi.go).
	kpiKeys string
	// trace, when set (by tests), sees each query the read side runs
	// through query, so its plan can be checked.
	trace func(query string, args []any)
	// stmts are the projection's statements prepared on the database, on
	// SQLite (stmtTx); each connection prepares each once.
	stmts stmtCache
}

// query runs a read of the lists, tasks or reports.
func (d *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if d.trace != nil {
		d.trace(query, args)
	}
	return d.db.QueryContext(ctx, query, args...)
}

// Open opens (creating if needed) the read model at dsn: postgres://… (or
// postgresql://…) for PostgreSQL, where a search_path parameter picks the
// schema; sqlite:<path> or a plain file path for SQLite. A read model
// written by another schema or another shape of helpdesk.Case is dropped,
// so the projector rebuilds it from the record.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		d     = &DB{pg: isPostgres(dsn)}
		where = dsn
		err   error
	)
	if d.pg {
		// Say where, never the password.
		if u, perr := url.Parse(dsn); perr == nil {
			where = u.Redacted()
		}
		d.db, err = openPostgres(dsn)
	} else {
		where = strings.TrimPrefix(dsn, "sqlite:")
		d.db, err = openSQLite(where)
		d.kpiKeys = "INDEXED BY cases_kpi_keys"
	}
	if err != nil {
		return nil, fmt.Errorf("open read model %s: %w", where, err)
	}
	d.stmts.db = d.db
	if err := d.migrate(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("read model %s: %w", where, err)
	}
	return d, nil
}

func openSQLite(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	// The read model is disposable and its checkpoint commits with its
	// rows, so losing the last transactions on power loss only means
	// replaying them: NORMAL is enough.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// A page cache of up to 32 MiB per connection (SQLite's default is 2
	// MiB): at a million cases an inbox of a thousand tasks reads a page
	// of cases for each, and the default cache sent most of those reads to
	// the operating system (docs/PERFORMANCE.md, GET /tasks).
	q.Add("_pragma", "cache_size(-32768)")
	// What an erasure overwrites or deletes is zeroed in the file, not
	// left in free pages (docs/PRIVACY.md).
	q.Add("_pragma", "secure_delete(ON)")
	// A statement that may have to undo part of itself (an upsert, a
	// delete of several rows) keeps its undo pages in memory: in a temp
	// file, each such statement opened, wrote and closed a file of its own
	// (docs/PERFORMANCE.md, "fifth pass").
	q.Add("_pragma", "temp_store(MEMORY)")
	// Writers take the lock at BEGIN, so two writers never deadlock on
	// upgrading a read lock.
	q.Set("_txlock", "immediate")
	return sql.Open("sqlite", "file:"+path+"?"+q.Encode())
}

// Backend names the database: "postgres" or "sqlite".
func (d *DB) Backend() string {
	if d.pg {
		return "postgres"
	}
	return "sqlite"
}

// Rebuilt returns why Open dropped the existing read model ("" when it
// kept it or there was none), so the caller can say so in its log.
func (d *DB) Rebuilt() string { return d.rebuilt }

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Close closes the database.
func (d *DB) Close() error {
	d.stmts.close()
	return d.db.Close()
}

var schema = []string{
	`CREATE TABLE IF NOT EXISTS meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	)`,
	// One row per projection: how far it got and what it did on the way.
	`CREATE TABLE IF NOT EXISTS checkpoints (
		projection TEXT PRIMARY KEY,
		position   INTEGER NOT NULL,
		applied    INTEGER NOT NULL DEFAULT 0,
		ignored    INTEGER NOT NULL DEFAULT 0,
		skipped    INTEGER NOT NULL DEFAULT 0,
		updated_at INTEGER NOT NULL
	)`,
	// Times are Unix nanoseconds (UTC) so they sort as numbers.
	`CREATE TABLE IF NOT EXISTS cases (
		id                      TEXT PRIMARY KEY,
		reference               TEXT NOT NULL,
		kind                    TEXT NOT NULL,
		status                  TEXT NOT NULL,
		final                   BOOLEAN NOT NULL,
		title                   TEXT NOT NULL,
		description             TEXT NOT NULL,
		priority                TEXT NOT NULL,
		service                 TEXT NOT NULL,
		channel                 TEXT NOT NULL,
		reporter                TEXT NOT NULL,
		created_by              TEXT NOT NULL,
		assignee                TEXT NOT NULL,
		grp                     TEXT NOT NULL,
		reopened                INTEGER NOT NULL,
		created_at              INTEGER NOT NULL,
		updated_at              INTEGER NOT NULL,
		resolved_at             INTEGER,
		closed_at               INTEGER,
		revision                INTEGER NOT NULL,
		seen_revision           INTEGER NOT NULL,
		has_sla                 BOOLEAN NOT NULL,
		sla_response_due        INTEGER,
		sla_resolution_due      INTEGER,
		sla_paused              BOOLEAN NOT NULL,
		sla_response_breached   BOOLEAN NOT NULL,
		sla_resolution_breached BOOLEAN NOT NULL,
		sla_breached            BOOLEAN NOT NULL,
		search                  TEXT NOT NULL,
		state                   BLOB NOT NULL,
		erased                  BOOLEAN NOT NULL DEFAULT FALSE,
		-- The resolution deadline, or noDue without one: the due order.
		due_key                 INTEGER NOT NULL,
		-- When the desk finished the case (kpi.DoneAt, else closed_at),
		-- or noDue while it has not: the KPI backlog.
		ended_at                INTEGER NOT NULL,
		-- What the KPI report counts (kpi.go): the first response, when
		-- the desk finished (kpi.DoneAt), the SLA clock's time and
		-- targets, a new user's first day (when readiness was reported).
		responded_at            INTEGER,
		done_at                 INTEGER,
		sla_stopped             BOOLEAN NOT NULL,
		sla_used                INTEGER NOT NULL,
		sla_response_target     INTEGER NOT NULL,
		sla_resolution_target   INTEGER NOT NULL,
		newuser_start           INTEGER,
		newuser_ready           BOOLEAN NOT NULL
	)`,
	// Lists and queues (ListCases): each filter leads an index in each
	// order, so a page is a seek and a short walk, never a scan of every
	// case (scale_test.go checks the plans).
	`CREATE INDEX IF NOT EXISTS cases_recent ON cases (updated_at DESC, id DESC)`,
	`CREATE INDEX IF NOT EXISTS cases_due ON cases (due_key, id)`,
	`CREATE INDEX IF NOT EXISTS cases_status ON cases (status, updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS cases_status_due ON cases (status, due_key, id)`,
	`CREATE INDEX IF NOT EXISTS cases_kind ON cases (kind, updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS cases_group ON cases (grp, updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS cases_group_queue ON cases (grp, assignee, status, due_key, id)`,
	`CREATE INDEX IF NOT EXISTS cases_assignee ON cases (assignee, final)`,
	`CREATE INDEX IF NOT EXISTS cases_assignee_recent ON cases (assignee, updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS cases_assignee_queue ON cases (assignee, status, due_key, id)`,
	`CREATE INDEX IF NOT EXISTS cases_reporter ON cases (reporter, updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS cases_reporter_due ON cases (reporter, due_key, id)`,
	// The cases somebody reported for someone else (a phone call): a
	// user's own cases besides those they reported (cases.go, visibility;
	// privacy.go). Only these: with an index of every case's creator, at
	// a million cases PostgreSQL read the 166,000 an employee created
	// for themselves to find the none created for others.
	// (An expression, not a partial index, so that PostgreSQL keeps
	// statistics of it: of a partial index it guessed that a user created
	// as many cases for others as for themselves, and read every case.)
	`CREATE INDEX IF NOT EXISTS cases_created_for ON cases ((` + createdFor + `), updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS cases_reference ON cases (reference)`,
	// The KPI report (kpi.go): each figure's instant, with every column
	// its part reads, so a year's report reads these indexes and never a
	// case's row (a row holds the snapshot: a page read each).
	`CREATE INDEX IF NOT EXISTS cases_ended ON cases (ended_at, created_at, updated_at, final, kind, priority, grp)`,
	`CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, updated_at, final, kind, priority, grp)`,
	`CREATE INDEX IF NOT EXISTS cases_responded ON cases (responded_at, created_at, updated_at, final, kind, priority, grp,
		sla_response_target, sla_response_breached)`,
	`CREATE INDEX IF NOT EXISTS cases_done ON cases (done_at, created_at, updated_at, final, kind, priority, grp,
		reopened, sla_stopped, sla_used, sla_resolution_target, sla_resolution_breached)`,
	`CREATE INDEX IF NOT EXISTS cases_newuser ON cases (newuser_start)`,
	// An approval's case by its id, read from the index alone.
	`CREATE INDEX IF NOT EXISTS cases_kpi_keys ON cases (id, created_at, updated_at, final, kind, priority, grp)`,
	`CREATE TABLE IF NOT EXISTS tasks (
		id             TEXT PRIMARY KEY,
		case_id        TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
		case_reference TEXT NOT NULL,
		case_title     TEXT NOT NULL,
		case_kind      TEXT NOT NULL,
		case_reporter  TEXT NOT NULL,
		kind           TEXT NOT NULL,
		type           TEXT NOT NULL,
		title          TEXT NOT NULL,
		status         TEXT NOT NULL,
		approver       TEXT NOT NULL,
		fallback       TEXT NOT NULL,
		escalated      BOOLEAN NOT NULL,
		grp            TEXT NOT NULL,
		cost_nok       INTEGER NOT NULL,
		created_at     INTEGER NOT NULL,
		due_at         INTEGER,
		completed_at   INTEGER,
		outcome        TEXT NOT NULL,
		decided_by     TEXT NOT NULL,
		on_behalf_of   TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS tasks_case ON tasks (case_id)`,
	`CREATE INDEX IF NOT EXISTS tasks_open ON tasks (status, kind, grp)`,
	// Whose approvals (GET /tasks, and the cases an approver may see).
	`CREATE INDEX IF NOT EXISTS tasks_approver ON tasks (approver, status)`,
	`CREATE INDEX IF NOT EXISTS tasks_fallback ON tasks (fallback, status)`,
	`CREATE INDEX IF NOT EXISTS tasks_decided ON tasks (completed_at, kind, status, outcome, created_at, case_id)`,
	// Events a projection could not apply. They are skipped, never
	// silently: each is kept here with the reason.
	`CREATE TABLE IF NOT EXISTS poisoned (
		projection     TEXT NOT NULL,
		position       INTEGER NOT NULL,
		event_id       TEXT NOT NULL,
		stream         TEXT NOT NULL,
		type           TEXT NOT NULL,
		revision       INTEGER NOT NULL,
		correlation_id TEXT NOT NULL,
		reason         TEXT NOT NULL,
		recorded_at    INTEGER NOT NULL,
		PRIMARY KEY (projection, position)
	)`,
	// The KPI report's facts by day (kpi_days.go).
	kpiDaysTable,
	// Notifications and their read flags (notifications.go).
	notificationsTable, notificationsIndex, notificationReadsTable,
	// The mail feed's order (mailfeed.go).
	mailFeedIndex, mailFeedRecentIndex,
	// Maintenance notices and outages (announcements.go).
	announcementsTable, announcementsIndex,
}

// tables lists what a reset drops, children first. notification_reads is
// not among them: it is what users did, not what the record says, and its
// keys (notification ids) are the same after a rebuild (notifications.go).
var tables = []string{"kpi_days", "cases_fts", "announcements", "notifications", "poisoned", "case_attachments", "tasks", "cases", "checkpoints", "meta"}

// migrate creates the schema, first dropping a read model whose version
// differs from this code's.
func (d *DB) migrate(ctx context.Context) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if d.pg {
		// Two processes starting at once must not both create the tables.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '/readmodel-migrate'))`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	want := version()
	hasMeta, err := d.hasTable(ctx, tx, "meta")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have string
	if hasMeta {
		err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'version'`).Scan(&have)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read version: %w", err)
		}
	}
	switch {
	case have == want:
		// Whatever a rebuild that stopped half way left out (its
		// indexes, DeferIndexes) is made again; the rest is there.
		if err := d.createTables(ctx, tx); err != nil {
			return err
		}
		return tx.Commit()
	case have != "":
		d.rebuilt = fmt.Sprintf("written by read model version %s, this is %s", have, want)
	default:
		// A new database, or one from before versions were recorded.
		if old, err := d.hasTable(ctx, tx, "checkpoints"); err != nil {
			return fmt.Errorf("migrate: %w", err)
		} else if old {
			d.rebuilt = "written before read model versions were recorded"
		}
	}
	if d.rebuilt != "" {
		if err := dropTables(ctx, tx); err != nil {
			return err
		}
	}
	if err := d.createTables(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, want); err != nil {
		return fmt.Errorf("record version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func dropTables(ctx context.Context, tx *sql.Tx) error {
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return fmt.Errorf("drop %s: %w", t, err)
		}
	}
	return nil
}

func (d *DB) createTables(ctx context.Context, tx *sql.Tx) error {
	stmts := append(slices.Clone(schema), sqliteSearch...)
	if d.pg {
		stmts = append(slices.Clone(schema), pgSearch...)
	}
	for _, stmt := range stmts {
		if d.pg {
			stmt = pgSchema.Replace(stmt)
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	return nil
}

// Reset empties the read model for a rebuild from the record: every
// table the record fills is dropped and created again, the read flags
// (notification_reads) are kept.
func (d *DB) Reset(ctx context.Context) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("read model: reset: %w", err)
	}
	defer tx.Rollback()
	if err := dropTables(ctx, tx); err != nil {
		return fmt.Errorf("read model: reset: %w", err)
	}
	if err := d.createTables(ctx, tx); err != nil {
		return fmt.Errorf("read model: reset: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('version', ?)`, version()); err != nil {
		return fmt.Errorf("read model: reset: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("read model: reset: %w", err)
	}
	return nil
}

// hasTable reports whether the read model has table name.
func (d *DB) hasTable(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if d.pg {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	if err := tx.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	return n > 0, nil
}

// version names the schema and the shapes of helpdesk.Case and
// helpdesk.Announcement: the snapshots in cases.state and
// announcements.state can only be folded on by code that agrees on all.
func version() string {
	h := sha256.New()
	writeShape(h, reflect.TypeFor[helpdesk.Case](), map[reflect.Type]bool{})
	writeShape(h, reflect.TypeFor[helpdesk.Announcement](), map[reflect.Type]bool{})
	return fmt.Sprintf("%d-%s", schemaVersion, hex.EncodeToString(h.Sum(nil))[:12])
}

// writeShape writes the exported structure of t: field names and kinds,
// recursively. time.Time is a leaf.
func writeShape(w interface{ Write([]byte) (int, error) }, t reflect.Type, seen map[reflect.Type]bool) {
	fmt.Fprintf(w, "%s(", t.Kind())
	defer fmt.Fprint(w, ")")
	if t == reflect.TypeFor[time.Time]() || seen[t] {
		fmt.Fprint(w, t.String())
		return
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		writeShape(w, t.Elem(), seen)
	case reflect.Map:
		writeShape(w, t.Key(), seen)
		writeShape(w, t.Elem(), seen)
	case reflect.Struct:
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fmt.Fprintf(w, "%s:", f.Name)
			writeShape(w, f.Type, seen)
		}
	}
}

// deferrable are the indexes a rebuild from scratch makes after writing
// the rows rather than while (DeferIndexes): every index of cases and
// tasks but the one the rebuild itself deletes tasks by.
var deferrable = func() []string {
	var out []string
	for _, stmt := range append(slices.Clone(schema), pgSearch...) {
		name, on, ok := strings.Cut(strings.TrimPrefix(stmt, "CREATE INDEX IF NOT EXISTS "), " ON ")
		if !ok || name == stmt || name == "tasks_case" {
			continue
		}
		if strings.HasPrefix(on, "cases ") || strings.HasPrefix(on, "tasks ") {
			out = append(out, name)
		}
	}
	return out
}()

// DeferIndexes drops the indexes of cases and tasks that only the read
// side needs, for a rebuild into an empty read model: building an index
// once over all the rows is several times cheaper than keeping it up to
// date row by row. The returned function makes them again (and Open does,
// should the rebuild stop before it).
func (d *DB) DeferIndexes(ctx context.Context) (restore func(context.Context) error, err error) {
	for _, name := range deferrable {
		if _, err := d.db.ExecContext(ctx, `DROP INDEX IF EXISTS `+name); err != nil {
			return nil, fmt.Errorf("read model: defer index %s: %w", name, err)
		}
	}
	return func(ctx context.Context) error {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("read model: make indexes: %w", err)
		}
		defer tx.Rollback()
		if err := d.createTables(ctx, tx); err != nil {
			return fmt.Errorf("read model: make indexes: %w", err)
		}
		return tx.Commit()
	}, nil
}

// Analyze refreshes the planner's statistics (after writing many rows at
// once, as a rebuild does), so queries pick their indexes by what the
// tables hold.
func (d *DB) Analyze(ctx context.Context) error {
	q := `ANALYZE`
	if !d.pg {
		// A sample is enough for the planner, and quick at a million rows.
		q = `PRAGMA analysis_limit = 2000; ANALYZE`
	}
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("read model: analyze: %w", err)
	}
	return nil
}
