package readmodel_test

import (
	"context"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// scaleKPI is the KPI report as the desk builds it (desk.KPIReport).
func scaleKPI(ctx context.Context, db *readmodel.DB, from, to, now time.Time, cal *calendar.Calendar) (kpi.Report, error) {
	b := kpi.NewBuilder(from, to, now, kpi.Fast(cal))
	err := db.FillKPI(ctx, b)
	return b.Report(), err
}
