package readmodel_test

import (
	"context"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// scaleKPI is the KPI report as the desk builds it.
func scaleKPI(ctx context.Context, db *readmodel.DB, from, to, now time.Time, cal kpi.Calendar) (kpi.Report, error) {
	b := kpi.NewBuilder(from, to, now, cal)
	err := db.ReportCases(ctx, from, to, func(c helpdesk.Case) error { b.Add(c); return nil })
	return b.Report(), err
}
