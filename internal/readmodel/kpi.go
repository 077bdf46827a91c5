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
// fall in the period, and the backlog at b.BacklogAt.
func (d *DB) FillKPI(ctx context.Context, b *kpi.Builder) error {
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
	keysOf := func(kind, priority, group string) kpi.Keys {
		return kpi.Keys{Kind: kind, Priority: priority, Group: group}
	}
	parts := []struct {
		name, query string
		args        []any
		scan        func(rows *sql.Rows) error
	}{
		{"opened", `SELECT kind, priority, grp, count(*) FROM cases WHERE created_at >= ? AND created_at < ? AND ` + sel + `
			GROUP BY kind, priority, grp`, []any{from, to}, func(rows *sql.Rows) error {
			var (
				kind, priority, group string
				n                     int
			)
			if err := rows.Scan(&kind, &priority, &group, &n); err != nil {
				return err
			}
			b.AddOpened(keysOf(kind, priority, group), n)
			return nil
		}},
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
		{"responses", `SELECT kind, priority, grp, created_at, responded_at, sla_response_target, sla_response_breached FROM cases
			WHERE responded_at >= ? AND responded_at < ? AND ` + sel, []any{from, to}, func(rows *sql.Rows) error {
			var (
				kind, priority, group      string
				created, responded, target int64
				breached                   bool
			)
			if err := rows.Scan(&kind, &priority, &group, &created, &responded, &target, &breached); err != nil {
				return err
			}
			b.AddResponse(keysOf(kind, priority, group), time.Unix(0, created), time.Unix(0, responded), time.Duration(target), breached)
			return nil
		}},
		{"resolutions", `SELECT kind, priority, grp, created_at, done_at, reopened, sla_stopped, sla_used, sla_resolution_target,
				sla_resolution_breached FROM cases
			WHERE done_at >= ? AND done_at < ? AND ` + sel, []any{from, to}, func(rows *sql.Rows) error {
			var (
				kind, priority, group       string
				created, done, used, target int64
				reopened                    int
				stopped, breached           bool
			)
			if err := rows.Scan(&kind, &priority, &group, &created, &done, &reopened, &stopped, &used, &target, &breached); err != nil {
				return err
			}
			b.AddResolved(keysOf(kind, priority, group), kpi.Resolution{Created: time.Unix(0, created), Done: time.Unix(0, done),
				Reopened: reopened > 0, SLAStopped: stopped, Used: time.Duration(used), Target: time.Duration(target), Breached: breached})
			return nil
		}},
		{"approvals", `SELECT c.kind, c.priority, c.grp, t.created_at, t.completed_at FROM tasks t JOIN cases c ` + d.kpiKeys + ` ON c.id = t.case_id
			WHERE t.completed_at >= ? AND t.completed_at < ? AND t.kind || '' = ? AND t.status || '' = ? AND t.outcome || '' IN (?, ?)
			AND +c.created_at < ? AND (+c.updated_at >= ? OR c.final = ?)`,
			[]any{from, to, string(helpdesk.TaskApproval), string(helpdesk.TaskStatusCompleted), helpdesk.OutcomeApproved, helpdesk.OutcomeRejected},
			func(rows *sql.Rows) error {
				var (
					kind, priority, group string
					created, decided      int64
				)
				if err := rows.Scan(&kind, &priority, &group, &created, &decided); err != nil {
					return err
				}
				b.AddApproval(keysOf(kind, priority, group), time.Unix(0, created), time.Unix(0, decided))
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
	rows, err := d.query(ctx, query, args...)
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
