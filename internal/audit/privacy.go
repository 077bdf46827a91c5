package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// LegalHold folds a case's legal hold from its stream (a case that never
// had one: helpdesk.NoLegalHold).
func LegalHold(ctx context.Context, r Reader, caseID string) (helpdesk.LegalHold, error) {
	h := helpdesk.NoLegalHold()
	evs, err := r.ReadStream(ctx, helpdesk.LegalHoldStream(caseID), 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("read legal hold of %s: %w", caseID, err)
	}
	for _, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			return h, err
		}
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			return h, err
		}
		h.Apply(ev, m, int64(e.Revision))
	}
	return h, nil
}

// Reads of personal data (docs/PRIVACY.md), recorded like every read.
const (
	ReadPersonData       = "person-data"       // GET /people/{username}/data
	ReadTemporalPayloads = "temporal-payloads" // POST /codec/decode: the Temporal UI or CLI decoding histories
)
