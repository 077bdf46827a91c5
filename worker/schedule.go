package worker

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// RetentionCron is when retention runs: every night at 02:30 in Oslo,
// when the help desk is closed.
const RetentionCron = "30 2 * * *"

// EnsureRetentionSchedule makes the Temporal schedule that runs the
// retention workflow every night with policy, or brings an existing one
// up to date (the policy is configuration and may have changed). A run
// still going when the next is due is not overlapped.
func EnsureRetentionSchedule(ctx context.Context, c client.Client, policy helpdesk.RetentionPolicy) error {
	if err := policy.Validate(); err != nil {
		return fmt.Errorf("retention policy: %w", err)
	}
	spec := client.ScheduleSpec{CronExpressions: []string{RetentionCron}, TimeZoneName: helpdesk.Oslo.String()}
	action := &client.ScheduleWorkflowAction{
		ID:        workflows.RetentionScheduleID,
		Workflow:  workflows.RetentionWorkflowName,
		TaskQueue: workflows.TaskQueue,
		Args:      []any{workflows.RetentionInput{Policy: policy}},
	}
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{ID: workflows.RetentionScheduleID, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("create the retention schedule: %w", err)
		}
		return nil
	}
	err = sc.GetHandle(ctx, workflows.RetentionScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			if s.Policy != nil {
				s.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
			}
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update the retention schedule: %w", err)
	}
	return nil
}
