package desk

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// NewAnnouncement is operations' notice of maintenance or an outage.
type NewAnnouncement struct {
	Request helpdesk.AnnouncementRequest
	// IdempotencyKey and Fingerprint work as for NewCase.
	IdempotencyKey string
	Fingerprint    string
}

// announcementNamespace derives announcement IDs from idempotency keys
// (apart from case IDs).
var announcementNamespace = uuid.MustParse("5c1f0a3e-9b2d-5e47-8a61-3d2c4b5a6f70")

// Announce publishes an announcement and starts its workflow: a
// maintenance notice reminds everyone a service day before and is active
// in its window; an outage lasts until it is resolved
// (docs/ANNOUNCEMENTS.md).
func (d *Desk) Announce(ctx context.Context, actor helpdesk.Actor, n NewAnnouncement) (helpdesk.Announcement, error) {
	if err := Authorize(actor, ActionCreateAnnouncement); err != nil {
		return helpdesk.Announcement{}, err
	}
	req := n.Request
	startsAt, endsAt, err := req.Normalize()
	if err != nil {
		return helpdesk.Announcement{}, fromDomain(err)
	}
	if endsAt != nil && !endsAt.After(d.now()) {
		return helpdesk.Announcement{}, invalid("endsAt", "endsAt er passert", "endsAt has passed")
	}
	id, hash, err := creation(announcementNamespace, actor, n.IdempotencyKey, n.Fingerprint, n.Request)
	if err != nil {
		return helpdesk.Announcement{}, err
	}
	in := workflows.AnnouncementInput{AnnouncementID: id.String(), Request: req, StartsAt: startsAt, EndsAt: endsAt, Actor: actor,
		RequestHash: hash, CorrelationID: correlationID(ctx), Calendar: d.policy.Calendar}
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	view, err := d.wf.StartAnnouncement(ctx, in)
	if errors.Is(err, ErrAlreadyStarted) {
		// The same key was used for an announcement that has ended.
		if a, lerr := d.loadAnnouncement(ctx, in.AnnouncementID); lerr == nil {
			return a.VisibleTo(actor), nil
		}
	}
	if err != nil {
		return helpdesk.Announcement{}, engineError(err)
	}
	if view.RequestHash != hash {
		return helpdesk.Announcement{}, errIdempotency
	}
	return view.Announcement.VisibleTo(actor), nil
}
