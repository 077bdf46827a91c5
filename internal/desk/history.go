package desk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// HistoryEvent is one entry of a case's history (API.md section 6).
type HistoryEvent = audit.HistoryEvent

// History is every event of the case, oldest first, with its hash chain:
// reporters their own case's, caseworkers and auditors any; internal
// comments only for caseworkers and auditors. The read is recorded.
func (d *Desk) History(ctx context.Context, actor helpdesk.Actor, ref string) ([]HistoryEvent, error) {
	if err := Authorize(actor, ActionHistory); err != nil {
		return nil, err
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return nil, err
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadHistory, caseID: c.ID, ref: ref}); err != nil {
		return nil, err
	}
	evs, err := d.record.ReadStream(ctx, helpdesk.Stream(c.ID), 0, 0)
	if err != nil {
		return nil, fmt.Errorf("desk: read history of %s: %w", c.ID, err)
	}
	seesInternal := actor.Has(helpdesk.RoleCaseworker) || actor.Has(helpdesk.RoleAuditor)
	out := make([]HistoryEvent, 0, len(evs))
	for _, e := range evs {
		if !seesInternal && isInternal(e.Type, e.Data) {
			continue
		}
		out = append(out, audit.HistoryOf(e))
	}
	return out, nil
}

// isInternal reports whether an event is for caseworkers' eyes only.
func isInternal(eventType string, data []byte) bool {
	if eventType != (helpdesk.CommentAdded{}).EventType() {
		return false
	}
	var c helpdesk.CommentAdded
	return json.Unmarshal(data, &c) != nil || c.Internal
}
