package api

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// When Temporal gives up waiting for an update (no worker, an overloaded
// server), the caller is told to try again (503), not that something broke
// (500), and the answer says nothing of Temporal's internals.
func TestAnUpdateTemporalGaveUpOnIsA503(t *testing.T) {
	for name, cause := range map[string]error{
		"update service timeout": client.NewWorkflowUpdateServiceTimeoutOrCanceledError(serviceerror.NewDeadlineExceeded("context deadline exceeded")),
		"grpc deadline":          serviceerror.NewDeadlineExceeded("context deadline exceeded"),
		"our deadline":           context.DeadlineExceeded,
	} {
		t.Run(name, func(t *testing.T) {
			mc := &mocks.Client{}
			ts := newServerWith(t, func(c *serverConfig) { c.Temporal = mc })
			mc.On("NewWithStartWorkflowOperation", mock.Anything, workflows.IncidentWorkflowName, mock.Anything).Return(nil).Once()
			mc.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(nil, cause).Once()
			resp, b := call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "application/json",
				body: `{"kind":"incident","title":"Skriveren","description":"virker ikke"}`}.do(t, ts.Server)
			if resp.StatusCode != 503 {
				t.Fatalf("status %d, want 503: %s", resp.StatusCode, b)
			}
			if strings.Contains(string(b), "deadline") {
				t.Errorf("the problem leaks the cause: %s", b)
			}
		})
	}
}
