package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// TestOperatorFindsCasesInTemporal runs the real binary and asks its
// embedded Temporal server, as the official CLI and the Web UI do
// (ListWorkflowExecutions with a visibility query), for a case by its
// reference and for every active ESA access: each kind runs as a
// workflow type of its own, and the search attributes follow the case.
func TestOperatorFindsCasesInTemporal(t *testing.T) {
	p := ports{http: freePort(t), temporal: freePort(t)}
	s := startDev(t, t.TempDir(), p)

	var incident caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "ola", map[string]any{"kind": "incident", "title": "Skriveren virker ikke",
		"description": "Skriveren i 3. etasje skriver ikke ut."}).decode(t, &incident)
	s.expect(t, 200, "POST", "/api/v1/cases/"+incident.Reference+"/claim", "per", nil)

	esa := map[string]any{"kind": "esa-access", "employee": "ola", "role": "Saksbehandler", "units": []string{"opplaering"},
		"accessCodes": []string{"A"}, "justification": "Skal behandle elevsaker"}
	var active, waiting accessCaseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", esa).decode(t, &active)
	s.expect(t, 200, "POST", "/api/v1/tasks/"+active.ID+".t1/complete", "arne", map[string]string{"outcome": "approved"})
	s.expect(t, 200, "POST", "/api/v1/tasks/"+active.ID+".t2/complete", "arne", map[string]string{"outcome": "done"}).decode(t, &active)
	if active.Status != "active" {
		t.Fatalf("granted access = %+v", active)
	}
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", esa).decode(t, &waiting)

	c, err := client.Dial(client.Options{HostPort: s.temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type found struct{ id, typ string }
	list := func(query string) []found {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %s: %v", query, err)
		}
		var out []found
		for _, e := range resp.GetExecutions() {
			out = append(out, found{e.GetExecution().GetWorkflowId(), e.GetType().GetName()})
		}
		return out
	}
	// Visibility follows a moment behind the workflows.
	expect := func(query string, want ...found) {
		t.Helper()
		var got []found
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if got = list(query); slices.Equal(got, want) {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("%s finds %v, want %v", query, got, want)
	}
	expect(`CaseReference="`+incident.Reference+`"`, found{"case-" + incident.ID, "IncidentWorkflow"})
	expect(`CaseKind="esa-access" AND CaseStatus="active"`, found{"case-" + active.ID, "ESAAccessWorkflow"})
	expect(`CaseKind="esa-access" AND CaseStatus="awaiting-approval"`, found{"case-" + waiting.ID, "ESAAccessWorkflow"})
	expect(`CaseAssignee="per" AND CaseGroup="brukerhjelp"`, found{"case-" + incident.ID, "IncidentWorkflow"})
	expect(`WorkflowType="ESAAccessWorkflow" AND CaseReference="`+active.Reference+`"`, found{"case-" + active.ID, "ESAAccessWorkflow"})
}
