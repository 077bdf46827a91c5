package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// NewUserInput is the onboarding part of a case's input. ESA, when the
// new employee needs it, is prepared by the API (approvers looked up); its
// employee is filled in once the account exists.
type NewUserInput struct {
	Request helpdesk.NewUserRequest `json:"request"`
	ESA     *ESAInput               `json:"esa,omitempty"`
	// ESACaseID is the ID the child esa-access case gets.
	ESACaseID string `json:"esaCaseId,omitempty"`
}

// NewUserWorkflowInput starts a new-user case.
type NewUserWorkflowInput struct {
	CaseStart
	NewUser NewUserInput `json:"newUser"`
}

func (in NewUserWorkflowInput) caseInput() CaseInput {
	c := in.CaseStart.caseInput()
	n := in.NewUser
	c.NewUser = &n
	return c
}

// NewUserWorkflow onboards a new employee (runNewUser); the ESA access,
// when asked for, is a child ESAAccessWorkflow of its own.
func NewUserWorkflow(ctx workflow.Context, in NewUserWorkflowInput) (helpdesk.Case, error) {
	return runCase(ctx, in.caseInput(), NewUserWorkflowName)
}

// runNewUser onboards a new employee: fulfilment tasks for the account
// (its output is the username), mailbox and licence, equipment and
// software, all due one service day before the start date; escalation
// three service days before; an ESA access request as a child case once
// the account exists; and on the start date a report to the manager of
// what is ready and what is not.
func (w *caseRun) runNewUser(ctx workflow.Context) error {
	n := w.in.NewUser
	r := n.Request
	start, due, escalateAt := NewUserSchedule(w.cal, r.StartDate)
	name := r.DisplayName()
	todo := []helpdesk.TaskOpened{
		{Kind: helpdesk.TaskFulfilment, Type: "create-account", Group: GroupFirstLine, DueAt: due,
			Title: "Opprett konto for " + name + " (oppgi brukernavnet som output)"},
		{Kind: helpdesk.TaskFulfilment, Type: "mailbox-licence", Group: GroupFirstLine, DueAt: due,
			Title: "Opprett postkasse og tildel lisens for " + name},
	}
	if len(r.Equipment) > 0 {
		todo = append(todo, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "equipment", Group: GroupFirstLine, DueAt: due,
			Title: "Klargjør utstyr for " + name + ": " + join(r.Equipment)})
	}
	if len(r.Software) > 0 {
		todo = append(todo, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "software", Group: GroupFirstLine, DueAt: due,
			Title: "Installer programvare for " + name + ": " + join(r.Software)})
	}
	if len(w.state.Tasks) == 0 {
		if err := w.openTasks(ctx, todo); err != nil {
			return err
		}
	}
	esaStarted := false
	for !w.state.Final() {
		c := w.state
		if c.NewUser.Username == "" {
			if t, ok := c.LatestTask(helpdesk.TaskTypeCreateAccount); ok && t.Status == helpdesk.TaskStatusCompleted && t.Outcome == helpdesk.OutcomeDone && t.Output != "" {
				if err := w.systemRecord(ctx, helpdesk.UserAccountCreated{Username: t.Output}); err != nil {
					return err
				}
				if err := w.personEvent(ctx, t.Output, helpdesk.PersonEvent{What: "account-created", CaseID: w.in.CaseID,
					DisplayName: name, Unit: r.Unit, From: r.StartDate}); err != nil {
					return err
				}
				continue
			}
		}
		if n.ESA != nil && c.NewUser.Username != "" && !esaStarted {
			if err := w.startESAChild(ctx, c.NewUser.Username); err != nil {
				return err
			}
			esaStarted = true
		}
		// Failed tasks are handed out again.
		for _, t := range c.Tasks {
			if t.Status == helpdesk.TaskStatusCompleted && t.Outcome == helpdesk.OutcomeFailed && !c.HandedOutAgain(t) {
				again := helpdesk.TaskOpened{Kind: t.Kind, Type: t.Type + "-again", Group: t.Group, DueAt: t.DueAt, Title: t.Title}
				if err := w.openTasks(ctx, []helpdesk.TaskOpened{again}); err != nil {
					return err
				}
			}
		}
		missing := w.state.OpenTaskTitles()
		now := workflow.Now(ctx)
		switch {
		case !c.NewUser.Reported && !now.Before(start):
			if err := w.systemRecord(ctx, helpdesk.OnboardingReported{Ready: len(missing) == 0, Missing: missing}); err != nil {
				return err
			}
			continue
		case len(missing) > 0 && !c.NewUser.Escalated && !now.Before(escalateAt):
			if err := w.systemRecord(ctx, helpdesk.OnboardingEscalated{Missing: missing}); err != nil {
				return err
			}
			continue
		case len(missing) == 0 && c.NewUser.Username != "" && c.Status != helpdesk.StatusResolved:
			if err := w.systemRecord(ctx, helpdesk.CaseResolved{Resolution: "Alt er klart til oppstart for " + name + "."}); err != nil {
				return err
			}
			continue
		case len(missing) == 0 && c.NewUser.Reported:
			return nil // resolved and reported: the timer loop closes it
		}
		// Sleep until something changes or the next date comes.
		next := start
		if !c.NewUser.Escalated && escalateAt.After(now) {
			next = escalateAt
		}
		rev := w.state.Revision
		w.wakeProcess = func() bool { return w.state.Revision != rev }
		w.processBusy = false
		var err error
		if next.After(now) && !c.NewUser.Reported {
			_, err = workflow.AwaitWithTimeout(ctx, next.Sub(now), w.wakeProcess)
		} else {
			err = workflow.Await(ctx, w.wakeProcess)
		}
		w.wakeProcess, w.processBusy = nil, true
		if err != nil {
			return err
		}
	}
	return nil
}

// openTasks records new tasks without waiting for them.
func (w *caseRun) openTasks(ctx workflow.Context, opened []helpdesk.TaskOpened) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	events := make([]helpdesk.Event, len(opened))
	for i := range opened {
		opened[i].TaskID = helpdesk.TaskID(w.in.CaseID, len(w.state.Tasks)+1+i)
		events[i] = opened[i]
	}
	return w.append(ctx, systemActor.Username, w.in.CorrelationID, events)
}

// startESAChild asks for the new employee's ESA access as its own case,
// which outlives the onboarding (yearly recertification).
func (w *caseRun) startESAChild(ctx workflow.Context, username string) error {
	x := *w.in.NewUser.ESA
	x.Request.Employee, x.Access.Employee = username, username
	in := CaseInput{CaseID: w.in.NewUser.ESACaseID, Actor: w.in.Actor, CorrelationID: w.in.CorrelationID, Policy: w.in.Policy, ESA: &x}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            WorkflowID(in.CaseID),
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	// The child is an ESAAccessWorkflow. A CaseWorkflow that started its
	// child before the types were split (version DefaultVersion) started
	// a CaseWorkflow, and replays so.
	name, arg := in.Start()
	if w.wfType == CaseWorkflowName && workflow.GetVersion(ctx, "esa-child-type", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		name, arg = CaseWorkflowName, in
	}
	child := workflow.ExecuteChildWorkflow(cctx, name, arg)
	var started workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
		workflow.GetLogger(ctx).Warn("esa-access child not started", "error", err)
	}
	return nil
}

func join(items []string) string {
	s := ""
	for i, it := range items {
		if i > 0 {
			s += ", "
		}
		s += it
	}
	return s
}
