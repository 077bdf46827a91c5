package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
)

// MaxReportDays bounds a report's period.
const MaxReportDays = kpi.MaxPeriodDays

// KPIReport is the service owner's key figures for [from, to)
// (docs/KPI.md), by kind, priority and group. The read is recorded.
func (d *Desk) KPIReport(ctx context.Context, actor helpdesk.Actor, p Period) (kpi.Report, error) {
	if err := Authorize(actor, ActionKPI); err != nil {
		return kpi.Report{}, err
	}
	if d.reports == nil {
		return kpi.Report{}, refuse(Unavailable, "", "rapportene er ikke tilgjengelige", "reports are not available")
	}
	now := d.now()
	from, to, err := p.resolve(now, MaxReportDays)
	if err != nil {
		return kpi.Report{}, err
	}
	cal, err := calendar.New(d.policy.Calendar)
	if err != nil {
		return kpi.Report{}, fmt.Errorf("desk: calendar: %w", err)
	}
	if err := d.recordRead(ctx, actor, read{what: audit.ReadKPI, query: p.query()}); err != nil {
		return kpi.Report{}, err
	}
	b := kpi.NewBuilder(from, to, now, kpi.Fast(cal))
	if err := d.reports.FillKPI(ctx, b); err != nil {
		return kpi.Report{}, fmt.Errorf("desk: kpi report: %w", err)
	}
	return b.Report(), nil
}

// Period is a report's or a log's period as a door received it: each end
// an RFC 3339 time or a date (YYYY-MM-DD, Oslo), or empty.
type Period struct {
	From, To string
}

// DefaultReportDays is the length of a period that names no start.
const DefaultReportDays = 30

// resolve reads the period: from is the start of its day and to includes
// its whole day. Without to it ends now; without from it starts 30 days
// before to. A period longer than maxDays is refused.
func (p Period) resolve(now time.Time, maxDays int) (from, to time.Time, err error) {
	parse := func(name, v string, endOfDay bool) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		if d, err := time.ParseInLocation(time.DateOnly, v, helpdesk.Oslo); err == nil {
			if endOfDay {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		return time.Time{}, invalid(name,
			name+" må være et tidspunkt i RFC 3339 (2026-11-24T09:00:00+01:00) eller en dato (2026-11-24)",
			name+" must be an RFC 3339 time (2026-11-24T09:00:00+01:00) or a date (2026-11-24)")
	}
	if from, err = parse("from", p.From, false); err != nil {
		return
	}
	if to, err = parse("to", p.To, true); err != nil {
		return
	}
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -DefaultReportDays)
	}
	switch {
	case !from.Before(to):
		err = invalid("to", "to må være etter from", "to must be after from")
	case to.Sub(from) > time.Duration(maxDays)*24*time.Hour:
		err = invalid("from", fmt.Sprintf("perioden kan være høyst %d dager", maxDays), fmt.Sprintf("the period may be at most %d days", maxDays))
	}
	return from, to, err
}

func (p Period) query() [][2]string { return [][2]string{{"from", p.From}, {"to", p.To}} }
