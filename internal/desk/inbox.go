package desk

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// InboxItem is a task as an approver decides it: what is asked (the
// order's lines and cost, or the access with its codes), who asked, by
// when, and on whose behalf the actor decides.
type InboxItem struct {
	Task helpdesk.Task `json:"task"`
	// Case is the task's case as the actor may see it, folded from the
	// record.
	Case helpdesk.Case `json:"case"`
	// MayDecide: the actor may complete the task now; OnBehalfOf names
	// the approver they decide for as a deputy ("" for their own).
	MayDecide  bool   `json:"mayDecide"`
	OnBehalfOf string `json:"onBehalfOf,omitempty"`
	// RemindAt, EscalateAt and DecideBy are an approval's schedule (the
	// reminder, the hand-over to the fallback approver, the lapse); a
	// fulfilment task's deadline is its DueAt. Zero where none applies.
	RemindAt   time.Time `json:"remindAt,omitzero"`
	EscalateAt time.Time `json:"escalateAt,omitzero"`
	DecideBy   time.Time `json:"decideBy,omitzero"`
	// Sensitive are the access codes asked for that need a second
	// approval.
	Sensitive []string `json:"sensitive,omitempty"`
}

// Inbox is the open tasks the actor may act on now, oldest first, each
// with what an approver needs to decide it. The list is the read
// model's (ListTasks); each task's case is read from the record, so what
// is shown is never stale, and a task completed meanwhile is left out.
func (d *Desk) Inbox(ctx context.Context, actor helpdesk.Actor) ([]InboxItem, error) {
	items, err := d.ListTasks(ctx, actor, "")
	if err != nil {
		return nil, err
	}
	return d.inboxItems(ctx, actor, items)
}

// InboxPageSize is how many tasks a page of the inbox holds: a first-line
// caseworker of a county's million cases has over a thousand open ones,
// and each is read from the record.
const InboxPageSize = 50

// InboxPage is one page of an actor's inbox.
type InboxPage struct {
	Items []InboxItem
	// Total is how many open tasks the actor may act on: those shown
	// when they fit on one page, else the read model's count (in which a
	// task completed a moment ago may still be).
	Total int
	// Page is this page's number, from 1, of Pages (at least 1).
	Page, Pages int
}

// InboxPage is page (from 1; past the last, the last) of Inbox: the
// read model's list, paged, with only that page's cases read from the
// record.
func (d *Desk) InboxPage(ctx context.Context, actor helpdesk.Actor, page int) (InboxPage, error) {
	items, err := d.ListTasks(ctx, actor, "")
	if err != nil {
		return InboxPage{}, err
	}
	pages := max(1, (len(items)+InboxPageSize-1)/InboxPageSize)
	page = min(max(page, 1), pages)
	lo := (page - 1) * InboxPageSize
	out, err := d.inboxItems(ctx, actor, items[lo:min(lo+InboxPageSize, len(items))])
	if err != nil {
		return InboxPage{}, err
	}
	total := len(items)
	if pages == 1 {
		total = len(out)
	}
	return InboxPage{Items: out, Total: total, Page: page, Pages: pages}, nil
}

// inboxItems are the listed tasks the actor may decide now, each with its
// case as the record has it.
func (d *Desk) inboxItems(ctx context.Context, actor helpdesk.Actor, items []readmodel.TaskItem) ([]InboxItem, error) {
	out := []InboxItem{}
	for _, it := range items {
		c, err := d.loadCase(ctx, it.CaseID)
		if IsKind(err, NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		t, ok := c.Task(it.ID)
		if !ok || t.Status != helpdesk.TaskStatusOpen || !actor.CanSee(c) {
			continue
		}
		item, err := d.inboxItem(actor, c, t)
		if err != nil {
			return nil, err
		}
		if item.MayDecide {
			out = append(out, item)
		}
	}
	return out, nil
}

// InboxTask is one task of the actor's, open or completed, for its
// decision page; NotFound for a task of a case they may not see.
func (d *Desk) InboxTask(ctx context.Context, actor helpdesk.Actor, taskID string) (InboxItem, error) {
	if err := Authorize(actor, ActionListTasks); err != nil {
		return InboxItem{}, err
	}
	c, err := d.taskCase(ctx, actor, taskID)
	if err != nil {
		return InboxItem{}, err
	}
	t, _ := c.Task(taskID)
	return d.inboxItem(actor, c, t)
}

func (d *Desk) inboxItem(actor helpdesk.Actor, c helpdesk.Case, t helpdesk.Task) (InboxItem, error) {
	item := InboxItem{Task: t, Case: c.VisibleTo(actor)}
	if t.Status == helpdesk.TaskStatusOpen && Allowed(actor, ActionComplete) {
		outcome := helpdesk.OutcomeDone
		if t.Kind == helpdesk.TaskApproval {
			outcome = helpdesk.OutcomeApproved
		}
		if done, err := c.CompleteTask(actor, t.ID, helpdesk.CompleteRequest{Outcome: outcome}); err == nil {
			item.MayDecide, item.OnBehalfOf = true, done.OnBehalfOf
		}
	}
	if t.Kind == helpdesk.TaskApproval {
		cal, err := d.calendar()
		if err != nil {
			return InboxItem{}, err
		}
		item.RemindAt, item.EscalateAt, item.DecideBy = workflows.ApprovalSchedule(cal, d.policy, t.CreatedAt, t.Fallback != "")
	}
	if a := c.Access; a != nil {
		for _, code := range a.AccessCodes {
			if code = strings.ToUpper(strings.TrimSpace(code)); slices.Contains(d.policy.SensitiveAccessCodes, code) {
				item.Sensitive = append(item.Sensitive, code)
			}
		}
	}
	return item, nil
}
