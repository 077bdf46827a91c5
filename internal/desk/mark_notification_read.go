package desk

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// MarkNotificationRead marks one of the actor's own notifications read and
// returns it. Someone else's is NotFound, exactly as one that does not
// exist; marking it again changes nothing.
func (d *Desk) MarkNotificationRead(ctx context.Context, actor helpdesk.Actor, id string) (readmodel.Notification, error) {
	if err := Authorize(actor, ActionReadNotification); err != nil {
		return readmodel.Notification{}, err
	}
	if d.notes == nil {
		return readmodel.Notification{}, errNoNotifications
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return readmodel.Notification{}, invalid("id", "id må være en varsel-ID (UUID)", "id must be a notification id (a UUID)")
	}
	n, err := d.notes.MarkNotificationRead(ctx, actor.Username, u.String(), d.now().UTC())
	if errors.Is(err, readmodel.ErrNoNotification) {
		return n, notFound("varselet finnes ikke", "no such notification")
	}
	return n, err
}

var errNoNotifications = refuse(Unavailable, "", "varsler er ikke tilgjengelige: lesemodellen er ikke koblet til",
	"notifications are unavailable: no read model is configured")
