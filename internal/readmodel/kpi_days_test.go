package readmodel_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestKPIDaysFollowTheCases: the report a service owner gets from the
// days (kpi_days) is the fold's, also after cases change under days that
// were already built (a case reopened, handed to another group, its
// approval decided, a late first response), and when a day's facts are
// damaged (it is read by index instead).
func TestKPIDaysFollowTheCases(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	cal := calendar.Default()
	edge := time.Date(2026, 3, 2, 9, 0, 0, 0, helpdesk.Oslo)
	r := rand.New(rand.NewPCG(3, 5))
	const n = 800
	cases := make([]helpdesk.Case, n)
	pos := uint64(0)
	for i := range cases {
		cases[i] = randomCase(r, i, edge)
		pos++
		put(t, db, pos, cases[i])
	}
	from, to := edge.AddDate(0, -3, 0), edge.AddDate(0, 3, 0)
	now := edge.AddDate(1, 0, 0)
	same := func(step string) {
		t.Helper()
		for _, p := range [][2]time.Time{{from, to}, {from.Add(90 * time.Minute), to.Add(-7 * time.Hour)}, {edge.Add(-24 * time.Hour), edge.Add(24 * time.Hour)}} {
			want := oldKPI(t, db, p[0], p[1], now, cal)
			got := newKPI(t, db, p[0], p[1], now, cal)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got.Total, "", " ")
				w, _ := json.MarshalIndent(want.Total, "", " ")
				t.Fatalf("%s: report of [%s, %s) differs from the fold\ngot:  %s\nwant: %s", step, p[0], p[1], g, w)
			}
		}
	}
	same("first report")
	all, current, err := db.KPIDays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if current < 150 {
		t.Fatalf("after a report of six months %d of %d days are current, want the half year's days", current, all)
	}
	// The cases change under the built days, and new ones come, in one
	// batch (on PostgreSQL the new ones are copied: bulkCases).
	var batch []helpdesk.Case
	for i := 0; i < n; i += 7 {
		c := cases[i]
		switch i % 4 {
		case 0: // reopened: its resolution no longer counts
			c.ResolvedAt, c.ClosedAt, c.Status, c.Reopened = time.Time{}, time.Time{}, helpdesk.StatusInProgress, c.Reopened+1
		case 1: // handed to another group
			c.Group = "nettverk"
			c.Priority = helpdesk.PriorityCritical
		case 2: // a first response, late
			if c.SLA != nil {
				at := c.CreatedAt.Add(50 * time.Hour)
				c.SLA.RespondedAt, c.SLA.ResponseBreached = &at, true
			}
		case 3: // an approval decided
			for j := range c.Tasks {
				if c.Tasks[j].Kind == helpdesk.TaskApproval && c.Tasks[j].Status == helpdesk.TaskStatusOpen {
					c.Tasks[j].Status, c.Tasks[j].Outcome = helpdesk.TaskStatusCompleted, helpdesk.OutcomeApproved
					c.Tasks[j].CompletedAt = c.Tasks[j].CreatedAt.Add(3 * time.Hour)
				}
			}
		}
		if c.UpdatedAt.Before(c.CreatedAt.Add(60 * time.Hour)) {
			c.UpdatedAt = c.CreatedAt.Add(60 * time.Hour)
		}
		c.Revision++
		batch = append(batch, c)
	}
	for i := range 100 {
		batch = append(batch, randomCase(r, n+i, edge))
	}
	pos = putBatch(t, db, pos, batch)
	if _, stale, err := db.KPIDays(ctx); err != nil {
		t.Fatal(err)
	} else if stale >= current {
		t.Fatalf("no day was marked by the changes: %d current before, %d after", current, stale)
	}
	same("after the changes")
	if err := db.DamageKPIDays(ctx); err != nil {
		t.Fatal(err)
	}
	same("with damaged days")
}
