package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// ReadLog is who read the record in a period, oldest first.
type ReadLog struct {
	From  time.Time            `json:"from"`
	To    time.Time            `json:"to"`
	Reads []audit.RecordedRead `json:"reads"`
}

// AuditReads lists who read the record in the period (auditors). Reading
// it is recorded too.
func (d *Desk) AuditReads(ctx context.Context, actor helpdesk.Actor, p Period) (ReadLog, error) {
	if err := Authorize(actor, ActionAuditReads); err != nil {
		return ReadLog{}, err
	}
	from, to, err := p.resolve(d.now(), audit.MaxDays)
	if err != nil {
		return ReadLog{}, err
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadAuditReads, query: p.query()}); err != nil {
		return ReadLog{}, err
	}
	reads, err := audit.Reads(ctx, d.record, from, to)
	if err != nil {
		return ReadLog{}, fmt.Errorf("desk: list audit reads: %w", err)
	}
	return ReadLog{From: from, To: to, Reads: reads}, nil
}
