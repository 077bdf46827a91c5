package desk

import (
	"context"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Case is one case, folded from its stream (never stale), as the actor may
// see it; NotFound for a case they may not see.
func (d *Desk) Case(ctx context.Context, actor helpdesk.Actor, ref string) (helpdesk.Case, error) {
	if err := Authorize(actor, ActionReadCase); err != nil {
		return helpdesk.Case{}, err
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return helpdesk.Case{}, err
	}
	return c.VisibleTo(actor), nil
}
