package desk

import (
	"context"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/people"
)

// Actor is the signed-in user as the desk decides with them today: their
// roles and groups, and whom they stand in for as a deputy. A departure
// disables the account: the record has the last word, so a disabled
// account is Unauthenticated whatever the door's credentials say.
func (d *Desk) Actor(ctx context.Context, u directory.User) (helpdesk.Actor, error) {
	p, err := people.Read(ctx, d.record, u.Username)
	if err != nil {
		return helpdesk.Actor{}, fmt.Errorf("desk: read %s's account: %w", u.Username, err)
	}
	if p.Disabled {
		return helpdesk.Actor{}, refuse(Unauthenticated, "", "kontoen er deaktivert", "the account is disabled")
	}
	return d.dir.ActorOn(u, d.today()), nil
}
