package readmodel_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestReportCasesSelectsWhatCanCount: a report of March sees the cases
// changed in March and every case still open, as the projection folded
// them (with the SLA clock the API's JSON leaves out), and no other.
func TestReportCasesSelectsWhatCanCount(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	feb, mar, apr := from.AddDate(0, 0, -10), from.AddDate(0, 0, 10), to.AddDate(0, 0, 2)

	closedInFeb := newCase(1, helpdesk.StatusClosed, "per", feb) // final and quiet since: out
	openSinceFeb := newCase(2, helpdesk.StatusNew, "", feb)      // quiet but open: in (backlog)
	resolvedInMar := newCase(3, helpdesk.StatusResolved, "per", feb)
	resolvedInMar.UpdatedAt, resolvedInMar.ResolvedAt = mar, mar
	resolvedInMar.SLA = &helpdesk.SLA{Stopped: true, Used: 90 * time.Minute, ResolutionTarget: 4 * time.Hour}
	createdInApr := newCase(4, helpdesk.StatusNew, "", apr) // after the period: out
	closedInMar := newCase(5, helpdesk.StatusCancelled, "", feb)
	closedInMar.UpdatedAt, closedInMar.ClosedAt = mar, mar // final, but changed in March: in
	for i, c := range []helpdesk.Case{closedInFeb, openSinceFeb, resolvedInMar, createdInApr, closedInMar} {
		put(t, db, uint64(i+1), c)
	}

	var got []string
	var used time.Duration
	err := db.ReportCases(context.Background(), from, to, func(c helpdesk.Case) error {
		got = append(got, c.Reference)
		if c.ID == resolvedInMar.ID {
			used = c.SLA.Used
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"BH-2026-000002", "BH-2026-000003", "BH-2026-000005"}
	if !slices.Equal(got, want) {
		t.Errorf("report of March reads %v, want %v", got, want)
	}
	if used != 90*time.Minute {
		t.Errorf("the SLA clock came back as %v, want 1h30m", used)
	}
}
