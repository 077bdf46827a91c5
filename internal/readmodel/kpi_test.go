package readmodel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// randomCase is a folded case with its instants near edge: created,
// answered, resolved, reopened, closed, granted, approved and started
// just before, at or after it, on working days, weekends and holidays.
func randomCase(r *rand.Rand, n int, edge time.Time) helpdesk.Case {
	near := func(spread time.Duration) time.Time {
		switch r.IntN(6) {
		case 0:
			return edge // exactly at the edge
		case 1:
			return edge.Add(-time.Nanosecond)
		}
		return edge.Add(time.Duration(r.Int64N(int64(2*spread))) - spread).Truncate(time.Second)
	}
	after := func(t time.Time) time.Time {
		if r.IntN(4) == 0 {
			return t // the same instant
		}
		return t.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
	}
	kinds := []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance, helpdesk.KindOrder, helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture}
	prios := []helpdesk.Priority{"", helpdesk.PriorityLow, helpdesk.PriorityNormal, helpdesk.PriorityHigh, helpdesk.PriorityCritical}
	groups := []string{"", helpdesk.FirstLineGroup, "nettverk", "klient"}
	created := near(40 * 24 * time.Hour)
	c := helpdesk.Case{
		ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Reference: helpdesk.FormatReference(2026, uint64(n+1)),
		Kind: kinds[r.IntN(len(kinds))], Priority: prios[r.IntN(len(prios))], Group: groups[r.IntN(len(groups))],
		Title: "Sak", Reporter: "ola", CreatedBy: "ola", Status: helpdesk.StatusInProgress, Reopened: r.IntN(3) / 2,
		CreatedAt: created, Revision: 3,
	}
	last := created
	seen := func(t time.Time) time.Time {
		if t.After(last) {
			last = t
		}
		return t
	}
	if r.IntN(4) > 0 {
		s := &helpdesk.SLA{ResponseTarget: time.Duration(1+r.IntN(8)) * time.Hour, ResolutionTarget: time.Duration(4+r.IntN(40)) * time.Hour,
			ResponseBreached: r.IntN(5) == 0, ResolutionBreached: r.IntN(5) == 0, Used: time.Duration(r.Int64N(int64(60 * time.Hour)))}
		if r.IntN(4) > 0 {
			s.RespondedAt = ptr(seen(after(created)))
		}
		s.Stopped = r.IntN(3) > 0
		due := created.Add(s.ResolutionTarget)
		s.ResolutionDue = &due
		c.SLA = s
	}
	switch r.IntN(4) {
	case 0: // still open
	case 1: // resolved
		c.ResolvedAt = seen(after(created))
		c.Status = helpdesk.StatusResolved
	case 2: // resolved and closed
		c.ResolvedAt = seen(after(created))
		c.ClosedAt = seen(after(c.ResolvedAt))
		c.Status = helpdesk.StatusClosed
	default: // ended without a resolution
		c.ClosedAt = seen(after(created))
		c.Status = []helpdesk.Status{helpdesk.StatusCancelled, helpdesk.StatusRejected}[r.IntN(2)]
	}
	if c.Kind == helpdesk.KindESAAccess {
		c.Access = &helpdesk.ESAAccess{Manager: "kari"}
		if r.IntN(2) == 0 {
			c.Access.GrantedAt = seen(after(created))
			if c.ResolvedAt.IsZero() && c.ClosedAt.IsZero() {
				c.Status = helpdesk.StatusActive
			}
		}
	}
	if c.Kind == helpdesk.KindNewUser {
		start := near(30 * 24 * time.Hour).In(helpdesk.Oslo)
		c.NewUser = &helpdesk.NewUser{Request: helpdesk.NewUserRequest{StartDate: start.Format(time.DateOnly)}, Reported: r.IntN(3) > 0, Ready: r.IntN(2) == 0}
		if r.IntN(8) == 0 {
			c.NewUser.Request.StartDate = "snart" // not a date: counts nowhere
		}
	}
	for i := range r.IntN(3) {
		tk := helpdesk.Task{ID: helpdesk.TaskID(c.ID, i+1), CaseID: c.ID, Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn",
			Status: helpdesk.TaskStatusOpen, Approver: "kari", CreatedAt: after(created)}
		if r.IntN(5) == 0 {
			tk.Kind, tk.Approver, tk.Group = helpdesk.TaskFulfilment, "", "klient"
		}
		if r.IntN(3) > 0 {
			tk.Status = helpdesk.TaskStatusCompleted
			tk.CompletedAt = seen(after(tk.CreatedAt))
			tk.Outcome = []string{helpdesk.OutcomeApproved, helpdesk.OutcomeRejected, helpdesk.OutcomeExpired, helpdesk.OutcomeDone}[r.IntN(4)]
		}
		c.Tasks = append(c.Tasks, tk)
	}
	c.UpdatedAt = last
	if r.IntN(10) == 0 {
		c.UpdatedAt = last.Add(400 * 24 * time.Hour) // touched long after (a comment)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// oldKPI is the report as the desk made it before version 7: every case
// ReportCases gives, folded by kpi.Builder.Add with the calendar itself.
func oldKPI(t *testing.T, db *readmodel.DB, from, to, now time.Time, cal kpi.Calendar) kpi.Report {
	t.Helper()
	b := kpi.NewBuilder(from, to, now, cal)
	if err := db.ReportCases(context.Background(), from, to, func(c helpdesk.Case) error { b.Add(c); return nil }); err != nil {
		t.Fatal(err)
	}
	return b.Report()
}

func newKPI(t *testing.T, db *readmodel.DB, from, to, now time.Time, cal *calendar.Calendar) kpi.Report {
	t.Helper()
	b := kpi.NewBuilder(from, to, now, kpi.Fast(cal))
	if err := db.FillKPI(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return b.Report()
}

// TestKPIFromIndexesEqualsTheFold: the report FillKPI makes from the
// indexed columns has the very figures of kpi.Compute over the folded
// cases, for periods that start and end on the edges the cases crowd
// around: the turn of the year, Easter, a clock change, a period of one
// instant's width, one that runs on past now.
func TestKPIFromIndexesEqualsTheFold(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	cal := calendar.Default()
	edges := []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, helpdesk.Oslo),
		time.Date(2026, 4, 2, 7, 30, 0, 0, helpdesk.Oslo),  // Maundy Thursday
		time.Date(2026, 3, 29, 2, 30, 0, 0, helpdesk.Oslo), // the clock jumps forward
		time.Date(2026, 10, 25, 2, 30, 0, 0, helpdesk.Oslo),
		time.Date(2026, 6, 30, 16, 0, 0, 0, helpdesk.Oslo),
	}
	r := rand.New(rand.NewPCG(7, 11))
	const n = 1500
	for i := range n {
		c := randomCase(r, i, edges[i%len(edges)])
		put(t, db, uint64(i+1), c)
	}
	// A case reopened since: its resolution no longer counts, and it is in
	// the backlog again.
	reopened := randomCase(r, n, edges[0])
	reopened.ResolvedAt, reopened.ClosedAt, reopened.Status, reopened.Reopened = time.Time{}, time.Time{}, helpdesk.StatusInProgress, 1
	put(t, db, n+1, reopened)
	periods := [][2]time.Time{
		{edges[0], edges[0].AddDate(1, 0, 0)},
		{edges[0].AddDate(-1, 0, 0), edges[0]},
		{edges[0].AddDate(0, 0, -30), edges[0]},
		{edges[1], edges[4]},
		{edges[2], edges[3]},
		{edges[2].Add(-time.Hour), edges[2].Add(time.Hour)},
		{edges[4], edges[4].Add(time.Nanosecond)},
		{edges[0].Add(-time.Nanosecond), edges[0].Add(24 * time.Hour)},
	}
	nows := []time.Time{edges[0].AddDate(2, 0, 0), edges[0].Add(12 * time.Hour), edges[3]}
	compared := 0
	for _, p := range periods {
		for _, now := range nows {
			want := oldKPI(t, db, p[0], p[1], now, cal)
			got := newKPI(t, db, p[0], p[1], now, cal)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("report of [%s, %s) at %s differs from the fold\ngot:  %s\nwant: %s", p[0], p[1], now, g, w)
			}
			if want.Total.Opened > 0 || want.Total.Backlog.Total > 0 {
				compared++
			}
		}
	}
	if compared < len(periods) {
		t.Fatalf("only %d reports had any figures: the cases miss the periods", compared)
	}
	_ = ctx
}
