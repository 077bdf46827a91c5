package helpdesk

import (
	"regexp"
	"slices"
	"strings"
)

// Steps' API names (API.md section 4): the last path element of
// POST /cases/{ref}/<step>, and the workflow's update names.
const (
	StepClaim        = "claim"
	StepAssign       = "assign"
	StepComment      = "comment"
	StepRequestInfo  = "request-info"
	StepReply        = "reply"
	StepResolve      = "resolve"
	StepConfirm      = "confirm"
	StepReopen       = "reopen"
	StepCancel       = "cancel"
	StepLink         = "link"
	StepCompleteTask = "complete-task"
	// StepResolveOutage is POST /announcements/{id}/resolve.
	StepResolveOutage = "resolve-outage"
)

// StepText is the text a person sends with a step, field by field, as
// every door reads it (a JSON body, a web form, a mail).
type StepText struct {
	Assignee     string
	Group        string
	Body         string
	Question     string
	Resolution   string
	Reason       string
	Announcement string
	// Comment is an outage's resolution comment.
	Comment string
}

// Normalize cleans the fields step takes (text.go) and checks them
// against the domain's limits. A door calls it where it builds the
// request, so an over-long or malformed field is refused before anything
// travels to Temporal; the workflow's validators check the same again.
func (t *StepText) Normalize(step string) error {
	switch step {
	case StepAssign:
		if err := line("assignee", &t.Assignee, MaxUsername, false); err != nil {
			return err
		}
		if err := line("group", &t.Group, MaxIdentifier, false); err != nil {
			return err
		}
		if t.Assignee == "" && t.Group == "" {
			return invalid("assignee", "oppgi assignee eller group", "give assignee or group")
		}
	case StepComment, StepReply:
		return text("body", &t.Body, MaxComment, true)
	case StepRequestInfo:
		return text("question", &t.Question, MaxComment, true)
	case StepResolve:
		return text("resolution", &t.Resolution, MaxResolution, true)
	case StepReopen, StepCancel:
		return text("reason", &t.Reason, MaxReason, true)
	case StepLink:
		return line("announcement", &t.Announcement, MaxIdentifier, true)
	case StepResolveOutage:
		return text("comment", &t.Comment, MaxResolution, false)
	}
	return nil
}

// MaxOutput bounds a task's output (a username, a note), in characters.
const MaxOutput = 200

// Normalize cleans a task completion's text: the comment is multi-line,
// the output one line (it may become a username, and is shown in lists).
func (r *CompleteRequest) Normalize() error {
	if err := line("outcome", &r.Outcome, MaxIdentifier, true); err != nil {
		return err
	}
	if err := text("comment", &r.Comment, MaxComment, false); err != nil {
		return err
	}
	return line("output", &r.Output, MaxOutput, false)
}

// OutputRule is what a task takes as its output.
type OutputRule string

// Output rules, by task type (Task.OutputRule).
const (
	// OutputNone: approvals take no output; a decision's words go in the
	// comment.
	OutputNone OutputRule = "none"
	// OutputNote: a fulfilment task may record a one-line note (a serial
	// number, "role set in ESA").
	OutputNote OutputRule = "note"
	// OutputUsername: "create the account" records the new account's
	// username. When done it is required, well-formed (UsernamePattern),
	// not reserved, and free: nobody in the directory and no account the
	// help desk created has it (the workflow asks the record and the
	// directory in an activity, which also reserves it).
	OutputUsername OutputRule = "username"
)

// TaskTypeCreateAccount is the new-user task whose output is the new
// account's username; a retry of it is "create-account-again".
const TaskTypeCreateAccount = "create-account"

// OutputRule is what the task's output must be.
func (t Task) OutputRule() OutputRule {
	switch {
	case t.Type == TaskTypeCreateAccount || t.Type == TaskTypeCreateAccount+"-again":
		return OutputUsername
	case t.Kind == TaskFulfilment:
		return OutputNote
	}
	return OutputNone
}

// UsernamePattern is a well-formed username: lowercase ASCII letters and
// digits, single dots, hyphens or underscores between them, starting with
// a letter. It is also the local part of the user's mail address.
var UsernamePattern = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$`)

// Username length, in characters.
const (
	MinUsername = 2
)

// reservedUsernames would make a new account the help desk itself (its
// system actor and mailbox, brukerhjelp@…) or a mail system's role.
var reservedUsernames = []string{"brukerhjelp", "postmaster", "abuse", "hostmaster", "webmaster", "mailer-daemon",
	"noreply", "no-reply", "root", "admin", "administrator", "system", "support"}

// CheckUsername decides whether name is a well-formed username a new
// account may take; whether it is free is for the directory and the record.
func CheckUsername(field, name string) error {
	if name == "" {
		return invalid(field, field+" mangler: oppgi brukernavnet til den nye kontoen", field+" is required: give the new account's username")
	}
	if len(name) < MinUsername || len(name) > MaxUsername || !UsernamePattern.MatchString(name) {
		return invalid(field, field+" må være et brukernavn: små bokstaver a–z og sifre, med . - eller _ mellom, 2–64 tegn, som begynner med en bokstav",
			field+" must be a username: lowercase letters a–z and digits, with . - or _ between them, 2–64 characters, starting with a letter")
	}
	if slices.Contains(reservedUsernames, name) || strings.HasPrefix(name, "brukerhjelp") {
		return invalid(field, "brukernavnet "+name+" er reservert", "the username "+name+" is reserved")
	}
	return nil
}

// UsernameTaken is the refusal of a username someone already has.
func UsernameTaken(name string) error {
	return invalid("output", "brukernavnet "+name+" er allerede i bruk; velg et annet", "the username "+name+" is already taken; choose another")
}

// CheckOutput decides whether req's output fits the task's rule. It needs
// only the request and the task, so the workflow checks it in its
// validator and a door may check it early.
func (t Task) CheckOutput(req CompleteRequest) error {
	switch t.OutputRule() {
	case OutputNone:
		if req.Output != "" {
			return invalid("output", "denne oppgaven tar ikke output; skriv i comment", "this task takes no output; use comment")
		}
	case OutputUsername:
		if req.Outcome == OutcomeDone {
			return CheckUsername("output", req.Output)
		}
	}
	return nil
}

// CheckTaskInput is CheckOutput for the case's task id (nil when there is
// no such task: CompleteTask refuses that).
func (c Case) CheckTaskInput(id string, req CompleteRequest) error {
	t, ok := c.Task(id)
	if !ok {
		return nil
	}
	return t.CheckOutput(req)
}
