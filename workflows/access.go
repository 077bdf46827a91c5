package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// GroupArchive grants and removes ESA access.
const GroupArchive = "arkiv"

// SignalRevoke asks an access case to end the access (a departure does).
const SignalRevoke = "revoke"

// RevokeRequest is the body of SignalRevoke.
type RevokeRequest struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// ESAInput is the access part of a case's input, with its approvers looked
// up by the API.
type ESAInput struct {
	Request helpdesk.ESARequest `json:"request"`
	Access  helpdesk.ESAAccess  `json:"access"`
	// Owner is the ESA system owner who approves (never the requester);
	// Second approves sensitive codes; Fallback takes over on escalation.
	Owner    string `json:"owner"`
	Second   string `json:"second"`
	Fallback string `json:"fallback"`
}

// ESAAccessWorkflowInput starts an ESA access case.
type ESAAccessWorkflowInput struct {
	CaseStart
	ESA ESAInput `json:"esa"`
	// Revoke carries a revoke request that arrived as the earlier run
	// ended (continue-as-new).
	Revoke *RevokeRequest `json:"revoke,omitempty"`
}

func (in ESAAccessWorkflowInput) caseInput() CaseInput {
	c := in.CaseStart.caseInput()
	x := in.ESA
	c.ESA, c.Revoke = &x, in.Revoke
	return c
}

// ESAAccessWorkflow runs one ESA access from request to its end:
// approvals, the grant, validTo, yearly recertification (each year a new
// run, continue-as-new) and revocation (runESA).
func ESAAccessWorkflow(ctx workflow.Context, in ESAAccessWorkflowInput) (helpdesk.Case, error) {
	return runCase(ctx, in.caseInput(), ESAAccessWorkflowName)
}

// recertifyEvery is how long an access lives before its manager must
// confirm it is still needed.
const recertifyEvery = 1 // year

// runESA is an access case's process: the system owner approves (and a
// second approver for sensitive codes), arkiv grants it in ESA, and then
// it lives until validTo, a failed yearly recertification or a revoke
// request. Every stage can be resumed after continue-as-new, because it is
// read from the case's state.
func (w *caseRun) runESA(ctx workflow.Context) error {
	x := w.in.ESA
	employee := x.Access.Employee
	if w.state.Status != helpdesk.StatusActive {
		owner, err := w.taskOnce(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "esa-owner-approval",
			Approver: x.Owner, Fallback: x.Fallback, Title: "Godkjenn ESA-tilgang for " + employee})
		if err != nil || owner == nil {
			return w.withdrawIfRevoked(ctx, err)
		}
		if owner.Outcome != helpdesk.OutcomeApproved {
			return w.reject(ctx, "ESA-systemeier godkjente ikke tilgangen", owner)
		}
		if x.Access.Sensitive {
			second, err := w.taskOnce(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "esa-sensitive-approval",
				Approver: x.Second, Title: "Andre godkjenning: sensitive tilgangskoder for " + employee})
			if err != nil || second == nil {
				return w.withdrawIfRevoked(ctx, err)
			}
			if second.Outcome != helpdesk.OutcomeApproved {
				return w.reject(ctx, "Andre godkjenner godkjente ikke de sensitive tilgangskodene", second)
			}
		}
		if from := x.Access.ValidFrom; from != "" {
			if err := w.sleepUntil(ctx, AccessStart(from)); err != nil {
				return err
			}
			if w.interrupted() {
				return w.withdrawIfRevoked(ctx, nil)
			}
		}
		grant, err := w.taskOnce(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "esa-grant", Group: GroupArchive,
			Title: "Gi " + employee + " tilgangen i ESA"})
		if err != nil || grant == nil {
			return w.withdrawIfRevoked(ctx, err)
		}
		if grant.Outcome != helpdesk.OutcomeDone {
			return w.reject(ctx, "Tilgangen kunne ikke settes opp i ESA", grant)
		}
		if err := w.systemRecord(ctx, helpdesk.AccessGranted{}); err != nil {
			return err
		}
		if err := w.personEvent(ctx, employee, helpdesk.PersonEvent{What: "access-granted", CaseID: w.in.CaseID, Detail: "ESA " + x.Access.Role}); err != nil {
			return err
		}
	}
	return w.liveAccess(ctx)
}

// liveAccess waits for what ends or renews an active access.
func (w *caseRun) liveAccess(ctx workflow.Context) error {
	acc := w.state.Access
	recertifyAt := RecertificationDue(*acc)
	expiresAt := AccessExpiry(acc.ValidTo) // valid through validTo
	next := recertifyAt
	if !expiresAt.IsZero() && expiresAt.Before(next) {
		next = expiresAt
	}
	if err := w.sleepUntil(ctx, next); err != nil {
		return err
	}
	switch {
	case w.state.Final():
		return nil
	case w.revoke != nil:
		r := *w.revoke
		if err := w.systemRecord(ctx, helpdesk.AccessRevokeRequested{Reason: r.Reason, By: r.By}); err != nil {
			return err
		}
		return w.endAccess(ctx, "revoked", "Fjern tilgangen i ESA: "+r.Reason)
	case next.Equal(expiresAt):
		return w.endAccess(ctx, "expired", "Fjern tilgangen i ESA: gyldighetstiden er ute")
	}
	// Yearly recertification by the manager who asked for it.
	n := acc.Recertified + 1
	rc, err := w.taskOnce(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: fmt.Sprintf("esa-recertify-%d", n),
		Attestation: true, Approver: acc.Manager, Fallback: w.in.ESA.Fallback, Title: "Bekreft at " + acc.Employee + " fortsatt trenger ESA-tilgangen"})
	if err != nil {
		return err
	}
	if rc == nil { // revoked while waiting for the manager
		return w.liveAccess(ctx)
	}
	if rc.Outcome != helpdesk.OutcomeApproved {
		return w.endAccess(ctx, "revoked", "Fjern tilgangen i ESA: ikke bekreftet ved årlig resertifisering")
	}
	if err := w.systemRecord(ctx, helpdesk.AccessRecertified{By: rc.DecidedBy}); err != nil {
		return err
	}
	// A new year, a new history: the record keeps everything.
	w.continueAsNew = true
	return errContinueAsNew
}

// endAccess has arkiv remove the access, then records its end.
func (w *caseRun) endAccess(ctx workflow.Context, reason, title string) error {
	w.ending = true // a revoke request now changes nothing
	for attempt := 1; ; attempt++ {
		t, err := w.taskOnce(ctx, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: fmt.Sprintf("esa-revoke-%d", attempt),
			Group: GroupArchive, Title: title})
		if err != nil || t == nil {
			return err
		}
		if t.Outcome == helpdesk.OutcomeDone {
			break
		}
	}
	if err := w.systemRecord(ctx, helpdesk.AccessEnded{Reason: reason}); err != nil {
		return err
	}
	return w.personEvent(ctx, w.in.ESA.Access.Employee, helpdesk.PersonEvent{What: "access-ended", CaseID: w.in.CaseID, Detail: reason})
}

// withdrawIfRevoked ends a request that was revoked before it was granted.
func (w *caseRun) withdrawIfRevoked(ctx workflow.Context, err error) error {
	if err != nil || w.revoke == nil || w.state.Final() {
		return err
	}
	return w.systemRecord(ctx, helpdesk.CaseCancelled{Reason: "Tilgangen ble trukket før den ble gitt: " + w.revoke.Reason})
}

// interrupted reports whether the process should stop waiting: the case
// ended, or a revoke request came that the process has not taken up yet.
func (w *caseRun) interrupted() bool {
	return w.state.Final() || (w.revoke != nil && !w.ending)
}

// listenForRevoke keeps the latest revoke request.
func (w *caseRun) listenForRevoke(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalRevoke)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var r RevokeRequest
			if !ch.Receive(ctx, &r) {
				return
			}
			w.revoke = &r
		}
	})
}

// drainRevoke takes a revoke request still in the channel as a run ends,
// so continue-as-new does not lose it.
func (w *caseRun) drainRevoke(ctx workflow.Context) *RevokeRequest {
	ch := workflow.GetSignalChannel(ctx, SignalRevoke)
	for {
		var r RevokeRequest
		if !ch.ReceiveAsync(&r) {
			return w.revoke
		}
		w.revoke = &r
	}
}

// sleepUntil waits until t, or until the process is interrupted.
func (w *caseRun) sleepUntil(ctx workflow.Context, t time.Time) error {
	d := t.Sub(workflow.Now(ctx))
	if d <= 0 || w.interrupted() {
		return nil
	}
	w.processBusy = false
	_, err := workflow.AwaitWithTimeout(ctx, d, w.interrupted)
	w.processBusy = true
	return err
}

// personEvent records a fact in the person's stream.
func (w *caseRun) personEvent(ctx workflow.Context, username string, e helpdesk.PersonEvent) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeInvalidEvent, activities.ErrTypeIDConflict}},
	})
	return workflow.ExecuteActivity(actx, a.RecordPersonEvent, activities.PersonEventInput{
		Username: username, Event: e,
		Metadata: helpdesk.Metadata{Actor: systemActor.Username, OccurredAt: workflow.Now(ctx), CorrelationID: w.in.CorrelationID},
	}).Get(ctx, nil)
}

// dayStart is 00:00 Oslo on date (YYYY-MM-DD).
func dayStart(date string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, date, helpdesk.Oslo)
	if err != nil {
		return time.Time{}
	}
	return t
}
