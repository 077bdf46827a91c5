package desk

import (
	"context"

	"go.temporal.io/sdk/converter"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TemporalCodec hands the Temporal payload codec to an operator's tool
// (the Temporal Web UI or CLI, through the JSON door's /codec): Temporal's
// histories are encrypted (docs/PRIVACY.md) and decoding them shows every
// case's text, so only operations may, and each use is a recorded read.
func (d *Desk) TemporalCodec(ctx context.Context, actor helpdesk.Actor, namespace string) (converter.PayloadCodec, error) {
	if err := Authorize(actor, ActionTemporalCodec); err != nil {
		return nil, err
	}
	if d.codec == nil {
		return nil, refuse(Unavailable, "", "dekoding av Temporal-data er ikke satt opp her", "decoding Temporal payloads is not set up here")
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadTemporalPayloads, query: [][2]string{{"namespace", namespace}}}); err != nil {
		return nil, err
	}
	return d.codec, nil
}
