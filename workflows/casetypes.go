package workflows

import (
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Every kind of case runs as a workflow type of its own, so Temporal's
// tools (the CLI, the Web UI) name what a workflow is. The kinds share
// the case machinery of case.go (steps, SLA clocks, timers, the record)
// by composition: each type's file holds its input, its workflow function
// and its own process, and hands the shared part to runCase.
//
// Registered names never follow a Go rename: running histories refer to
// them. Workflow IDs stay case-<uuid> for every kind, because the stream
// is case-<uuid>, activities derive event IDs from the workflow ID, and a
// departure or an outage signals a case by its ID without knowing its
// kind.
const (
	IncidentWorkflowName  = "IncidentWorkflow"
	GuidanceWorkflowName  = "GuidanceWorkflow"
	OrderWorkflowName     = "OrderWorkflow"
	NewUserWorkflowName   = "NewUserWorkflow"
	ESAAccessWorkflowName = "ESAAccessWorkflow"
	DepartureWorkflowName = "DepartureWorkflow"
)

// CaseStart begins the input of every case workflow type: which case, who
// asked, and the configuration it runs under.
type CaseStart struct {
	CaseID string         `json:"caseId"`
	Actor  helpdesk.Actor `json:"actor"`
	// RequestHash identifies the request body, so an Idempotency-Key
	// reused with another body is told apart from a retry.
	RequestHash   string     `json:"requestHash,omitempty"`
	CorrelationID string     `json:"correlationId,omitempty"`
	Policy        CasePolicy `json:"policy"`
	// Continued marks a run that continues an earlier one: the case is
	// rebuilt from its stream instead of opened.
	Continued bool `json:"continued,omitempty"`
}

// LogFields names the case in the workflow's log lines (worker's logging
// interceptor); the reference is allocated by the run, so it is not known
// yet.
func (s CaseStart) LogFields() (correlationID, caseRef string) { return s.CorrelationID, "" }

func (s CaseStart) caseInput() CaseInput {
	return CaseInput{CaseID: s.CaseID, Actor: s.Actor, RequestHash: s.RequestHash, CorrelationID: s.CorrelationID,
		Policy: s.Policy, Continued: s.Continued}
}

func caseStartOf(in CaseInput) CaseStart {
	return CaseStart{CaseID: in.CaseID, Actor: in.Actor, RequestHash: in.RequestHash, CorrelationID: in.CorrelationID,
		Policy: in.Policy, Continued: in.Continued}
}

// Kind is the kind of case in starts.
func (in CaseInput) Kind() helpdesk.Kind {
	switch {
	case in.Order != nil:
		return helpdesk.KindOrder
	case in.ESA != nil:
		return helpdesk.KindESAAccess
	case in.Departure != nil:
		return helpdesk.KindDeparture
	case in.NewUser != nil:
		return helpdesk.KindNewUser
	case in.Request.Kind == helpdesk.KindGuidance:
		return helpdesk.KindGuidance
	}
	return helpdesk.KindIncident
}

// Start is the workflow type that runs a new case of in's kind and its
// input: how the desk starts a case, a run continues as new and a
// new-user case starts its ESA case. (CaseInput is what every door fills
// in; CaseWorkflow, which took it whole, only runs histories that were
// started before the types were split.)
func (in CaseInput) Start() (workflowType string, input any) {
	s := caseStartOf(in)
	switch in.Kind() {
	case helpdesk.KindOrder:
		return OrderWorkflowName, OrderWorkflowInput{CaseStart: s, Order: *in.Order}
	case helpdesk.KindESAAccess:
		return ESAAccessWorkflowName, ESAAccessWorkflowInput{CaseStart: s, ESA: *in.ESA, Revoke: in.Revoke}
	case helpdesk.KindDeparture:
		return DepartureWorkflowName, DepartureWorkflowInput{CaseStart: s, Departure: *in.Departure}
	case helpdesk.KindNewUser:
		return NewUserWorkflowName, NewUserWorkflowInput{CaseStart: s, NewUser: *in.NewUser}
	case helpdesk.KindGuidance:
		return GuidanceWorkflowName, GuidanceWorkflowInput(incidentInputOf(in, s))
	}
	return IncidentWorkflowName, incidentInputOf(in, s)
}

// CaseWorkflowTypes are the registered names of the case workflow types,
// the old CaseWorkflow first (it runs histories started before the split).
var CaseWorkflowTypes = []string{CaseWorkflowName, IncidentWorkflowName, GuidanceWorkflowName, OrderWorkflowName,
	NewUserWorkflowName, ESAAccessWorkflowName, DepartureWorkflowName}
