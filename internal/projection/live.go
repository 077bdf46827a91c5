package projection

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Live receives each case and announcement change the projection applies
// live (event by event, from the subscription), once its transaction has
// committed: a page told of it reads the new state from the read model.
// Catching up in batches publishes nothing; those changes are old news.
// *live.Broker implements it. Publish must not block.
type Live interface {
	Publish(live.Change)
}

// liveChange describes ev for Options.Live, reading the case or
// announcement as the transaction has just written it. It runs inside
// the transaction; nil means nothing to tell (another stream, an unknown
// event type, or Live unset). Failing to describe a change never fails
// the projection: live updates are a courtesy, the read model is not.
func (p *Projector) liveChange(ctx context.Context, tx *readmodel.Tx, ev eventstore.RecordedEvent) *live.Change {
	if p.opts.Live == nil || !knownType(ev.Type) {
		return nil
	}
	var m helpdesk.Metadata
	if err := json.Unmarshal(ev.Metadata, &m); err != nil {
		return nil
	}
	ch := &live.Change{Revision: ev.Revision, Type: ev.Type, Actor: m.Actor, At: m.OccurredAt}
	if id, ok := strings.CutPrefix(ev.Stream, helpdesk.AnnouncementStreamPrefix); ok {
		a, found, err := tx.Announcement(ctx, id)
		if err != nil || !found {
			return nil
		}
		ch.Kind, ch.ID, ch.Reference, ch.Title, ch.Status = live.KindAnnouncement, a.ID, a.Reference, a.Title, string(a.Status)
		return ch
	}
	id, ok := strings.CutPrefix(ev.Stream, caseStreamPrefix)
	if !ok {
		return nil
	}
	c, _, found, err := tx.Case(ctx, id)
	if err != nil || !found {
		return nil
	}
	ch.Kind, ch.ID, ch.Reference, ch.Title, ch.Status, ch.Case = live.KindCase, c.ID, c.Reference, c.Title, string(c.Status), &c
	if ev.Type == (helpdesk.CommentAdded{}).EventType() {
		var comment helpdesk.CommentAdded
		// Unreadable, it is taken as internal: better untold than leaked.
		ch.Internal = json.Unmarshal(ev.Data, &comment) != nil || comment.Internal
	}
	return ch
}
