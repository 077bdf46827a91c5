package desk

import (
	"context"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// VerifyCase recomputes the case's hash chain: ok, or the first revision
// that does not match. The read is recorded.
func (d *Desk) VerifyCase(ctx context.Context, actor helpdesk.Actor, ref string) (eventstore.VerifyResult, error) {
	if err := Authorize(actor, ActionVerifyCase); err != nil {
		return eventstore.VerifyResult{}, err
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return eventstore.VerifyResult{}, err
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadVerifyCase, caseID: c.ID, ref: ref}); err != nil {
		return eventstore.VerifyResult{}, err
	}
	res, err := d.record.Verify(ctx, helpdesk.Stream(c.ID))
	if err != nil {
		return res, fmt.Errorf("desk: verify %s: %w", c.ID, err)
	}
	return res, nil
}
