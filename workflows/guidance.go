package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// GuidanceWorkflowInput starts a guidance case (how-to help): it asks for
// what an incident does.
type GuidanceWorkflowInput IncidentWorkflowInput

// GuidanceWorkflow runs one guidance case: the same steps, SLA and
// timers as an incident.
func GuidanceWorkflow(ctx workflow.Context, in GuidanceWorkflowInput) (helpdesk.Case, error) {
	c := IncidentWorkflowInput(in).caseInput()
	c.Request.Kind = helpdesk.KindGuidance
	return runCase(ctx, c, GuidanceWorkflowName)
}
