package readmodel

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL: the same tables and queries as SQLite, through pgx's
// database/sql driver. The SQL in this package is written once, for both:
//
//   - placeholders are "?"; the connection rewrites them to $1, $2, … on
//     the way to PostgreSQL (rebind), so queries never branch on them;
//   - integers and times (Unix nanoseconds) are declared INTEGER and
//     bytes BLOB; the PostgreSQL schema reads them as BIGINT and BYTEA
//     (pgSchema). Flags are BOOLEAN on both and tested as booleans
//     ("NOT final", "t.escalated AND …"), never against 0 or 1;
//   - upserts are INSERT … ON CONFLICT (key) DO UPDATE SET col =
//     excluded.col, and a column of the row being updated is named with its
//     table ("checkpoints.applied + 1"): PostgreSQL finds a bare name
//     ambiguous;
//   - TRUE and FALSE, not 1 and 0, as whole conditions; CAST(? AS BIGINT)
//     where a parameter's type cannot be told from its place (a SELECT
//     list). Functions differ little; where they do (instr/strpos), the
//     query asks d.pg.

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openPostgres opens a pool on dsn whose connections rebind placeholders.
// A search_path parameter in dsn selects the schema the tables live in.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// As with SQLite's synchronous=NORMAL: the read model is disposable and
	// its checkpoint commits with its rows, so a commit lost on a server
	// crash only means replaying those events; not waiting for the WAL
	// flush keeps a live event's lag low. A synchronous_commit in dsn wins.
	if _, set := cfg.RuntimeParams["synchronous_commit"]; !set {
		cfg.RuntimeParams["synchronous_commit"] = "off"
	}
	// The read model grows from empty (a rebuild, a first start) to a
	// million cases while the same connections run the same statements:
	// a generic plan PostgreSQL cached while a table was nearly empty (a
	// sequential scan) would stay while it fills. Each statement is
	// planned with its values instead; the plans are cheap beside a
	// query that scans. A plan_cache_mode in dsn wins.
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	return db, nil
}

// rebindConnector hands out connections that rebind placeholders.
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("read model: unexpected pgx connection %T", conn)
	}
	return &rebindConn{sc}, nil
}

// rebindConn is a pgx connection that takes "?" placeholders. Everything
// but preparing and running statements is pgx's own.
type rebindConn struct{ *stdlib.Conn }

func (c *rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c *rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c *rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c *rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// rebind numbers the "?" placeholders of query as PostgreSQL's $1, $2, …,
// leaving quoted strings, quoted names and comments alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(query[i+1:], ch)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case ch == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case ch == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// pgSchema turns a CREATE statement written for SQLite into PostgreSQL's:
// 64-bit integers and byte strings.
var pgSchema = strings.NewReplacer(" INTEGER", " BIGINT", " BLOB", " BYTEA")

// Bulk writes on PostgreSQL. A batch that writes many rows (catching up,
// a rebuild) sends the new ones with COPY instead of multi-row INSERTs: a
// 100-row INSERT of cases is 4,100 parameters that database/sql and pgx
// convert and encode one by one and PostgreSQL binds and plans (with
// their values: force_custom_plan, above) each time, where COPY streams
// the rows in PostgreSQL's binary format into the table's heap, a page at
// a time. COPY has no ON CONFLICT, so it takes only rows that cannot be
// there yet:
//
//   - a case the batch found no row of when it read it (a fresh case:
//     Batch.Prefetch, Tx.Case). The batch holds the projection's
//     checkpoint row lock (ProjectBatch), and only the projection writes
//     cases, so no one else can have written one since;
//   - the tasks of the batch's cases, after deleting their old ones, as
//     writeCases does (whose INSERT has no ON CONFLICT either);
//   - the batch's notifications: a notification's id is its event's and
//     recipient's, and each event is applied once, by the batch that
//     moves the checkpoint past it.
//
// Cases the batch found a row of still go in multi-row INSERT … ON
// CONFLICT DO UPDATE, as before. Should a COPY meet a row that is there
// after all (a notification's id made twice), it fails the whole batch,
// which the projection then applies event by event (catchUp), each in a
// transaction of its own by the row-by-row statements and their ON
// CONFLICT: the same read model, later. Everything runs in the batch's
// transaction, so the checkpoint still commits with the rows
// (TestBulkWritesEqualRowWrites compares the two paths).

// bulkMin is how many rows a batch must write to one table for COPY; fewer
// go in multi-row INSERTs (a live event's one case, a few notifications),
// where COPY would gain nothing.
var bulkMin = 16

// copied counts the rows COPY wrote (for tests: that the bulk path ran).
var copied atomic.Int64

// copyRows copies rows into table's columns (a comma-separated list), on
// tx's connection and so in its transaction.
func (t *stmtTx) copyRows(ctx context.Context, table, columns string, rows [][]any) error {
	return t.conn.Raw(func(dc any) error {
		rc, ok := dc.(*rebindConn)
		if !ok {
			return fmt.Errorf("read model: unexpected connection %T", dc)
		}
		cols := strings.Split(columns, ",")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		n, err := rc.Conn.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("read model: copy into %s: %w", table, err)
		}
		if n != int64(len(rows)) {
			return fmt.Errorf("read model: copy into %s: %d of %d rows", table, n, len(rows))
		}
		copied.Add(n)
		return nil
	})
}

// bulkCases writes cases as writeCases does: the fresh ones' rows and
// everyone's tasks by COPY.
func bulkCases(ctx context.Context, tx *stmtTx, cases []caseRow) error {
	var (
		fresh []caseRow
		tasks [][]any
		clear []string // the cases that had a row, and so may have tasks
	)
	for _, r := range cases {
		if r.fresh {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) < bulkMin {
		return writeCaseRows(ctx, tx, cases)
	}
	rows := make([][]any, 0, len(fresh))
	stored := make([]caseRow, 0, len(cases)-len(fresh))
	for _, r := range cases {
		if r.fresh {
			row, err := caseValues(r.c, r.seen)
			if err != nil {
				return err
			}
			rows = append(rows, row)
		} else {
			stored = append(stored, r)
			clear = append(clear, r.c.ID)
		}
		for _, tk := range r.c.Tasks {
			tasks = append(tasks, taskValues(r.c, tk))
		}
	}
	if err := tx.copyRows(ctx, "cases", caseColumns, rows); err != nil {
		return err
	}
	if err := upsertCases(ctx, tx, stored); err != nil {
		return err
	}
	if len(clear) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE case_id = ANY(?)`, clear); err != nil {
			return fmt.Errorf("read model: clear tasks: %w", err)
		}
	}
	if len(tasks) > 0 {
		if err := tx.copyRows(ctx, "tasks", taskColumns, tasks); err != nil {
			return err
		}
	}
	return writeAttachments(ctx, tx, cases)
}

// bulkNotifications writes notes (each once, none there yet) by COPY.
func bulkNotifications(ctx context.Context, tx *stmtTx, notes []Notification) error {
	rows := make([][]any, len(notes))
	for i, nt := range notes {
		rows[i] = notificationValues(nt)
	}
	return tx.copyRows(ctx, "notifications", notificationRowColumns, rows)
}
