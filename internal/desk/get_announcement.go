package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Announcement is one announcement, folded from its stream.
func (d *Desk) Announcement(ctx context.Context, actor helpdesk.Actor, id string) (helpdesk.Announcement, error) {
	if err := Authorize(actor, ActionReadAnnouncement); err != nil {
		return helpdesk.Announcement{}, err
	}
	a, err := d.loadAnnouncement(ctx, id)
	if err != nil {
		return helpdesk.Announcement{}, err
	}
	return a.VisibleTo(actor), nil
}
