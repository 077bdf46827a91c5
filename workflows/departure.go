package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// DepartureInput is the departure part of a case's input.
type DepartureInput struct {
	Request     helpdesk.DepartureRequest `json:"request"`
	DisplayName string                    `json:"displayName"`
}

// DepartureWorkflowInput starts a departure case.
type DepartureWorkflowInput struct {
	CaseStart
	Departure DepartureInput `json:"departure"`
}

func (in DepartureWorkflowInput) caseInput() CaseInput {
	c := in.CaseStart.caseInput()
	d := in.Departure
	c.Departure = &d
	return c
}

// DepartureWorkflow runs one departure: at the end of the last working
// day every access is revoked and the account disabled (runDeparture).
func DepartureWorkflow(ctx workflow.Context, in DepartureWorkflowInput) (helpdesk.Case, error) {
	return runCase(ctx, in.caseInput(), DepartureWorkflowName)
}

// runDeparture waits for the end of the last working day (the manager may
// withdraw the case until then), then has every active access revoked —
// ESA included, by signalling those cases — and the account disabled, the
// mailbox handled and the equipment returned.
func (w *caseRun) runDeparture(ctx workflow.Context) error {
	d := w.in.Departure.Request
	if !hasEvent(w.state, "departure-effect") {
		if err := w.sleepUntil(ctx, DepartureTime(d.LastWorkingDay)); err != nil || w.state.Final() {
			return err // withdrawn
		}
		var accesses []string
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{MaximumInterval: time.Minute}})
		if err := workflow.ExecuteActivity(actx, a.ActiveAccesses, d.Employee).Get(ctx, &accesses); err != nil {
			return err
		}
		if err := w.systemRecord(ctx, helpdesk.DepartureTookEffect{Accesses: accesses}); err != nil {
			return err
		}
		for _, id := range accesses {
			err := workflow.SignalExternalWorkflow(ctx, WorkflowID(id), "", SignalRevoke,
				RevokeRequest{Reason: "sluttet (" + w.state.Reference + ")", By: w.state.Reporter}).Get(ctx, nil)
			if err != nil {
				// An access case that has ended needs nothing more.
				workflow.GetLogger(ctx).Warn("revoke signal not delivered", "access", id, "error", err)
			}
		}
	}
	mailbox := "Behold postkassen til " + d.Employee + " (ingen videresending)"
	if d.MailboxForwardTo != "" {
		mailbox = "Videresend e-posten til " + d.Employee + " til " + d.MailboxForwardTo
	}
	todo := []helpdesk.TaskOpened{
		{Kind: helpdesk.TaskFulfilment, Type: "disable-account", Group: GroupFirstLine, Title: "Deaktiver kontoen til " + d.Employee},
		{Kind: helpdesk.TaskFulfilment, Type: "mailbox", Group: GroupFirstLine, Title: mailbox},
	}
	if d.ReturnEquipment {
		todo = append(todo, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "return-equipment", Group: GroupFirstLine,
			Title: "Ta imot utstyret til " + d.Employee})
	}
	for _, t := range todo {
		for attempt := 0; ; attempt++ {
			if attempt > 0 {
				t.Type += "-again"
			}
			done, err := w.taskOnce(ctx, t)
			if err != nil || done == nil {
				return err
			}
			if done.Outcome == helpdesk.OutcomeDone {
				break
			}
		}
		if w.accountDisabled(ctx, t.Type) {
			if err := w.personEvent(ctx, d.Employee, helpdesk.PersonEvent{What: "account-disabled", CaseID: w.in.CaseID}); err != nil {
				return err
			}
		}
	}
	return w.systemRecord(ctx, helpdesk.CaseResolved{Resolution: "Fratreden er gjennomført: konto deaktivert og tilganger fjernet."})
}

// accountDisabled reports whether the departure's task of type typ,
// done, disabled the account. Runs before version 1 of
// "departure-disable-retried" recorded it only when the first try did:
// a departure whose first try failed left the account enabled in the
// record (and the employee signed in), and those replay so.
func (w *caseRun) accountDisabled(ctx workflow.Context, typ string) bool {
	if typ == "disable-account" {
		return true
	}
	return strings.HasPrefix(typ, "disable-account-again") &&
		workflow.GetVersion(ctx, "departure-disable-retried", workflow.DefaultVersion, 1) == 1
}

// hasEvent reports whether the departure already took effect (a resumed
// run must not signal twice).
func hasEvent(c helpdesk.Case, what string) bool {
	return what == "departure-effect" && c.DepartureEffective
}
