package helpdesk

import (
	"fmt"
	"strings"
	"time"
)

// TaskKind tells a decision from a piece of work.
type TaskKind string

// Task kinds (API.md section 5).
const (
	TaskApproval   TaskKind = "approval"   // outcome approved or rejected
	TaskFulfilment TaskKind = "fulfilment" // outcome done or failed
)

// Outcomes of a completed task.
const (
	OutcomeApproved = "approved"
	OutcomeRejected = "rejected"
	OutcomeDone     = "done"
	OutcomeFailed   = "failed"
	OutcomeExpired  = "expired" // nobody decided in time
)

// TaskStatus is where a task is.
type TaskStatus string

// Task statuses.
const (
	TaskStatusOpen      TaskStatus = "open"
	TaskStatusCompleted TaskStatus = "completed"
)

// Task is a human step inside a workflow: an approval or a fulfilment task.
type Task struct {
	ID     string     `json:"id"`
	CaseID string     `json:"caseId"`
	Kind   TaskKind   `json:"kind"`
	Type   string     `json:"type"` // e.g. it-review, cost-approval, order, deliver
	Title  string     `json:"title"`
	Status TaskStatus `json:"status"`
	// Approver is the person who decides an approval; Fallback takes over
	// on escalation. Group is the caseworker group of a fulfilment task.
	Approver  string `json:"approver,omitempty"`
	Fallback  string `json:"fallback,omitempty"`
	Escalated bool   `json:"escalated"`
	Reminded  bool   `json:"reminded"`
	Group     string `json:"group,omitempty"`
	CostNOK   int64  `json:"costNOK,omitempty"`
	// Attestation: the requester confirms their own earlier request is
	// still needed (yearly recertification); not an approval of it.
	Attestation bool      `json:"attestation,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	DueAt       time.Time `json:"dueAt,omitzero"`
	Outcome     string    `json:"outcome,omitempty"`
	Comment     string    `json:"comment,omitempty"`
	Output      string    `json:"output,omitempty"`
	// DecidedBy completed the task, on behalf of OnBehalfOf when a deputy
	// acted for the approver.
	DecidedBy   string    `json:"decidedBy,omitempty"`
	OnBehalfOf  string    `json:"onBehalfOf,omitempty"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
}

// TaskID names the n-th task of a case. The case ID is in it so the API
// finds the workflow from the task alone.
func TaskID(caseID string, n int) string { return fmt.Sprintf("%s.t%d", caseID, n) }

// ParseTaskID splits a task ID into its case ID.
func ParseTaskID(id string) (caseID string, ok bool) {
	caseID, n, ok := strings.Cut(id, ".t")
	if !ok || caseID == "" || n == "" || strings.Trim(n, "0123456789") != "" {
		return "", false
	}
	return caseID, true
}

// TaskOpened: a task was handed to a person or a group.
type TaskOpened struct {
	TaskID   string    `json:"taskId"`
	Kind     TaskKind  `json:"kind"`
	Type     string    `json:"type"`
	Title    string    `json:"title"`
	Approver string    `json:"approver,omitempty"`
	Fallback string    `json:"fallback,omitempty"`
	Group    string    `json:"group,omitempty"`
	CostNOK  int64     `json:"costNOK,omitempty"`
	DueAt    time.Time `json:"dueAt,omitzero"`
	// Attestation: see Task.Attestation.
	Attestation bool `json:"attestation,omitempty"`
}

// TaskReminded: the approver was reminded.
type TaskReminded struct {
	TaskID string `json:"taskId"`
}

// TaskEscalated: the decision went to the fallback approver.
type TaskEscalated struct {
	TaskID string `json:"taskId"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// TaskCompleted: someone completed the task, or it expired.
type TaskCompleted struct {
	TaskID     string `json:"taskId"`
	Outcome    string `json:"outcome"`
	Comment    string `json:"comment,omitempty"`
	Output     string `json:"output,omitempty"`
	DecidedBy  string `json:"decidedBy"`
	OnBehalfOf string `json:"onBehalfOf,omitempty"`
}

func (TaskOpened) EventType() string    { return "TaskOpened" }
func (TaskReminded) EventType() string  { return "TaskReminded" }
func (TaskEscalated) EventType() string { return "TaskEscalated" }
func (TaskCompleted) EventType() string { return "TaskCompleted" }

func init() {
	register[TaskOpened]()
	register[TaskReminded]()
	register[TaskEscalated]()
	register[TaskCompleted]()
	declarePersonal[TaskOpened]("title") // may name the new employee
	declarePersonal[TaskReminded]()
	declarePersonal[TaskEscalated]()
	declarePersonal[TaskCompleted]("comment", "output")
}

// applyTask folds task events into the case's task list.
func (c *Case) applyTask(e Event, m Metadata) {
	if o, ok := e.(TaskOpened); ok {
		c.Tasks = append(c.Tasks[:len(c.Tasks):len(c.Tasks)], Task{
			ID: o.TaskID, CaseID: c.ID, Kind: o.Kind, Type: o.Type, Title: o.Title, Status: TaskStatusOpen,
			Approver: o.Approver, Fallback: o.Fallback, Group: o.Group, CostNOK: o.CostNOK, Attestation: o.Attestation,
			CreatedAt: m.OccurredAt, DueAt: o.DueAt,
		})
		return
	}
	var id string
	switch e := e.(type) {
	case TaskReminded:
		id = e.TaskID
	case TaskEscalated:
		id = e.TaskID
	case TaskCompleted:
		id = e.TaskID
	}
	tasks := append([]Task(nil), c.Tasks...) // copy on write, like the SLA
	for i := range tasks {
		t := &tasks[i]
		if t.ID != id {
			continue
		}
		switch e := e.(type) {
		case TaskReminded:
			t.Reminded = true
		case TaskEscalated:
			t.Escalated = true
		case TaskCompleted:
			t.Status, t.Outcome, t.Comment, t.Output = TaskStatusCompleted, e.Outcome, e.Comment, e.Output
			t.DecidedBy, t.OnBehalfOf, t.CompletedAt = e.DecidedBy, e.OnBehalfOf, m.OccurredAt
		}
	}
	c.Tasks = tasks
}

// Task returns the case's task with the given ID.
func (c Case) Task(id string) (Task, bool) {
	for _, t := range c.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return Task{}, false
}

// CompleteRequest is a user's completion of a task.
type CompleteRequest struct {
	Outcome string `json:"outcome"`
	Comment string `json:"comment,omitempty"`
	Output  string `json:"output,omitempty"`
}

// CompleteTask decides whether actor may complete task id with req.
func (c Case) CompleteTask(actor Actor, id string, req CompleteRequest) (TaskCompleted, error) {
	var onBehalfOf string
	t, ok := c.Task(id)
	if !ok {
		return TaskCompleted{}, &StepError{Code: CodeConflict, Message: "oppgaven finnes ikke", English: "no such task"}
	}
	if utf8Len(req.Comment) > MaxComment {
		return TaskCompleted{}, invalid("comment", "kommentaren er for lang", "the comment is too long")
	}
	if utf8Len(req.Output) > MaxComment {
		return TaskCompleted{}, invalid("output", "output er for lang", "output is too long")
	}
	switch t.Kind {
	case TaskApproval:
		if req.Outcome != OutcomeApproved && req.Outcome != OutcomeRejected {
			return TaskCompleted{}, invalid("outcome", "utfall må være approved eller rejected", "outcome must be approved or rejected")
		}
		if actor.Username == c.Reporter && !t.Attestation {
			return TaskCompleted{}, forbidden("ingen kan godkjenne sin egen sak", "nobody may approve their own case")
		}
		if t.Approver == "" {
			// A group decides (e.g. the IT review): any caseworker of it.
			if !actor.Has(RoleCaseworker) || !contains(actor.Groups, t.Group) {
				return TaskCompleted{}, forbidden("bare saksbehandlere i gruppen "+t.Group+" kan avgjøre", "only caseworkers of group "+t.Group+" may decide")
			}
			break
		}
		deciders := []string{t.Approver}
		if t.Escalated {
			deciders = append(deciders, t.Fallback)
		}
		if !contains(deciders, actor.Username) {
			// A deputy decides on behalf of an approver who delegated to
			// them for today; the record says so.
			for _, d := range deciders {
				if contains(actor.Deputising, d) && d != c.Reporter {
					onBehalfOf = d
					break
				}
			}
			if onBehalfOf == "" {
				return TaskCompleted{}, forbidden("bare den som skal godkjenne (eller en stedfortreder) kan avgjøre", "only the designated approver (or a deputy) may decide")
			}
		}
	case TaskFulfilment:
		if req.Outcome != OutcomeDone && req.Outcome != OutcomeFailed {
			return TaskCompleted{}, invalid("outcome", "utfall må være done eller failed", "outcome must be done or failed")
		}
		if !actor.Has(RoleCaseworker) || (t.Group != "" && !contains(actor.Groups, t.Group)) {
			return TaskCompleted{}, forbidden("bare saksbehandlere i gruppen "+t.Group+" kan utføre oppgaven", "only caseworkers of group "+t.Group+" may complete the task")
		}
	}
	if t.Status != TaskStatusOpen {
		return TaskCompleted{}, conflict("oppgaven er allerede fullført", "the task is already completed")
	}
	return TaskCompleted{TaskID: id, Outcome: req.Outcome, Comment: strings.TrimSpace(req.Comment), Output: strings.TrimSpace(req.Output),
		DecidedBy: actor.Username, OnBehalfOf: onBehalfOf}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// LatestTask is the case's latest task of type typ or of typ handed out
// again (typ-again): a new-user case's account, say, however often it
// was tried.
func (c Case) LatestTask(typ string) (Task, bool) {
	var last Task
	found := false
	for _, t := range c.Tasks {
		if t.Type == typ || t.Type == typ+"-again" {
			last, found = t, true
		}
	}
	return last, found
}

// HandedOutAgain reports whether task t, failed, was handed out again: a
// task of type t.Type-again opened since.
func (c Case) HandedOutAgain(t Task) bool {
	for _, u := range c.Tasks {
		if u.Type == t.Type+"-again" && u.CreatedAt.Compare(t.CreatedAt) >= 0 && u.ID != t.ID {
			return true
		}
	}
	return false
}

// OpenTaskTitles are the titles of the case's open tasks, in order: what
// an onboarding reports missing.
func (c Case) OpenTaskTitles() []string {
	var out []string
	for _, t := range c.Tasks {
		if t.Status == TaskStatusOpen {
			out = append(out, t.Title)
		}
	}
	return out
}
