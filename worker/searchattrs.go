package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// CheckSearchAttributes tells whether namespace has every search attribute
// the workflows upsert (workflows.SearchAttributes), with its type. A
// workflow upserting one the namespace lacks fails its workflow task over
// and over, so a worker checks before it starts; the error names what is
// missing and the command that registers it (docs/OPERATIONS.md).
func CheckSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list the search attributes of namespace %s: %w", namespace, err)
	}
	var missing []string
	for name, typ := range workflows.SearchAttributes() {
		if got, ok := have.GetCustomAttributes()[name]; !ok || got != typ {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	var cmds []string
	for _, name := range missing {
		cmds = append(cmds, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type Keyword", namespace, name))
	}
	return fmt.Errorf("namespace %s lacks the search attributes %s (Keyword); register them first:\n  %s",
		namespace, strings.Join(missing, ", "), strings.Join(cmds, "\n  "))
}
