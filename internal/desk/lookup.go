package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
)

// Finding things on the record: a case or an announcement is folded from
// its stream, so what a command checks is never stale (an append happens
// before the workflow moves on).

// caseID turns a UUID or a BH-reference into a case ID (internal/audit,
// shared with the offline audit tools); NotFound when it names none.
func (d *Desk) caseID(ctx context.Context, ref string) (string, error) {
	id, err := audit.ResolveRef(ctx, d.record, ref)
	if errors.Is(err, audit.ErrNoCase) {
		return "", errNoCase
	}
	if err != nil {
		return "", fmt.Errorf("desk: resolve %q: %w", ref, err)
	}
	return id, nil
}

// loadCase folds a case from its stream; NotFound when there is none.
func (d *Desk) loadCase(ctx context.Context, id string) (helpdesk.Case, error) {
	evs, err := d.record.ReadStream(ctx, helpdesk.Stream(id), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Case{}, errNoCase
	}
	if err != nil {
		return helpdesk.Case{}, fmt.Errorf("desk: read case %s: %w", id, err)
	}
	c, err := audit.Fold(evs)
	if errors.Is(err, audit.ErrNoCase) {
		return c, errNoCase
	}
	return c, err
}

// visibleCase finds the case ref names as the actor may see it; a case
// they may not see is NotFound, as if it did not exist.
func (d *Desk) visibleCase(ctx context.Context, actor helpdesk.Actor, ref string) (helpdesk.Case, error) {
	id, err := d.caseID(ctx, ref)
	if err != nil {
		return helpdesk.Case{}, err
	}
	c, err := d.loadCase(ctx, id)
	if err != nil {
		return helpdesk.Case{}, err
	}
	if !actor.CanSee(c) {
		return helpdesk.Case{}, errNoCase
	}
	// Every line logged about this request names the case.
	logctx.SetCaseRef(ctx, c.Reference)
	return c, nil
}

// loadAnnouncement folds an announcement, named by its UUID or its
// reference (DRIFT-…), from its stream; NotFound when there is none.
func (d *Desk) loadAnnouncement(ctx context.Context, idOrRef string) (helpdesk.Announcement, error) {
	id, err := d.announcementID(ctx, idOrRef)
	if err != nil {
		return helpdesk.Announcement{}, err
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return helpdesk.Announcement{}, errNoAnnouncement
	}
	evs, err := d.record.ReadStream(ctx, helpdesk.AnnouncementStream(u.String()), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return helpdesk.Announcement{}, errNoAnnouncement
	}
	if err != nil {
		return helpdesk.Announcement{}, fmt.Errorf("desk: read announcement %s: %w", idOrRef, err)
	}
	a := helpdesk.NewAnnouncement()
	for _, e := range evs {
		ev, err := helpdesk.DecodeAnnouncementEvent(e.Type, e.Data)
		if err != nil {
			return a, err
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return a, err
		}
		a.Apply(ev, m, int64(e.Revision))
	}
	if a.ID == "" {
		return a, errNoAnnouncement
	}
	return a, nil
}

// referenceWait bounds how long a DRIFT-reference the read model does not
// know yet is looked for again: an announcement published a moment ago
// may not be projected yet.
const referenceWait = 2 * time.Second

// announcementID turns a UUID or a DRIFT-reference into an announcement
// id. The reference is derived from the id, so it is looked up in the
// read model (which keeps both), waiting briefly for an announcement that
// is on the record but not projected yet. NotFound when it names none,
// Invalid when it names more than one (its eight hex digits collide).
func (d *Desk) announcementID(ctx context.Context, idOrRef string) (string, error) {
	if _, err := uuid.Parse(idOrRef); err == nil {
		return idOrRef, nil
	}
	ref, ok := helpdesk.ParseAnnouncementReference(idOrRef)
	if !ok || d.ann == nil {
		return "", errNoAnnouncement
	}
	deadline := time.Now().Add(referenceWait) // real time: the projector runs on it
	for {
		ids, err := d.ann.AnnouncementIDs(ctx, ref)
		if err != nil {
			return "", fmt.Errorf("desk: announcement %s: %w", ref, err)
		}
		switch {
		case len(ids) == 1:
			return ids[0], nil
		case len(ids) > 1:
			return "", invalid("announcement", ref+" viser til flere driftsmeldinger; bruk id-en",
				ref+" names more than one announcement; use its id")
		case !time.Now().Before(deadline):
			return "", errNoAnnouncement
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// activeOutage looks up the outage a case is to be linked to: it must
// exist, be an outage and be in effect now; otherwise Invalid naming the
// announcement field.
func (d *Desk) activeOutage(ctx context.Context, id string) (helpdesk.AnnouncementLink, error) {
	if id == "" {
		return helpdesk.AnnouncementLink{}, invalid("announcement", "announcement mangler", "announcement is required")
	}
	a, err := d.loadAnnouncement(ctx, id)
	if IsKind(err, NotFound) {
		return helpdesk.AnnouncementLink{}, invalid("announcement", "ukjent driftsmelding", "unknown announcement")
	}
	if err != nil {
		return helpdesk.AnnouncementLink{}, err
	}
	if a.Kind != helpdesk.AnnouncementOutage || !a.ActiveAt(d.now()) {
		return helpdesk.AnnouncementLink{}, invalid("announcement",
			"saker kan bare knyttes til et aktivt driftsavbrudd", "cases can only be linked to an active outage")
	}
	return helpdesk.AnnouncementLink{ID: a.ID, Reference: a.Reference, Title: a.Title}, nil
}
