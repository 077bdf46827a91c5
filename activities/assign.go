package activities

import (
	"context"
	"fmt"
	"slices"
)

// PickAssignee returns the caseworker of group holding the fewest
// unfinished cases (ties go to the first by username, so the choice is
// repeatable), or "" when the group has nobody or balancing is not set up.
func (a *Activities) PickAssignee(ctx context.Context, group string) (string, error) {
	if a.workload == nil || a.roster == nil {
		return "", nil
	}
	members := slices.Sorted(slices.Values(a.roster.Caseworkers(group)))
	if len(members) == 0 {
		return "", nil
	}
	loads, err := a.workload.OpenCaseLoad(ctx, members)
	if err != nil {
		return "", fmt.Errorf("workload of %s: %w", group, err)
	}
	best := members[0]
	for _, m := range members[1:] {
		if loads[m] < loads[best] {
			best = m
		}
	}
	return best, nil
}
