package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
)

// The KPI report from indexes: each figure is a range query on the
// instant it happened at (cases_created, cases_responded, cases_done,
// cases_newuser, tasks_decided), and the backlog one on when cases ended
// (cases_ended). So a report reads the facts of its own period, not every
// case that ever was, and no case snapshot is decoded. The columns are
// written with the case (write.go), from the same folded case Add would
// be given; FillKPI's figures equal kpi.Compute's over ReportCases
// (kpi_test.go in this package compares them).

// kpiColumns are a case's columns for the report.
type kpiColumns struct {
	respondedAt, newUserStart      any // Unix nanoseconds or nil
	slaStopped, newUserReady       bool
	slaUsed, respTarget, resTarget time.Duration
}

func kpiColumnsOf(c helpdesk.Case) kpiColumns {
	var k kpiColumns
	if s := c.SLA; s != nil {
		if s.RespondedAt != nil {
			k.respondedAt = s.RespondedAt.UnixNano()
		}
		k.slaStopped, k.slaUsed, k.respTarget, k.resTarget = s.Stopped, s.Used, s.ResponseTarget, s.ResolutionTarget
	}
	if n := c.NewUser; n != nil && n.Reported {
		if start, err := time.ParseInLocation(time.DateOnly, n.Request.StartDate, helpdesk.Oslo); err == nil {
			k.newUserStart, k.newUserReady = start.UnixNano(), n.Ready
		}
	}
	return k
}

// zeroNanos is how the zero time is stored in a NOT NULL time column.
var zeroNanos = time.Time{}.UnixNano()

// FillKPI adds to b the figures of its period: every case that can count
// in it (the same selection as ReportCases), each with the facts that
// fall in the period, and the backlog at b.BacklogAt. The facts of the
// days wholly inside the period come from kpi_days (kpi_days.go), the
// rest from the indexes.
func (d *DB) FillKPI(ctx context.Context, b *kpi.Builder) error {
	// The past days of the period that are not current are built first,
	// so that this report and the next read them as days. Should that
	// fail (the database busy, say), the report reads them by index: it
	// is the same report, only slower.
	if until := min(b.To().UnixNano(), time.Now().UnixNano()); until > b.From().UnixNano() {
		_, _ = d.RefreshKPIDays(ctx, b.From(), time.Unix(0, until))
	}
	ranges, err := d.kpiFromDays(ctx, b)
	if err != nil {
		return err
	}
	// (The || '' below keeps a condition from choosing an index, as the
	// unary plus does for numbers: tasks_open would mean every approval
	// ever decided. SQLite is told which index has an approval's case
	// without its row; PostgreSQL finds it itself.)
	from, to, at := b.From().UnixNano(), b.To().UnixNano(), b.BacklogAt().UnixNano()
	// The cases a report of [from, to) may count (ReportCases). The unary
	// plus keeps either database from reading these conditions by an
	// index (cases_created would mean every case before to): each part
	// seeks the range of its own instant.
	const sel = `+created_at < ? AND (+updated_at >= ? OR final = ?)`
	selArgs := []any{to, from, false}
	for _, r := range ranges {
		var f dayFacts
		if err := d.readFacts(ctx, tracedDB{d}, r[0], r[1], " AND "+sel, selArgs,
			" AND +c.created_at < ? AND (+c.updated_at >= ? OR c.final = ?)", &f); err != nil {
			return err
		}
		addFacts(b, f)
	}
	keysOf := func(kind, priority, group string) kpi.Keys {
		return kpi.Keys{Kind: kind, Priority: priority, Group: group}
	}
	parts := []struct {
		name, query string
		args        []any
		scan        func(rows *sql.Rows) error
	}{
		{"backlog", `SELECT kind, priority, grp, created_at FROM cases WHERE ended_at >= ? AND +created_at < ? AND ` + sel,
			[]any{at, at}, func(rows *sql.Rows) error {
				var (
					kind, priority, group string
					created               int64
				)
				if err := rows.Scan(&kind, &priority, &group, &created); err != nil {
					return err
				}
				if created != zeroNanos {
					b.AddBacklog(keysOf(kind, priority, group), time.Unix(0, created))
				}
				return nil
			}},
		{"new users", `SELECT kind, priority, grp, newuser_ready FROM cases WHERE newuser_start >= ? AND newuser_start < ? AND ` + sel,
			[]any{from, to}, func(rows *sql.Rows) error {
				var (
					kind, priority, group string
					ready                 bool
				)
				if err := rows.Scan(&kind, &priority, &group, &ready); err != nil {
					return err
				}
				b.AddNewUser(keysOf(kind, priority, group), ready)
				return nil
			}},
	}
	for _, p := range parts {
		if err := d.fillPart(ctx, p.query, append(p.args, selArgs...), p.scan); err != nil {
			return fmt.Errorf("read model: kpi %s: %w", p.name, err)
		}
	}
	return nil
}

func (d *DB) fillPart(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	return d.fillPartWith(ctx, tracedDB{d}, query, args, scan)
}

// fillPartWith is fillPart on q: the database or a transaction.
func (d *DB) fillPartWith(ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
