package desk

import (
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Step names a step of a case by its API name (API.md section 4).
type Step string

// The steps of a case.
const (
	StepClaim       Step = "claim"
	StepAssign      Step = "assign"
	StepComment     Step = "comment"
	StepRequestInfo Step = "request-info"
	StepReply       Step = "reply"
	StepResolve     Step = "resolve"
	StepConfirm     Step = "confirm"
	StepReopen      Step = "reopen"
	StepCancel      Step = "cancel"
	StepLink        Step = "link"
)

// probeText stands in for what a person would write, so a step can be
// asked whether it would be taken without writing anything.
const probeText = "?"

// stepChecks ask the policy and the domain whether actor may take a step
// on c now, without taking it.
var stepChecks = []struct {
	step  Step
	act   Action
	check func(c helpdesk.Case, a helpdesk.Actor) error
}{
	{StepClaim, ActionClaim, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.Claim(a); return err }},
	{StepAssign, ActionAssign, func(c helpdesk.Case, a helpdesk.Actor) error {
		// Any other group than the case's own is a hand-over.
		_, err := c.Assign(a, "", "\x00another group")
		return err
	}},
	{StepComment, ActionComment, func(c helpdesk.Case, a helpdesk.Actor) error {
		_, err := c.Comment(a, "", probeText, false)
		return err
	}},
	{StepRequestInfo, ActionRequest, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.RequestInfo(a, probeText); return err }},
	{StepReply, ActionReply, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.Reply(a, probeText); return err }},
	{StepResolve, ActionResolve, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.Resolve(a, probeText); return err }},
	{StepConfirm, ActionConfirm, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.Confirm(a); return err }},
	{StepReopen, ActionReopen, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.Reopen(a, probeText); return err }},
	{StepCancel, ActionCancel, func(c helpdesk.Case, a helpdesk.Actor) error { _, err := c.Cancel(a, probeText); return err }},
	{StepLink, ActionLink, func(c helpdesk.Case, a helpdesk.Actor) error {
		_, err := c.Link(a, helpdesk.AnnouncementLink{ID: probeText})
		return err
	}},
}

// Steps lists the steps actor may take on c now, in the order a case page
// offers them: those the policy allows and the case's state accepts. A
// step left out would be refused; one listed may still be refused by a
// change that comes first (a colleague claiming the case).
func (d *Desk) Steps(actor helpdesk.Actor, c helpdesk.Case) []Step {
	var out []Step
	for _, sc := range stepChecks {
		if Allowed(actor, sc.act) && sc.check(c, actor) == nil {
			out = append(out, sc.step)
		}
	}
	return out
}

// OpenTasks lists the open tasks of c that actor may complete now, as the
// approver, a deputy, the fallback after escalation, or a caseworker of
// the task's group.
func (d *Desk) OpenTasks(actor helpdesk.Actor, c helpdesk.Case) []helpdesk.Task {
	if !Allowed(actor, ActionComplete) {
		return nil
	}
	var out []helpdesk.Task
	for _, t := range c.Tasks {
		outcome := helpdesk.OutcomeDone
		if t.Kind == helpdesk.TaskApproval {
			outcome = helpdesk.OutcomeApproved
		}
		if _, err := c.CompleteTask(actor, t.ID, helpdesk.CompleteRequest{Outcome: outcome}); err == nil {
			out = append(out, t)
		}
	}
	return out
}
