package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// NotificationFilter narrows the actor's notifications.
type NotificationFilter struct {
	UnreadOnly bool
	Limit      int // 0: the default
	Cursor     string
}

// ListNotifications is a page of the actor's own in-app notifications,
// newest first.
func (d *Desk) ListNotifications(ctx context.Context, actor helpdesk.Actor, f NotificationFilter) (readmodel.NotificationPage, error) {
	if err := Authorize(actor, ActionNotifications); err != nil {
		return readmodel.NotificationPage{}, err
	}
	if d.notes == nil {
		return readmodel.NotificationPage{}, errNoNotifications
	}
	n, err := pageSize(f.Limit)
	if err != nil {
		return readmodel.NotificationPage{}, err
	}
	page, err := d.notes.ListNotifications(ctx, readmodel.NotificationFilter{Recipient: actor.Username, UnreadOnly: f.UnreadOnly,
		Limit: n, Cursor: f.Cursor})
	return page, cursorError(err)
}
