package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// OpenCases returns, in the order given, those of the cases ids that are
// still being worked on (new, in progress, waiting for the user), as the
// record has them now. A resolved outage resolves only these; a case
// that is resolved, closed or cancelled already is left alone. A case
// without a stream is not open.
func (a *Activities) OpenCases(ctx context.Context, ids []string) ([]string, error) {
	open := []string{}
	for _, id := range ids {
		evs, err := a.store.ReadStream(ctx, helpdesk.Stream(id), 0, 0)
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read case %s: %w", id, err)
		}
		c := helpdesk.NewCase()
		for _, e := range evs {
			ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
			if err != nil {
				return nil, fmt.Errorf("case %s: %w", id, err)
			}
			var m helpdesk.Metadata
			if err := json.Unmarshal(e.Metadata, &m); err != nil {
				return nil, fmt.Errorf("case %s: metadata: %w", id, err)
			}
			c.Apply(ev, m, int64(e.Revision))
		}
		switch c.Status {
		case helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser:
			open = append(open, id)
		}
	}
	return open, nil
}
