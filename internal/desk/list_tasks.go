package desk

import (
	"context"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// ListTasks is the open tasks the actor may act on now (as approver,
// deputy, fallback after escalation, or caseworker of the task's group),
// oldest first; caseRef, when set, narrows them to one case.
func (d *Desk) ListTasks(ctx context.Context, actor helpdesk.Actor, caseRef string) ([]readmodel.TaskItem, error) {
	if err := Authorize(actor, ActionListTasks); err != nil {
		return nil, err
	}
	if d.lists == nil {
		return nil, errNoLists
	}
	ref := caseRef
	if ref != "" {
		if id, err := uuid.Parse(ref); err == nil {
			ref = id.String()
		} else if _, _, ok := helpdesk.ParseReference(ref); !ok {
			return nil, invalid("case", "case må være en saks-ID eller et saksnummer som BH-2026-000042",
				"case must be a case id or a reference such as BH-2026-000042")
		}
	}
	return d.lists.ListTasks(ctx, readmodel.TaskFilter{Case: ref, OpenOnly: true, For: &actor})
}
