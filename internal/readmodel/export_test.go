package readmodel

import (
	"context"
	"strings"
)

// SetBulkMin sets how many rows a batch must write to a table for COPY
// (postgres.go) and returns a function that puts it back.
func SetBulkMin(n int) (restore func()) {
	old := bulkMin
	bulkMin = n
	return func() { bulkMin = old }
}

// Copied returns how many rows COPY has written so far.
func Copied() int64 { return copied.Load() }

// TraceQueries has fn see each query the read side runs.
func (d *DB) TraceQueries(fn func(query string, args []any)) { d.trace = fn }

// ExplainPlan returns the database's plan for query: SQLite's EXPLAIN
// QUERY PLAN, one step a line; PostgreSQL's EXPLAIN with sequential
// scans made as dear as they go, so the plan shows whether an index can
// serve the query at all, whatever the size of the test's tables.
func (d *DB) ExplainPlan(ctx context.Context, query string, args []any) (string, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if d.pg {
		prefix = "EXPLAIN "
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			return "", err
		}
		defer conn.ExecContext(ctx, "RESET enable_seqscan")
	}
	rows, err := conn.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if d.pg {
			err = rows.Scan(&line)
		} else {
			var id, parent, unused int
			err = rows.Scan(&id, &parent, &unused, &line)
		}
		if err != nil {
			return "", err
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// Version is the read model's version (schema and case shape).
func Version() string { return version() }

// MatchesQ is whether q finds a case with this reference, title and
// description (search.go's definition).
func MatchesQ(reference, title, description, q string) bool {
	terms := searchTerms(q)
	return len(terms) > 0 && matches(searchText(reference, title, description), terms)
}

// ScanBeforeIndex is how many cases a search looks through before it asks
// the full text index.
const ScanBeforeIndex = scanBeforeIndex

// Indexes counts the read model's indexes of cases and tasks.
func (d *DB) Indexes(ctx context.Context) (int, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('cases', 'tasks') AND sql IS NOT NULL`
	if d.pg {
		q = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('cases', 'tasks') AND indexname NOT LIKE '%_pkey'`
	}
	var n int
	err := d.db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// KPIDays counts the days kpi_days holds and those of them that are
// current.
func (d *DB) KPIDays(ctx context.Context) (all, current int, err error) {
	err = d.db.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN built = changed THEN 1 END) FROM kpi_days`).Scan(&all, &current)
	return all, current, err
}

// DamageKPIDays overwrites the facts of every current day with bytes
// that do not decode.
func (d *DB) DamageKPIDays(ctx context.Context) error {
	_, err := d.db.ExecContext(ctx, `UPDATE kpi_days SET facts = ? WHERE built = changed`, []byte{kpiFactsVersion, 0xff})
	return err
}
