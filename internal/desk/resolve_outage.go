package desk

import (
	"context"
	"errors"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// ResolveOutage ends an outage: its workflow resolves every linked open
// case and tells their reporters.
func (d *Desk) ResolveOutage(ctx context.Context, actor helpdesk.Actor, id, comment string) (helpdesk.Announcement, error) {
	if err := Authorize(actor, ActionResolveAnnouncement); err != nil {
		return helpdesk.Announcement{}, err
	}
	a, err := d.loadAnnouncement(ctx, id)
	if err != nil {
		return helpdesk.Announcement{}, err
	}
	// The record decides what it can (already resolved, not an outage)
	// before the workflow is asked; the workflow decides again.
	if _, err := a.Resolve(actor, comment); err != nil {
		return helpdesk.Announcement{}, fromDomain(err)
	}
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	view, err := d.wf.UpdateAnnouncement(ctx, a.ID, workflows.UpdateResolveOutage,
		workflows.AnnouncementStepInput{Actor: actor, Comment: comment, CorrelationID: correlationID(ctx)})
	if errors.Is(err, ErrNotRunning) {
		return helpdesk.Announcement{}, refuse(Conflict, "", "driftsavbruddet er allerede avsluttet", "the outage is already resolved")
	}
	if err != nil {
		return helpdesk.Announcement{}, engineError(err)
	}
	return view.Announcement.VisibleTo(actor), nil
}
