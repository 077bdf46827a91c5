package workflows

import (
	"fmt"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Groups that handle orders.
const (
	GroupFirstLine = helpdesk.FirstLineGroup // orders and deliveries
	GroupService   = "tjeneste"              // IT review of non-standard items
)

// OrderWorkflowInput starts an order, priced and with its approvers
// looked up by the desk.
type OrderWorkflowInput struct {
	CaseStart
	Order OrderInput `json:"order"`
}

func (in OrderWorkflowInput) caseInput() CaseInput {
	c := in.CaseStart.caseInput()
	o := in.Order
	c.Order = &o
	return c
}

// OrderWorkflow runs one order of goods and services: the IT review and
// the cost centre's acceptance of non-standard items, then ordering and
// delivery as fulfilment tasks (runOrder), beside the shared case steps.
func OrderWorkflow(ctx workflow.Context, in OrderWorkflowInput) (helpdesk.Case, error) {
	return runCase(ctx, in.caseInput(), OrderWorkflowName)
}

// runOrder is an order's process: non-standard items need an IT review
// and the cost centre's acceptance; then the goods are ordered and
// delivered, each a fulfilment task. It runs beside the timer loop, which
// reminds, escalates and expires the approvals.
func (w *caseRun) runOrder(ctx workflow.Context) error {
	o := w.in.Order
	if o.Order.NeedsApproval() {
		review, err := w.task(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: GroupService,
			Title: "IT-vurdering av bestilling utenfor standardkatalogen", CostNOK: o.Order.NonStandardNOK})
		if err != nil || review == nil {
			return err
		}
		if review.Outcome != helpdesk.OutcomeApproved {
			return w.reject(ctx, "IT-vurderingen avslo bestillingen", review)
		}
		cost, err := w.task(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval",
			Approver: o.BudgetHolder, Fallback: o.Fallback, CostNOK: o.Order.NonStandardNOK,
			Title: "Godkjenn kostnaden på " + nok(o.Order.NonStandardNOK) + " for " + o.Order.CostCenter})
		if err != nil || cost == nil {
			return err
		}
		if cost.Outcome != helpdesk.OutcomeApproved {
			return w.reject(ctx, "Budsjettansvarlig godkjente ikke kostnaden", cost)
		}
	}
	for _, step := range []struct{ typ, title string }{
		{"order", "Bestill varene"},
		{"deliver", "Lever varene til bestilleren"},
	} {
		for {
			t, err := w.task(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: step.typ, Group: GroupFirstLine, Title: step.title})
			if err != nil || t == nil {
				return err
			}
			if t.Outcome == helpdesk.OutcomeDone {
				break
			}
			// A failed step is tried again as a new task; the failure and
			// its comment stay in the record.
		}
	}
	return w.systemRecord(ctx, helpdesk.CaseResolved{Resolution: "Varene er levert."})
}

// task opens a task and waits until it is completed. It returns nil
// without error when the case ended first (cancelled by the reporter) or
// the process was interrupted (a revoke request).
func (w *caseRun) task(ctx workflow.Context, opened helpdesk.TaskOpened) (*helpdesk.Task, error) {
	tasks, err := w.tasks(ctx, []helpdesk.TaskOpened{opened})
	if err != nil || tasks == nil {
		return nil, err
	}
	return &tasks[0], nil
}

// taskOnce is task for a process that may be resumed: a task of the same
// type that exists already is awaited (or returned) instead of opened again.
func (w *caseRun) taskOnce(ctx workflow.Context, opened helpdesk.TaskOpened) (*helpdesk.Task, error) {
	for _, t := range w.state.Tasks {
		if t.Type != opened.Type {
			continue
		}
		done, err := w.await(ctx, []string{t.ID})
		if err != nil || done == nil {
			return nil, err
		}
		return &done[0], nil
	}
	return w.task(ctx, opened)
}

// tasks opens several tasks at once and waits until all are completed.
func (w *caseRun) tasks(ctx workflow.Context, opened []helpdesk.TaskOpened) ([]helpdesk.Task, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return nil, err
	}
	if w.interrupted() {
		w.mu.Unlock()
		return nil, nil
	}
	ids := make([]string, len(opened))
	events := make([]helpdesk.Event, len(opened))
	for i := range opened {
		opened[i].TaskID = helpdesk.TaskID(w.in.CaseID, len(w.state.Tasks)+1+i)
		ids[i], events[i] = opened[i].TaskID, opened[i]
	}
	err := w.append(ctx, systemActor.Username, w.in.CorrelationID, events)
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return w.await(ctx, ids)
}

// await waits until every task in ids is completed; nil without error if
// the process was interrupted first.
func (w *caseRun) await(ctx workflow.Context, ids []string) ([]helpdesk.Task, error) {
	done := make([]helpdesk.Task, len(ids))
	w.wakeProcess = func() bool {
		all := true
		for i, id := range ids {
			done[i], _ = w.state.Task(id)
			all = all && done[i].Status == helpdesk.TaskStatusCompleted
		}
		return all || w.interrupted()
	}
	w.processBusy = false
	err := workflow.Await(ctx, w.wakeProcess)
	w.wakeProcess, w.processBusy = nil, true
	if err != nil {
		return nil, err
	}
	for _, t := range done {
		if t.Status != helpdesk.TaskStatusCompleted {
			return nil, nil
		}
	}
	return done, nil
}

// reject ends the case as rejected, telling the reporter why.
func (w *caseRun) reject(ctx workflow.Context, why string, t *helpdesk.Task) error {
	reason := why
	if t.Outcome == helpdesk.OutcomeExpired {
		reason = why + ": ingen avgjørelse innen fristen"
	} else if t.Comment != "" {
		reason = why + ": " + t.Comment
	}
	return w.systemRecord(ctx, helpdesk.CaseRejected{Reason: reason})
}

// systemRecord records what the workflow decides by itself, unless the
// case ended meanwhile.
func (w *caseRun) systemRecord(ctx workflow.Context, ev helpdesk.Event) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if w.state.Final() {
		return nil
	}
	return w.record(ctx, systemActor, w.in.CorrelationID, ev)
}

func nok(n int64) string { return fmt.Sprintf("%s kr", strconv.FormatInt(n, 10)) }
