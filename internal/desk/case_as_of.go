package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// CaseAsOf is the case as it was at asOf (zero: now), folded from its
// events by the same code as everywhere else, as the actor may see it.
// The read is recorded.
func (d *Desk) CaseAsOf(ctx context.Context, actor helpdesk.Actor, ref string, asOf time.Time) (helpdesk.Case, time.Time, error) {
	if err := Authorize(actor, ActionCaseState); err != nil {
		return helpdesk.Case{}, asOf, err
	}
	asked := ""
	if asOf.IsZero() {
		asOf = d.now()
	} else {
		asked = asOf.Format(time.RFC3339Nano)
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return helpdesk.Case{}, asOf, err
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadState, caseID: c.ID, ref: ref, query: [][2]string{{"asOf", asked}}}); err != nil {
		return helpdesk.Case{}, asOf, err
	}
	then, _, err := audit.CaseAsOf(ctx, d.record, c.ID, asOf)
	if errors.Is(err, audit.ErrNoCase) {
		return helpdesk.Case{}, asOf, refuse(NotFound, "asOf", "saken fantes ikke ennå på det tidspunktet", "the case did not exist yet at that time")
	}
	if err != nil {
		return helpdesk.Case{}, asOf, fmt.Errorf("desk: fold %s as of %s: %w", c.ID, asOf, err)
	}
	return then.VisibleTo(actor), asOf, nil
}
