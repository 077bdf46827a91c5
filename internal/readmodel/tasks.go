package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TaskItem is a task as the inbox shows it, with the case it belongs to.
type TaskItem struct {
	ID            string              `json:"id"`
	CaseID        string              `json:"caseId"`
	CaseReference string              `json:"caseReference"`
	CaseTitle     string              `json:"caseTitle"`
	CaseKind      helpdesk.Kind       `json:"caseKind"`
	Kind          helpdesk.TaskKind   `json:"kind"`
	Type          string              `json:"type"`
	Title         string              `json:"title"`
	Status        helpdesk.TaskStatus `json:"status"`
	Approver      string              `json:"approver,omitempty"`
	Fallback      string              `json:"fallback,omitempty"`
	Escalated     bool                `json:"escalated"`
	Group         string              `json:"group,omitempty"`
	CostNOK       int64               `json:"costNOK,omitempty"`
	CreatedAt     time.Time           `json:"createdAt"`
	DueAt         *time.Time          `json:"dueAt,omitempty"`
	Outcome       string              `json:"outcome,omitempty"`
	DecidedBy     string              `json:"decidedBy,omitempty"`
	OnBehalfOf    string              `json:"onBehalfOf,omitempty"`
	CompletedAt   *time.Time          `json:"completedAt,omitempty"`
}

// TaskFilter selects the tasks ListTasks returns.
type TaskFilter struct {
	// Case is a case's id or reference; empty means every case.
	Case string
	// OpenOnly leaves out completed tasks.
	OpenOnly bool
	// For keeps only the tasks this actor may act on; nil keeps all.
	For *helpdesk.Actor
}

// ListTasks returns the tasks f selects, oldest first.
//
// The tasks an actor may act on are those helpdesk.Case.CompleteTask lets
// them complete on a case helpdesk.Actor.CanSee lets them see (the API
// needs both): an approval where they are the approver, the fallback once
// it is escalated, or the approver's deputy; an approval handed to a group
// (no approver) for caseworkers of the group; a fulfilment task for
// caseworkers of its group, or any caseworker when it has none. Nobody
// gets an approval of a case they reported.
func (d *DB) ListTasks(ctx context.Context, f TaskFilter) ([]TaskItem, error) {
	var w where
	if f.Case != "" {
		w.add("(t.case_id = ? OR t.case_reference = ?)", f.Case, f.Case)
	}
	if f.OpenOnly {
		w.add("t.status = ?", string(helpdesk.TaskStatusOpen))
	}
	if a := f.For; a != nil {
		w.actsOn(*a)
	}
	// (the case's title, kind and reporter are the task row's own: no
	// case row is read)
	rows, err := d.query(ctx, `SELECT t.id, t.case_id, t.case_reference, t.case_title, t.case_kind, t.kind, t.type, t.title, t.status,
			t.approver, t.fallback, t.escalated, t.grp, t.cost_nok, t.created_at, t.due_at, t.outcome, t.decided_by, t.on_behalf_of, t.completed_at
		FROM tasks t
		WHERE `+w.sql()+` ORDER BY t.created_at, t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("read model: list tasks: %w", err)
	}
	defer rows.Close()
	out := []TaskItem{}
	for rows.Next() {
		var (
			t                      TaskItem
			caseKind, kind, status string
			created                int64
			due, completed         sql.NullInt64
		)
		if err := rows.Scan(&t.ID, &t.CaseID, &t.CaseReference, &t.CaseTitle, &caseKind, &kind, &t.Type, &t.Title, &status,
			&t.Approver, &t.Fallback, &t.Escalated, &t.Group, &t.CostNOK, &created, &due, &t.Outcome, &t.DecidedBy, &t.OnBehalfOf, &completed); err != nil {
			return nil, fmt.Errorf("read model: list tasks: %w", err)
		}
		t.CaseKind, t.Kind, t.Status = helpdesk.Kind(caseKind), helpdesk.TaskKind(kind), helpdesk.TaskStatus(status)
		t.CreatedAt, t.DueAt, t.CompletedAt = time.Unix(0, created).UTC(), fromNanos(due), fromNanos(completed)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: list tasks: %w", err)
	}
	return out, nil
}

// actsOn adds "a may act on task t" as a condition.
func (w *where) actsOn(a helpdesk.Actor) {
	if a.Username == "" {
		w.add("FALSE")
		return
	}
	caseworker := a.Has(helpdesk.RoleCaseworker)
	personal := []string{"t.approver = ?", "(t.escalated AND t.fallback = ?)"}
	args := []any{a.Username, a.Username, a.Username}
	if n := len(a.Deputising); n > 0 {
		// A deputy decides on the approver's behalf, never on a case the
		// approver reported. (The domain would let a deputy of an
		// escalated fallback decide too, but CanSee hides that case from
		// them, so the API could not take the decision.)
		personal = append(personal, "(t.approver IN ("+placeholders(n)+") AND t.approver <> t.case_reporter)")
		for _, d := range a.Deputising {
			args = append(args, d)
		}
	}
	approval := "t.kind = '" + string(helpdesk.TaskApproval) + "' AND t.case_reporter <> ? AND ((t.approver <> '' AND (" +
		strings.Join(personal, " OR ") + "))"
	if caseworker && len(a.Groups) > 0 {
		approval += " OR (t.approver = '' AND t.grp IN (" + placeholders(len(a.Groups)) + "))"
		for _, g := range a.Groups {
			args = append(args, g)
		}
	}
	cond := "(" + approval + "))"
	if caseworker {
		fulfil := "t.kind = '" + string(helpdesk.TaskFulfilment) + "' AND (t.grp = ''"
		if len(a.Groups) > 0 {
			fulfil += " OR t.grp IN (" + placeholders(len(a.Groups)) + ")"
			for _, g := range a.Groups {
				args = append(args, g)
			}
		}
		cond = "(" + cond + " OR (" + fulfil + ")))"
	}
	w.add(cond, args...)
}
