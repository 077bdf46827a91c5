package desk

import (
	"context"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// VerifyAll recomputes the hash chain of every stream of the record
// (auditors and the service owner). The read is recorded.
func (d *Desk) VerifyAll(ctx context.Context, actor helpdesk.Actor) (eventstore.VerifyResult, error) {
	if err := Authorize(actor, ActionVerifyAll); err != nil {
		return eventstore.VerifyResult{}, err
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadVerifyAll}); err != nil {
		return eventstore.VerifyResult{}, err
	}
	res, err := d.record.VerifyAll(ctx)
	if err != nil {
		return res, fmt.Errorf("desk: verify all: %w", err)
	}
	return res, nil
}
