package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
)

// TimelineEntry is one thing that happened to a case: the decoded event,
// who did it and when.
type TimelineEntry struct {
	Revision int64
	At       time.Time
	Actor    string
	Event    helpdesk.Event
}

// CaseTimeline is a case as the actor may see it with what happened to
// it, oldest first: what a case page shows.
type CaseTimeline struct {
	Case    helpdesk.Case
	Entries []TimelineEntry
}

// Since lists the entries after revision rev that someone other than
// username made: what a colleague did while the page was open.
func (t CaseTimeline) Since(rev int64, username string) []TimelineEntry {
	var out []TimelineEntry
	for _, e := range t.Entries {
		if e.Revision > rev && e.Actor != username {
			out = append(out, e)
		}
	}
	return out
}

// Timeline is the case ref names with its events, folded from its
// stream in one read (never stale), as the actor may see them: an
// employee never sees an internal comment, neither in the case nor among
// the entries. NotFound for a case they may not see.
//
// Unlike History (the auditor's view, with hashes) it is not put on the
// record of reads: it shows what Case shows, event by event, and is what
// every case page reads.
func (d *Desk) Timeline(ctx context.Context, actor helpdesk.Actor, ref string) (CaseTimeline, error) {
	if err := Authorize(actor, ActionReadCase); err != nil {
		return CaseTimeline{}, err
	}
	id, err := d.caseID(ctx, ref)
	if err != nil {
		return CaseTimeline{}, err
	}
	evs, err := d.record.ReadStream(ctx, helpdesk.Stream(id), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return CaseTimeline{}, errNoCase
	}
	if err != nil {
		return CaseTimeline{}, fmt.Errorf("desk: read case %s: %w", id, err)
	}
	c := helpdesk.NewCase()
	entries := make([]TimelineEntry, 0, len(evs))
	for _, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			return CaseTimeline{}, fmt.Errorf("desk: case %s: %w", id, err)
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return CaseTimeline{}, fmt.Errorf("desk: case %s revision %d: %w", id, e.Revision, err)
		}
		c.Apply(ev, m, int64(e.Revision))
		entries = append(entries, TimelineEntry{Revision: int64(e.Revision), At: m.OccurredAt, Actor: m.Actor, Event: ev})
	}
	if c.ID == "" || !actor.CanSee(c) {
		return CaseTimeline{}, errNoCase
	}
	logctx.SetCaseRef(ctx, c.Reference)
	if seesInternal := actor.Has(helpdesk.RoleCaseworker) || actor.Has(helpdesk.RoleAuditor); !seesInternal {
		kept := entries[:0]
		for _, e := range entries {
			if cm, ok := e.Event.(helpdesk.CommentAdded); ok && cm.Internal {
				continue
			}
			kept = append(kept, e)
		}
		entries = kept
	}
	return CaseTimeline{Case: c.VisibleTo(actor), Entries: entries}, nil
}
