package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TaskQueue is the task queue every Brukerhjelp worker polls.
const TaskQueue = "brukerhjelp"

// CaseWorkflowName is the registered name of CaseWorkflow; running
// histories refer to it, so it never follows a Go rename.
const CaseWorkflowName = "CaseWorkflow"

// Names of the case workflow's updates and queries.
const (
	UpdateOpened       = "opened" // waits until the case is recorded, returns it
	UpdateClaim        = "claim"
	UpdateAssign       = "assign"
	UpdateComment      = "comment"
	UpdateRequestInfo  = "request-info"
	UpdateReply        = "reply"
	UpdateResolve      = "resolve"
	UpdateConfirm      = "confirm"
	UpdateReopen       = "reopen"
	UpdateCancel       = "cancel"
	UpdateCompleteTask = "complete-task"
	UpdateLink         = "link" // links the case to an active outage (announcement.go)
	QueryCase          = "case"
)

// ErrorDetails travels with a refused step so the API can answer in the
// user's language and name the field.
type ErrorDetails struct {
	Code    helpdesk.ErrorCode `json:"code"`
	Field   string             `json:"field,omitempty"`
	Message string             `json:"message"`
	English string             `json:"english"`
}

// OrderInput is the order part of a case's input, priced and with its
// approvers looked up by the API (the workflow cannot read the directory).
type OrderInput struct {
	Request helpdesk.OrderRequest `json:"request"`
	Order   helpdesk.Order        `json:"order"`
	// BudgetHolder accepts the cost of non-standard items for the cost
	// centre; never the reporter. Fallback takes over on escalation.
	BudgetHolder string `json:"budgetHolder"`
	Fallback     string `json:"fallback"`
}

// CaseInput is everything a case of any kind starts with: what the desk
// fills in, and the input of CaseWorkflow, the one type every kind ran as
// before each kind got its own (casetypes.go). Start gives the kind's own
// type and input.
type CaseInput struct {
	CaseID  string               `json:"caseId"`
	Request helpdesk.OpenRequest `json:"request"`
	Order   *OrderInput          `json:"order,omitempty"`
	Actor   helpdesk.Actor       `json:"actor"`
	// RequestHash identifies the request body, so an Idempotency-Key reused
	// with another body is told apart from a retry.
	RequestHash   string          `json:"requestHash,omitempty"`
	CorrelationID string          `json:"correlationId,omitempty"`
	Policy        CasePolicy      `json:"policy"`
	ESA           *ESAInput       `json:"esa,omitempty"`
	Departure     *DepartureInput `json:"departure,omitempty"`
	NewUser       *NewUserInput   `json:"newUser,omitempty"`
	// Continued marks a run that continues an earlier one: the case is
	// rebuilt from its stream instead of opened. Revoke carries a revoke
	// request that arrived as the earlier run ended.
	Continued bool           `json:"continued,omitempty"`
	Revoke    *RevokeRequest `json:"revoke,omitempty"`
	// Attachments of an incident or guidance opened by mail; they go into
	// its CaseOpened.
	Attachments []helpdesk.Attachment `json:"attachments,omitempty"`
	// Announcement links a new incident or guidance case to an active
	// outage (the API has checked it is one).
	Announcement *helpdesk.AnnouncementLink `json:"announcement,omitempty"`
	// MailAuth says how the sender of a case opened by mail was
	// authenticated (internal/mailauth); it goes into its CaseOpened.
	MailAuth string `json:"mailAuth,omitempty"`
	// MailMessageID is the Message-ID of the mail that opened the case;
	// it goes into its CaseOpened, so the receipt threads under it.
	MailMessageID string `json:"mailMessageId,omitempty"`
}

// LogFields names the case in the workflow's log lines (worker's logging
// interceptor): the correlation ID of the request that opened it. The
// reference is allocated by the run, so it is not known yet.
func (in CaseInput) LogFields() (correlationID, caseRef string) { return in.CorrelationID, "" }

// StepInput is the body of every step update: who acts, and what they say.
type StepInput struct {
	Actor         helpdesk.Actor           `json:"actor"`
	Resolution    string                   `json:"resolution,omitempty"`
	Assignee      string                   `json:"assignee,omitempty"`
	Group         string                   `json:"group,omitempty"`
	Body          string                   `json:"body,omitempty"`
	Internal      bool                     `json:"internal,omitempty"`
	Question      string                   `json:"question,omitempty"`
	Reason        string                   `json:"reason,omitempty"`
	TaskID        string                   `json:"taskId,omitempty"`
	Completion    helpdesk.CompleteRequest `json:"completion,omitzero"`
	CorrelationID string                   `json:"correlationId,omitempty"`
	// Attachments of a comment or reply that came by mail.
	Attachments []helpdesk.Attachment `json:"attachments,omitempty"`
	// Announcement is the outage of the link step, looked up by the API.
	Announcement *helpdesk.AnnouncementLink `json:"announcement,omitempty"`
	// MailAuth: how the sender of a comment or reply by mail was
	// authenticated; it goes into the step's event.
	MailAuth string `json:"mailAuth,omitempty"`
}

// Normalize cleans the text of a step (update is its update name, which
// is the step's API name) by the domain's rules and limits
// (helpdesk.StepText, helpdesk.CompleteRequest). Every door calls it where
// it builds the input, so a malformed or over-long field is refused
// before it travels to Temporal; the workflow's validator checks the same
// again for a door that did not.
func (s *StepInput) Normalize(update string) error {
	if update == UpdateCompleteTask {
		return s.Completion.Normalize()
	}
	t := helpdesk.StepText{Assignee: s.Assignee, Group: s.Group, Body: s.Body, Question: s.Question,
		Resolution: s.Resolution, Reason: s.Reason}
	if s.Announcement != nil {
		t.Announcement = s.Announcement.ID
	}
	if err := t.Normalize(update); err != nil {
		return err
	}
	s.Assignee, s.Group, s.Body, s.Question, s.Resolution, s.Reason = t.Assignee, t.Group, t.Body, t.Question, t.Resolution, t.Reason
	if s.Announcement != nil {
		l := *s.Announcement // the caller's link stays as it was
		l.ID = t.Announcement
		s.Announcement = &l
	}
	return nil
}

// CasePolicy is the configuration a case runs under, captured when it is
// opened so that replaying its history never depends on today's settings.
type CasePolicy struct {
	SLA      helpdesk.SLAPolicy `json:"sla"`
	Calendar calendar.Config    `json:"calendar"`
	// Service days of silence before the reporter is reminded of a
	// question, and before the case closes for want of a reply.
	ReminderDays  int `json:"reminderDays"`
	AutoCloseDays int `json:"autoCloseDays"`
	// Service days after resolution in which the reporter may reopen.
	ReopenDays int `json:"reopenDays"`
	// Service days after an approval task opens: remind the approver,
	// escalate to the fallback approver, and let the approval expire.
	ApprovalReminderDays int `json:"approvalReminderDays"`
	ApprovalEscalateDays int `json:"approvalEscalateDays"`
	ApprovalExpireDays   int `json:"approvalExpireDays"`
	// Routes send cases about a service to a group; AutoAssign gives a
	// new case to the group's least-loaded caseworker instead of leaving
	// it in the group's queue.
	Routes     helpdesk.Routes `json:"routes,omitempty"`
	AutoAssign bool            `json:"autoAssign,omitempty"`
	// SensitiveAccessCodes are ESA access codes (e.g. personnel matters)
	// that need a second approval.
	SensitiveAccessCodes []string `json:"sensitiveAccessCodes,omitempty"`
}

// DefaultCasePolicy is the help desk's standard configuration.
func DefaultCasePolicy() CasePolicy {
	return CasePolicy{SLA: helpdesk.DefaultSLAPolicy(), ReminderDays: 3, AutoCloseDays: 10, ReopenDays: 5,
		ApprovalReminderDays: 1, ApprovalEscalateDays: 2, ApprovalExpireDays: 5, Routes: helpdesk.DefaultRoutes(),
		SensitiveAccessCodes: []string{"P", "PERS"}}
}

// CaseView is what the case workflow answers to updates and queries.
type CaseView struct {
	Case        helpdesk.Case `json:"case"`
	RequestHash string        `json:"requestHash,omitempty"`
}

// WorkflowID is the Temporal workflow ID of a case.
func WorkflowID(caseID string) string { return "case-" + caseID }

var a *activities.Activities

// errContinueAsNew is what a process returns to have the workflow continue
// as new.
var errContinueAsNew = errors.New("continue as new")

// ContinueAfterEvents bounds a run's history: a case whose run has this
// many history events (or that the server suggests should continue, at
// 4,096 events or 4 MB by default) continues as new after its next step,
// well under Temporal's warning at 10,240 events and its limit at 51,200.
// The case's stream keeps every event; the new run folds it back.
const ContinueAfterEvents = 8000

// systemActor records what the workflow does by itself (timers).
var systemActor = helpdesk.Actor{Username: "brukerhjelp"}

// serviceCalendar is the calendar arithmetic the case workflow needs.
type serviceCalendar interface {
	helpdesk.ServiceCalendar
	AddDays(start time.Time, n int) time.Time
	IsOpen(t time.Time) bool
}

// CaseWorkflow ran every kind of case before each kind got a workflow type
// of its own (casetypes.go). It stays registered, on the same code path,
// so that cases started under it run on and their histories replay; new
// cases never start it. Commands added since are guarded by
// workflow.GetVersion in the shared machinery.
func CaseWorkflow(ctx workflow.Context, in CaseInput) (helpdesk.Case, error) {
	return runCase(ctx, in, CaseWorkflowName)
}

// runCase is the case machinery every case workflow type shares: it
// opens (or, continued, rebuilds) the case, answers the steps, runs the
// kind's process beside the timer loop, keeps the search attributes and
// continues as new as wfType.
func runCase(ctx workflow.Context, in CaseInput, wfType string) (helpdesk.Case, error) {
	cal, err := calendar.New(in.Policy.Calendar)
	if err != nil {
		return helpdesk.Case{}, temporal.NewNonRetryableApplicationError("invalid calendar", "InvalidPolicy", err)
	}
	w := &caseRun{in: in, cal: cal, state: helpdesk.NewCase(), revoke: in.Revoke, wfType: wfType}
	// Runs of CaseWorkflow recorded before the search attributes
	// (version DefaultVersion) upsert none, and replay so.
	w.searchable = wfType != CaseWorkflowName ||
		workflow.GetVersion(ctx, "search-attributes", workflow.DefaultVersion, 1) != workflow.DefaultVersion
	// Runs since "local-record" allocate the reference and record the
	// opening, the steps and the timers' events with local activities,
	// in the workflow task that decides them (record.go). Runs recorded
	// before (version DefaultVersion) used activities, and replay so.
	// Since its version 2 a run allocates the reference and records the
	// opening with one local activity, in one commit of the record
	// (openOnce); runs of version 1 used two, and replay so.
	record := workflow.GetVersion(ctx, "local-record", workflow.DefaultVersion, 2)
	w.local = record != workflow.DefaultVersion
	w.openOnce = record >= 2
	w.mu = workflow.NewMutex(ctx)
	if err := w.register(ctx); err != nil {
		return w.state, err
	}
	if in.Continued {
		err = w.resume(ctx)
	} else {
		err = w.open(ctx)
	}
	if err != nil {
		w.openErr = err
		_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		return w.state, err
	}
	// Adds no command until an outage-resolved signal arrives, so the
	// recorded histories replay unchanged (no GetVersion needed).
	w.listenForOutage(ctx)
	if process := w.process(); process != nil {
		w.processBusy = true
		workflow.Go(ctx, func(ctx workflow.Context) {
			w.processErr = process(ctx)
			w.processBusy = false
		})
	}
	if err := w.runTimers(ctx); err != nil {
		return w.state, err
	}
	if w.continueAsNew && (w.processErr == nil || errors.Is(w.processErr, errContinueAsNew)) {
		// Long-lived cases start a fresh history; the record keeps all.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return w.state, err
		}
		next := w.in
		next.Continued, next.Revoke = true, w.drainRevoke(ctx)
		// The same type again: a CaseWorkflow stays one, so that its
		// next run replays against the same code path.
		if w.wfType == CaseWorkflowName {
			return w.state, workflow.NewContinueAsNewError(ctx, CaseWorkflowName, next)
		}
		name, arg := next.Start()
		return w.state, workflow.NewContinueAsNewError(ctx, name, arg)
	}
	if w.processErr != nil {
		return w.state, w.processErr
	}
	err = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return w.state, err
}

// process is the kind's own process, run beside the timer loop.
func (w *caseRun) process() func(workflow.Context) error {
	switch {
	case w.in.Order != nil:
		return w.runOrder
	case w.in.ESA != nil:
		return w.runESA
	case w.in.Departure != nil:
		return w.runDeparture
	case w.in.NewUser != nil:
		return w.runNewUser
	}
	return nil
}

// resume rebuilds the case from its stream after continue-as-new.
func (w *caseRun) resume(ctx workflow.Context) error {
	if err := foldStream(ctx, helpdesk.Stream(w.in.CaseID), helpdesk.DecodeEvent, w.state.Apply); err != nil {
		return err
	}
	w.opened = true
	w.upsertSearch(ctx)
	return nil
}

// foldStream applies every event of stream, decoded by decode, to a
// workflow's state: how a continued run rebuilds it. An event that does
// not decode stops the run for good (retrying cannot mend the record).
func foldStream(ctx workflow.Context, stream string, decode func(string, []byte) (helpdesk.Event, error),
	apply func(helpdesk.Event, helpdesk.Metadata, int64)) error {
	return loadStream(ctx, stream, func(e activities.StoredEvent) error {
		ev, err := decode(e.Type, e.Data)
		if err != nil {
			return temporal.NewNonRetryableApplicationError("resume: "+err.Error(), "CorruptStream", err)
		}
		apply(ev, e.Metadata, e.Revision)
		return nil
	})
}

// loadPage is how many events one activity loads when a run rebuilds its
// state from the record: ~1,000 comments stay far below Temporal's 2 MB
// payload limit.
const loadPage = 1000

// loadStream reads stream from the record into each, oldest first. Runs
// recorded before paging (version DefaultVersion) loaded it with one
// LoadStream; newer runs load it page by page.
func loadStream(ctx workflow.Context, stream string, each func(activities.StoredEvent) error) error {
	actx := workflow.WithActivityOptions(ctx, appendOptions)
	if workflow.GetVersion(ctx, "paged-stream-load", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		var evs []activities.StoredEvent
		if err := workflow.ExecuteActivity(actx, a.LoadStream, stream).Get(ctx, &evs); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		for _, e := range evs {
			if err := each(e); err != nil {
				return err
			}
		}
		return nil
	}
	var from uint64
	for {
		var evs []activities.StoredEvent
		in := activities.LoadPageInput{Stream: stream, From: from, Limit: loadPage}
		if err := workflow.ExecuteActivity(actx, a.LoadStreamPage, in).Get(ctx, &evs); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		for _, e := range evs {
			if err := each(e); err != nil {
				return err
			}
		}
		if len(evs) < loadPage {
			return nil
		}
		from = uint64(evs[len(evs)-1].Revision) + 1
	}
}

type caseRun struct {
	in CaseInput
	// wfType is the registered type running the case; searchable says
	// whether this run keeps the search attributes (searched: as last
	// upserted).
	wfType     string
	searchable bool
	// local: this run records with local activities (record.go);
	// openOnce: it opens the case with one (OpenCase); adopted: what
	// the last adoption read from the record.
	local    bool
	openOnce bool
	adopted  []activities.StoredEvent
	searched *searchValues
	cal      serviceCalendar
	state    helpdesk.Case
	opened   bool
	openErr  error
	mu       workflow.Mutex
	// processErr is the failure of a kind's own process (an order's
	// approvals and fulfilment), which runs beside the timers.
	processErr error
	// processBusy is true while the process is working rather than
	// waiting for a person; wakeProcess is what it waits for.
	processBusy bool
	wakeProcess func() bool
	// revoke is a pending request to end an access (a signal); ending is
	// set once the access is being removed anyway.
	revoke *RevokeRequest
	ending bool
	// continueAsNew asks the timer loop to stop so the workflow can
	// continue as new.
	continueAsNew bool
}

// awaitProcess waits until the kind's process has reacted to the last
// change and waits for a person again (or has ended).
func (w *caseRun) awaitProcess(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return !w.processBusy })
}

func (w *caseRun) view() CaseView { return CaseView{Case: w.state, RequestHash: w.in.RequestHash} }

// decider is one human step: the domain decides it on the current case.
type decider func(c helpdesk.Case, s StepInput) (helpdesk.Event, error)

func (w *caseRun) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCase, func() (CaseView, error) { return w.view(), nil }); err != nil {
		return err
	}
	if w.in.ESA != nil {
		w.listenForRevoke(ctx)
	}
	err := workflow.SetUpdateHandler(ctx, UpdateOpened, func(ctx workflow.Context) (CaseView, error) {
		if err := workflow.Await(ctx, func() bool { return w.opened || w.openErr != nil }); err != nil {
			return CaseView{}, err
		}
		if w.openErr != nil {
			return CaseView{}, w.openErr
		}
		if err := w.awaitProcess(ctx); err != nil {
			return CaseView{}, err
		}
		return w.view(), nil
	})
	if err != nil {
		return err
	}
	steps := []struct {
		name   string
		decide decider
	}{
		{UpdateClaim, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Claim(s.Actor) }},
		{UpdateAssign, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) {
			return c.Assign(s.Actor, s.Assignee, s.Group)
		}},
		{UpdateComment, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) {
			e, err := c.Comment(s.Actor, fmt.Sprintf("c%d", c.Revision+1), s.Body, s.Internal)
			e.Attachments, e.MailAuth = s.Attachments, s.MailAuth
			return e, err
		}},
		{UpdateRequestInfo, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.RequestInfo(s.Actor, s.Question) }},
		{UpdateReply, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) {
			e, err := c.Reply(s.Actor, s.Body)
			e.Attachments, e.MailAuth = s.Attachments, s.MailAuth
			return e, err
		}},
		{UpdateResolve, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Resolve(s.Actor, s.Resolution) }},
		{UpdateConfirm, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Confirm(s.Actor) }},
		{UpdateReopen, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Reopen(s.Actor, s.Reason) }},
		{UpdateCancel, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) { return c.Cancel(s.Actor, s.Reason) }},
		{UpdateCompleteTask, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) {
			return c.CompleteTask(s.Actor, s.TaskID, s.Completion)
		}},
		{UpdateLink, func(c helpdesk.Case, s StepInput) (helpdesk.Event, error) {
			if s.Announcement == nil {
				return c.Link(s.Actor, helpdesk.AnnouncementLink{})
			}
			return c.Link(s.Actor, *s.Announcement)
		}},
	}
	for _, s := range steps {
		if err := w.registerStep(ctx, s.name, s.decide); err != nil {
			return err
		}
	}
	return nil
}

// registerStep wires one human step as an update. The validator refuses a
// step that is not allowed now without touching history; the handler
// decides again under the mutex, because another update may have changed
// the case while this one waited (two caseworkers claiming at once).
func (w *caseRun) registerStep(ctx workflow.Context, name string, decide decider) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, s StepInput) (CaseView, error) {
			if err := w.mu.Lock(ctx); err != nil {
				return CaseView{}, err
			}
			// A step that reaches a continued run before it has folded
			// its stream waits for it (the validator let it through).
			if err := workflow.Await(ctx, func() bool { return w.opened || w.openErr != nil }); err != nil {
				w.mu.Unlock()
				return CaseView{}, err
			}
			if w.openErr != nil {
				w.mu.Unlock()
				return CaseView{}, w.openErr
			}
			// Store the text as the rules clean it, whichever door sent
			// it. An update recorded before the rules that they would
			// refuse (the validator is not run on replay) keeps its text,
			// so it decides and records as it did.
			if n := s; n.Normalize(name) == nil {
				s = n
			}
			// A step is decided again on the case as the record has it if
			// recording it found events of a lost workflow task there
			// (errAdopted, record.go): the step may be done, or refused,
			// by now.
			var ev helpdesk.Event
			var err error
			for range maxAdoptions {
				ev, err = decide(w.state, s)
				if err == nil && name == UpdateCompleteTask {
					err = w.checkOutput(ctx, s)
				}
				if err == nil {
					err = w.recordOwn(ctx, s.Actor, s.CorrelationID, ev)
				}
				if errors.Is(err, errAdopted) && w.wasAdopted(ev) {
					err = nil // recorded by a lost attempt of this step
				}
				if !errors.Is(err, errAdopted) {
					break
				}
			}
			if l, ok := ev.(helpdesk.LinkedToAnnouncement); ok && err == nil {
				w.tellAnnouncement(ctx, l)
			}
			if err == nil {
				w.continueIfLong(ctx)
			}
			if err == nil && w.wakeProcess != nil && w.wakeProcess() {
				w.processBusy = true // it will react to this step
			}
			w.mu.Unlock()
			if err != nil {
				return CaseView{}, refusal(err)
			}
			// Answer with the case as it is once the process has reacted
			// (the next task opened, the order rejected), not half-way.
			if err := w.awaitProcess(ctx); err != nil {
				return CaseView{}, err
			}
			return w.view(), nil
		},
		workflow.UpdateHandlerOptions{
			Validator: func(ctx workflow.Context, s StepInput) error {
				if !w.opened && w.in.Continued {
					return nil // the handler decides once the stream is folded
				}
				if !w.opened {
					return refusal(&helpdesk.StepError{Code: helpdesk.CodeConflict,
						Message: "saken er ikke registrert ennå", English: "the case is not recorded yet"})
				}
				// The input's own rules first: malformed text, an output
				// the task does not take. Validators do not run on replay,
				// so they may grow stricter.
				if err := s.Normalize(name); err != nil {
					return refusal(err)
				}
				if name == UpdateCompleteTask {
					if err := w.state.CheckTaskInput(s.TaskID, s.Completion); err != nil {
						return refusal(err)
					}
				}
				_, err := decide(w.state, s)
				return refusal(err)
			},
		})
}

// reserveOptions: reserving a username reads and appends once; retry
// transient store failures briefly (the person completing the task is
// waiting), never a refusal.
var reserveOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second, MaximumAttempts: 5,
		NonRetryableErrorTypes: []string{activities.ErrTypeUsernameTaken, "NoDirectory"},
	},
}

// checkOutput applies the rules of a task's output that need the
// directory or the record: a new account's username must be free (no one
// in the directory, no account created or reserved by another case). An
// activity reserves it, so two cases cannot both take it; a refusal is
// invalid input on "output" and records nothing. Completions recorded
// before this rule (version DefaultVersion) ran no activity and replay so.
func (w *caseRun) checkOutput(ctx workflow.Context, s StepInput) error {
	t, ok := w.state.Task(s.TaskID)
	if !ok || t.OutputRule() != helpdesk.OutputUsername || s.Completion.Outcome != helpdesk.OutcomeDone {
		return nil
	}
	if workflow.GetVersion(ctx, "task-output-rules", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	if err := t.CheckOutput(s.Completion); err != nil {
		return err
	}
	in := activities.ReserveUsernameInput{Username: s.Completion.Output, CaseID: w.in.CaseID,
		Metadata: helpdesk.Metadata{Actor: s.Actor.Username, OccurredAt: workflow.Now(ctx), CorrelationID: s.CorrelationID}}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, reserveOptions), a.ReserveUsername, in).Get(ctx, nil)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == activities.ErrTypeUsernameTaken {
		return helpdesk.UsernameTaken(s.Completion.Output)
	}
	return err
}

// refusal turns a domain refusal into a non-retryable application error
// whose type is the error code and whose details carry both languages.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	se, ok := helpdesk.AsStepError(err)
	if !ok {
		return err
	}
	return temporal.NewNonRetryableApplicationError(se.English, string(se.Code), nil,
		ErrorDetails{Code: se.Code, Field: se.Field, Message: se.Message, English: se.English})
}

func (w *caseRun) open(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	meta := helpdesk.Metadata{Actor: w.in.Actor.Username, OccurredAt: now, CorrelationID: w.in.CorrelationID}
	refIn := activities.AllocateReferenceInput{CaseID: w.in.CaseID, Year: now.In(helpdesk.Oslo).Year(), Metadata: meta}
	var err error
	if w.openOnce {
		err = w.openAtOnce(ctx, refIn)
	} else {
		err = w.openInTwo(ctx, refIn)
	}
	adopted := false
	if errors.Is(err, errAdopted) && w.state.Reference != "" {
		// A lost attempt of this workflow task opened the case already
		// (record.go); its events are the case's.
		adopted = true
	} else if err != nil {
		return err
	}
	if w.state.Announcement != nil {
		w.tellAnnouncement(ctx, helpdesk.LinkedToAnnouncement{AnnouncementID: w.state.Announcement.ID})
	}
	if w.in.Policy.AutoAssign && w.in.Order == nil && !(adopted && w.state.Assignee != "") {
		if err := w.autoAssign(ctx); err != nil {
			return err
		}
	}
	w.opened = true
	return nil
}

// openingEvents are the events that open the case at now with
// reference ref.
func (w *caseRun) openingEvents(now time.Time, ref string) []helpdesk.Event {
	if x := w.in.ESA; x != nil {
		return []helpdesk.Event{helpdesk.OpenAccess(w.in.CaseID, ref, x.Request, x.Access, w.in.Actor), helpdesk.AccessRequested{Access: x.Access}}
	}
	if d := w.in.Departure; d != nil {
		return []helpdesk.Event{helpdesk.OpenDeparture(w.in.CaseID, ref, d.Request, d.DisplayName, w.in.Actor), helpdesk.DepartureRequested{Departure: d.Request}}
	}
	if n := w.in.NewUser; n != nil {
		return []helpdesk.Event{helpdesk.OpenNewUser(w.in.CaseID, ref, n.Request, w.in.Actor), helpdesk.NewUserRequested{Request: n.Request}}
	}
	if o := w.in.Order; o != nil {
		return []helpdesk.Event{helpdesk.OpenOrder(w.in.CaseID, ref, o.Request, w.in.Actor), helpdesk.OrderPlaced{Order: o.Order}}
	}
	opened := helpdesk.Open(w.in.CaseID, ref, w.in.Request, w.in.Actor, w.in.Policy.Routes)
	opened.Attachments, opened.MailAuth, opened.MailMessageID = w.in.Attachments, w.in.MailAuth, w.in.MailMessageID
	events := []helpdesk.Event{opened}
	if started, ok := helpdesk.StartSLA(w.in.Policy.SLA, w.in.Request.Priority, now, w.cal); ok {
		events = append(events, started)
	}
	if l := w.in.Announcement; l != nil {
		events = append(events, helpdesk.LinkedToAnnouncement{AnnouncementID: l.ID, Reference: l.Reference, Title: l.Title})
	}
	return events
}

// openInTwo allocates the reference, then records the opening: with
// activities (runs before "local-record") or two local activities
// (its version 1).
func (w *caseRun) openInTwo(ctx workflow.Context, refIn activities.AllocateReferenceInput) error {
	var ref string
	var err error
	if w.local {
		err = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localRecordOptions), a.AllocateReference, refIn).Get(ctx, &ref)
	} else {
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, appendOptions), a.AllocateReference, refIn).Get(ctx, &ref)
	}
	if err != nil {
		return fmt.Errorf("allocate reference: %w", err)
	}
	return w.write(ctx, w.in.Actor.Username, w.in.CorrelationID, w.openingEvents(refIn.Metadata.OccurredAt, ref))
}

// openAtOnce allocates the reference and records the opening with one
// local activity (OpenCase), in one commit where the record can.
func (w *caseRun) openAtOnce(ctx workflow.Context, refIn activities.AllocateReferenceInput) error {
	events := w.openingEvents(refIn.Metadata.OccurredAt, "")
	opening, meta, err := w.appendInput(ctx, w.in.Actor.Username, w.in.CorrelationID, events)
	if err != nil {
		return err
	}
	var out activities.OpenCaseOutput
	if err := w.runLocal(ctx, a.OpenCase, activities.OpenCaseInput{Reference: refIn, Opening: opening}, &out); err != nil {
		if errors.Is(err, errAdopted) {
			return err
		}
		return fmt.Errorf("open the case: %w", err)
	}
	opened := events[0].(helpdesk.CaseOpened)
	opened.Reference = out.Reference
	events[0] = opened
	w.appended(ctx, events, meta, out.Opening)
	return nil
}

// autoAssign gives the new case to the least-loaded caseworker of its
// group; with nobody in the group it stays in the queue.
func (w *caseRun) autoAssign(ctx workflow.Context) error {
	var assignee string
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	if err := workflow.ExecuteActivity(actx, a.PickAssignee, w.state.Group).Get(ctx, &assignee); err != nil {
		// The queue is a fine place for a case; losing it is not.
		workflow.GetLogger(ctx).Warn("auto-assignment failed; the case stays in the queue", "error", err)
		return nil
	}
	if assignee == "" {
		return nil
	}
	return w.append(ctx, systemActor.Username, w.in.CorrelationID, []helpdesk.Event{helpdesk.CaseAssigned{Assignee: assignee, Group: w.state.Group}})
}

// appendOptions: appends are quick; retry transient store failures for a
// long while (a case must never be lost), but not refusals.
var appendOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		NonRetryableErrorTypes: []string{
			activities.ErrTypeWrongExpectedRevision,
			activities.ErrTypeIDConflict,
			activities.ErrTypeInvalidEvent,
		},
	},
}

// record appends a step's event together with what the SLA makes of it.
func (w *caseRun) record(ctx workflow.Context, actor helpdesk.Actor, correlationID string, ev helpdesk.Event) error {
	events := append([]helpdesk.Event{ev}, w.state.SLAReactions(ev, actor, workflow.Now(ctx), w.cal)...)
	return w.append(ctx, actor.Username, correlationID, events)
}

// append writes events to the case's stream at the revision the workflow
// knows (it is the stream's only writer) with an activity, then folds them
// into the state. The kinds' processes record so in every run; the rest
// uses write (record.go).
func (w *caseRun) append(ctx workflow.Context, actor, correlationID string, events []helpdesk.Event) error {
	in, meta, err := w.appendInput(ctx, actor, correlationID, events)
	if err != nil {
		return err
	}
	var out activities.AppendOutput
	actx := workflow.WithActivityOptions(ctx, appendOptions)
	if err := workflow.ExecuteActivity(actx, a.AppendEvents, in).Get(ctx, &out); err != nil {
		return fmt.Errorf("record %s: %w", events[0].EventType(), err)
	}
	w.appended(ctx, events, meta, out)
	return nil
}

// appendInput is the append of events at the revision the workflow knows.
func (w *caseRun) appendInput(ctx workflow.Context, actor, correlationID string, events []helpdesk.Event) (activities.AppendInput, helpdesk.Metadata, error) {
	meta := helpdesk.Metadata{Actor: actor, OccurredAt: workflow.Now(ctx), CorrelationID: correlationID}
	in := activities.AppendInput{Stream: helpdesk.Stream(w.in.CaseID), ExpectedRevision: w.state.Revision, CaseRef: w.state.Reference}
	for _, ev := range events {
		if o, ok := ev.(helpdesk.CaseOpened); ok && in.CaseRef == "" {
			in.CaseRef = o.Reference
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return in, meta, fmt.Errorf("encode %s: %w", ev.EventType(), err)
		}
		in.Events = append(in.Events, activities.NewEvent{Type: ev.EventType(), Data: data, Metadata: meta})
	}
	return in, meta, nil
}

// appended folds events the store took into the state.
func (w *caseRun) appended(ctx workflow.Context, events []helpdesk.Event, meta helpdesk.Metadata, out activities.AppendOutput) {
	first := out.LastRevision - int64(len(events)) + 1
	for i, ev := range events {
		w.state.Apply(ev, meta, first+int64(i))
	}
	w.upsertSearch(ctx)
}

// awaitTimer sleeps until at (when there is a timer, ok) or until changed
// holds, whichever comes first, and reports whether the timer is due:
// nothing changed before it.
func awaitTimer(ctx workflow.Context, at time.Time, ok bool, changed func() bool) (due bool, err error) {
	if !ok {
		return false, workflow.Await(ctx, changed)
	}
	if d := at.Sub(workflow.Now(ctx)); d > 0 {
		moved, err := workflow.AwaitWithTimeout(ctx, d, changed)
		if err != nil || moved {
			return false, err
		}
	}
	return true, nil
}

// runTimers sleeps until the next thing the case does by itself (an SLA
// warning or breach, a reminder, closing when a window runs out), does it,
// and starts over whenever a step changes the case. It returns when the
// case is finished.
func (w *caseRun) runTimers(ctx workflow.Context) error {
	for !w.state.Final() && !w.continueAsNew {
		revision := w.state.Revision
		changed := func() bool { return w.state.Revision != revision || w.continueAsNew }
		at, ev, ok := w.nextTimer()
		due, err := awaitTimer(ctx, at, ok, changed)
		if err != nil {
			return err
		}
		if !due {
			continue
		}
		if err := w.mu.Lock(ctx); err != nil {
			return err
		}
		if !changed() {
			err = w.recordOwn(ctx, systemActor, "", ev)
			if errors.Is(err, errAdopted) {
				err = nil // the case changed; the loop looks again
			} else if err == nil {
				w.continueIfLong(ctx)
			}
		}
		w.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// continueIfLong has a long run continue as new: a case with many steps
// (thousands of comments) would otherwise grow its history past Temporal's
// limits. Only kinds without a process of their own (incidents, guidance)
// continue this way; a process (an order's approvals) keeps its place in
// its goroutine, which a new run would not resume.
func (w *caseRun) continueIfLong(ctx workflow.Context) {
	if w.process() != nil || w.state.Final() {
		return
	}
	info := workflow.GetInfo(ctx)
	if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= ContinueAfterEvents {
		w.continueAsNew = true
	}
}

// nextTimer is the earliest thing the case will do by itself.
func (w *caseRun) nextTimer() (time.Time, helpdesk.Event, bool) {
	c, p := w.state, w.in.Policy
	var at time.Time
	var ev helpdesk.Event
	consider := func(t time.Time, e helpdesk.Event) {
		if ev == nil || t.Before(at) {
			at, ev = t, e
		}
	}
	if m, ok := c.NextSLAMilestone(p.SLA.WarnAt, w.cal); ok {
		consider(m.At, m.Event)
	}
	switch c.Status {
	case helpdesk.StatusWaitingForUser:
		if !c.Reminded && p.ReminderDays > 0 {
			consider(w.cal.AddDays(c.WaitingSince, p.ReminderDays), helpdesk.ReplyReminded{Question: c.Question})
		}
		if p.AutoCloseDays > 0 {
			consider(w.cal.AddDays(c.WaitingSince, p.AutoCloseDays), helpdesk.CaseClosed{Reason: helpdesk.ClosedNoReply})
		}
	case helpdesk.StatusResolved:
		consider(w.cal.AddDays(c.ResolvedAt, p.ReopenDays), helpdesk.CaseClosed{Reason: helpdesk.ClosedReopenExpired})
	}
	for _, t := range c.Tasks {
		if t.Kind != helpdesk.TaskApproval || t.Status != helpdesk.TaskStatusOpen {
			continue
		}
		remindAt, escalateAt, expireAt := ApprovalSchedule(w.cal, p, t.CreatedAt, t.Fallback != "")
		if !t.Reminded && !remindAt.IsZero() {
			consider(remindAt, helpdesk.TaskReminded{TaskID: t.ID})
		}
		if !t.Escalated && !escalateAt.IsZero() {
			consider(escalateAt, helpdesk.TaskEscalated{TaskID: t.ID, From: t.Approver, To: t.Fallback})
		}
		if !expireAt.IsZero() {
			consider(expireAt,
				helpdesk.TaskCompleted{TaskID: t.ID, Outcome: helpdesk.OutcomeExpired, DecidedBy: systemActor.Username})
		}
	}
	return at, ev, ev != nil
}

// tellAnnouncement signals the outage that the case is linked to it, once
// the link is on the case's record. If the outage's workflow has ended
// (it was resolved as the link was made) the link stays on the case; the
// caseworker resolves the case by hand.
func (w *caseRun) tellAnnouncement(ctx workflow.Context, l helpdesk.LinkedToAnnouncement) {
	err := workflow.SignalExternalWorkflow(ctx, AnnouncementWorkflowID(l.AnnouncementID), "", SignalLinkCase,
		LinkCaseSignal{CaseID: w.state.ID, Reference: w.state.Reference, Reporter: w.state.Reporter}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("telling the outage about a linked case failed", "announcement", l.AnnouncementID, "error", err)
	}
}

// listenForOutage resolves the case when the outage it is linked to is
// resolved, if it is still open then.
func (w *caseRun) listenForOutage(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalOutageResolved)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s OutageResolvedSignal
			if !ch.Receive(ctx, &s) {
				return
			}
			if err := w.mu.Lock(ctx); err != nil {
				return
			}
			for range maxAdoptions {
				ev, ok := w.state.ResolveByOutage(s.Announcement, s.Comment)
				if !ok || !w.opened {
					break
				}
				err := w.recordOwn(ctx, systemActor, s.CorrelationID, ev)
				if errors.Is(err, errAdopted) {
					continue // decided again on the case as recorded
				}
				if err != nil {
					workflow.GetLogger(ctx).Error("resolving the case with its outage failed", "announcement", s.Announcement.ID, "error", err)
				}
				break
			}
			w.mu.Unlock()
		}
	})
}
