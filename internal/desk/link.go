package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Link ties the case to an active outage (docs/ANNOUNCEMENTS.md):
// resolving the outage resolves the case and tells its reporter.
func (d *Desk) Link(ctx context.Context, actor helpdesk.Actor, ref, announcement string) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionLink); err != nil {
		return helpdesk.Case{}, err
	}
	link, err := d.activeOutage(ctx, announcement)
	if err != nil {
		return helpdesk.Case{}, err
	}
	return d.step(ctx, actor, ActionLink, ref, workflows.UpdateLink, workflows.StepInput{Announcement: &link})
}
