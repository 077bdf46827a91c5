package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// AnnouncementFilter narrows the list of announcements; Active nil lists
// every one.
type AnnouncementFilter struct {
	Active *bool
	Limit  int // 0: the default
}

// ListAnnouncements lists announcements, those in effect now first when
// asked for active ones.
func (d *Desk) ListAnnouncements(ctx context.Context, actor helpdesk.Actor, f AnnouncementFilter) ([]helpdesk.Announcement, error) {
	if err := Authorize(actor, ActionListAnnouncements); err != nil {
		return nil, err
	}
	n, err := pageSize(f.Limit)
	if err != nil {
		return nil, err
	}
	if d.ann == nil {
		return nil, errNoLists
	}
	items, err := d.ann.ListAnnouncements(ctx, readmodel.AnnouncementFilter{At: d.now(), Active: f.Active, Limit: n})
	if err != nil {
		return nil, err
	}
	for i, a := range items {
		items[i] = a.VisibleTo(actor)
	}
	return items, nil
}
