package desk

import (
	"context"
	"io"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Exporter writes an export to w, calling flush now and then so a long
// export streams; it returns when the export is written or ctx is done.
type Exporter func(ctx context.Context, w io.Writer, flush func()) error

// Export prepares the JSON Lines export of every event recorded in [from,
// to) (zero: open-ended), in global order and in constant memory
// (internal/audit, shared with brukerhjelp audit export). The read is
// recorded before the export is handed out; a refusal comes before
// anything is written.
func (d *Desk) Export(ctx context.Context, actor helpdesk.Actor, from, to time.Time) (Exporter, error) {
	if err := Authorize(actor, ActionAuditExport); err != nil {
		return nil, err
	}
	if !to.IsZero() && to.Before(from) {
		return nil, invalid("to", "to er før from", "to is before from")
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadExport, query: [][2]string{{"from", timeParam(from)}, {"to", timeParam(to)}}}); err != nil {
		return nil, err
	}
	return func(ctx context.Context, w io.Writer, flush func()) error {
		return audit.Export(ctx, d.record, w, from, to, flush)
	}, nil
}

// timeParam is a time as a recorded read names it; zero is "".
func timeParam(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}
