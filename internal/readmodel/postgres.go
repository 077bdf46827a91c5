package readmodel

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

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
