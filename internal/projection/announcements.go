package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Announcement streams (announcement-<id>) are folded into the
// announcements table by the same handler, in the same transaction and
// under the same checkpoint as cases, so the two never drift apart. Their
// events are decoded with helpdesk.DecodeAnnouncementEvent: a case event
// on an announcement stream is poison, never folded into an
// announcement (and announcement events never reach a case: the case
// projection reads only case- streams).

// Audience tells who an announcement concerns; *directory.Directory
// implements it. The directory cannot tell who uses which service, so
// every announcement concerns every user (docs/ANNOUNCEMENTS.md). Looked
// up when the event is projected, like Groups.
type Audience interface {
	Usernames() []string
}

// Kinds of announcement notification.
const (
	NoteAnnouncementPublished = "announcement-published"
	NoteMaintenanceReminder   = "maintenance-reminder"
	NoteOutageResolved        = "outage-resolved"
)

// applyAnnouncement folds ev onto its announcement and writes the row
// and its notifications.
func (p *Projector) applyAnnouncement(ctx context.Context, tx *readmodel.Tx, id string, ev eventstore.RecordedEvent) error {
	a, _, err := tx.Announcement(ctx, id)
	if errors.Is(err, readmodel.ErrBadState) {
		return poison(err)
	}
	if err != nil {
		return err
	}
	rev := int64(ev.Revision)
	switch {
	case rev <= a.Revision:
		tx.Ignore()
		return nil
	case rev != a.Revision+1:
		return poison(fmt.Errorf("announcement %s: revision %d follows revision %d; an earlier event was not applied", id, rev, a.Revision))
	}
	e, err := helpdesk.DecodeAnnouncementEvent(ev.Type, ev.Data)
	if err != nil {
		return poison(err)
	}
	var m helpdesk.Metadata
	if err := json.Unmarshal(ev.Metadata, &m); err != nil {
		return poison(fmt.Errorf("metadata: %w", err))
	}
	a.Apply(e, m, rev)
	if a.ID != id {
		return poison(fmt.Errorf("stream %s holds announcement %q; an announcement stream starts with AnnouncementPublished of its own", ev.Stream, a.ID))
	}
	if err := tx.PutAnnouncement(ctx, a); err != nil {
		return err
	}
	return addNotes(ctx, tx, ev, m, a.ID, a.Reference, announcementNotes(a, e, m, p.audience))
}

// announcementNotes decides who is told what about e on announcement a:
// everyone concerned when it is published and reminded; everyone
// concerned and every reporter of a linked case when an outage is
// resolved (open linked cases also get their own case-resolved notice as
// they resolve). Nobody is told of their own step, nobody twice.
func announcementNotes(a helpdesk.Announcement, e helpdesk.Event, m helpdesk.Metadata, audience Audience) []note {
	var everyone []string
	if audience != nil {
		everyone = audience.Usernames()
	}
	var out []note
	told := map[string]bool{}
	tell := func(kind, nb, en string, to ...string) {
		for _, who := range to {
			if who == "" || who == m.Actor || told[who] {
				continue
			}
			told[who] = true
			out = append(out, note{to: who, kind: kind, nb: nb, en: en})
		}
	}
	title := clip(a.Title)
	enTitle, _ := a.English()
	titleEn := clip(enTitle)
	when := a.StartsAt.In(helpdesk.Oslo).Format("02.01.2006 15:04")
	switch e.(type) {
	case helpdesk.AnnouncementPublished:
		if a.Kind == helpdesk.AnnouncementMaintenance {
			until := a.EndsAt.In(helpdesk.Oslo).Format("02.01.2006 15:04")
			tell(NoteAnnouncementPublished, "Planlagt vedlikehold "+when+"–"+until+": "+title,
				"Planned maintenance "+when+"–"+until+": "+titleEn, everyone...)
		} else {
			tell(NoteAnnouncementPublished, "Driftsavbrudd: "+title, "Outage: "+titleEn, everyone...)
		}
	case helpdesk.AnnouncementReminded:
		tell(NoteMaintenanceReminder, "Påminnelse: planlagt vedlikehold starter "+when+": "+title,
			"Reminder: planned maintenance starts "+when+": "+titleEn, everyone...)
	case helpdesk.OutageResolved:
		reporters := make([]string, len(a.LinkedCases))
		for i, l := range a.LinkedCases {
			reporters[i] = l.Reporter
		}
		tell(NoteOutageResolved, "Driftsavbruddet er over: "+title, "The outage is over: "+titleEn, reporters...)
		tell(NoteOutageResolved, "Driftsavbruddet er over: "+title, "The outage is over: "+titleEn, everyone...)
	}
	return out
}
