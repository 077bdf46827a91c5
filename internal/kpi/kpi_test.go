package kpi

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// at is a wall-clock time in Oslo (CET in February and March 2026: no
// holiday and no clock change between 16 February and 9 March).
func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, helpdesk.Oslo)
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func tp(t time.Time) *time.Time { return &t }

// week is a hand-built week of cases: Monday 2 March to Monday 9 March
// 2026. Every figure the tests expect is worked out next to the case.
func week() []helpdesk.Case {
	normal := helpdesk.DefaultSLAPolicy().Targets[helpdesk.PriorityNormal] // 4 h / 25.5 h
	high := helpdesk.DefaultSLAPolicy().Targets[helpdesk.PriorityHigh]     // 1 h / 8.5 h
	low := helpdesk.DefaultSLAPolicy().Targets[helpdesk.PriorityLow]
	return []helpdesk.Case{
		{ // A: answered after 1 h (target 4), resolved after 6 service hours (target 25.5).
			ID: "A", Kind: helpdesk.KindIncident, Priority: helpdesk.PriorityNormal, Group: "brukerhjelp", Status: helpdesk.StatusResolved,
			CreatedAt: at(3, 2, 9, 0), ResolvedAt: at(3, 3, 9, 0),
			SLA: &helpdesk.SLA{ResponseTarget: normal.Response, ResolutionTarget: normal.Resolution,
				RespondedAt: tp(at(3, 2, 10, 0)), Stopped: true, Used: hours(6)},
		},
		{ // B: answered after 1.5 h (target 1: breached), 10 h to resolve (target 8.5: breached), reopened once.
			ID: "B", Kind: helpdesk.KindIncident, Priority: helpdesk.PriorityHigh, Group: "brukerhjelp", Status: helpdesk.StatusClosed,
			CreatedAt: at(3, 2, 14, 0), ResolvedAt: at(3, 4, 10, 0), ClosedAt: at(3, 6, 10, 0), Reopened: 1,
			SLA: &helpdesk.SLA{ResponseTarget: high.Response, ResolutionTarget: high.Resolution,
				RespondedAt: tp(at(3, 2, 15, 30)), ResponseBreached: true, ResolutionBreached: true, Stopped: true, Used: hours(10)},
		},
		{ // C: Thursday 15:00, answered Friday 08:30: 1 h + 1 h = 2 h. Open: aged 1 h + 8.5 h = 9.5 h = 1.1 service days.
			ID: "C", Kind: helpdesk.KindGuidance, Priority: helpdesk.PriorityNormal, Group: "tjeneste", Status: helpdesk.StatusInProgress,
			CreatedAt: at(3, 5, 15, 0),
			SLA: &helpdesk.SLA{ResponseTarget: normal.Response, ResolutionTarget: normal.Resolution,
				RespondedAt: tp(at(3, 6, 8, 30)), RunningSince: at(3, 5, 15, 0)},
		},
		{ // D: opened 18 February, never answered: 6 + 17 + 42.5 + 42.5 = 108 h = 12.7 service days old.
			ID: "D", Kind: helpdesk.KindIncident, Priority: helpdesk.PriorityLow, Group: "brukerhjelp", Status: helpdesk.StatusNew,
			CreatedAt: at(2, 18, 10, 0),
			SLA:       &helpdesk.SLA{ResponseTarget: low.Response, ResolutionTarget: low.Resolution, RunningSince: at(2, 18, 10, 0)},
		},
		{ // E: an order, approved after 3 h, delivered after 4 h; an expired approval does not count.
			ID: "E", Kind: helpdesk.KindOrder, Group: "brukerhjelp", Status: helpdesk.StatusResolved,
			CreatedAt: at(3, 2, 8, 0), ResolvedAt: at(3, 2, 12, 0),
			Tasks: []helpdesk.Task{
				{Kind: helpdesk.TaskApproval, Status: helpdesk.TaskStatusCompleted, Outcome: helpdesk.OutcomeApproved,
					CreatedAt: at(3, 2, 8, 0), CompletedAt: at(3, 2, 11, 0)},
				{Kind: helpdesk.TaskApproval, Status: helpdesk.TaskStatusCompleted, Outcome: helpdesk.OutcomeExpired,
					CreatedAt: at(2, 20, 8, 0), CompletedAt: at(3, 2, 11, 0)},
				{Kind: helpdesk.TaskFulfilment, Status: helpdesk.TaskStatusCompleted, Outcome: helpdesk.OutcomeDone,
					CreatedAt: at(3, 2, 11, 0), CompletedAt: at(3, 2, 12, 0)},
			},
		},
		{ // F: new user starting 4 March, ready; resolved after 7 + 42.5 + 8.5 + 4.5 = 62.5 service hours.
			ID: "F", Kind: helpdesk.KindNewUser, Group: "brukerhjelp", Status: helpdesk.StatusResolved,
			CreatedAt: at(2, 20, 9, 0), ResolvedAt: at(3, 3, 12, 0),
			NewUser: &helpdesk.NewUser{Request: helpdesk.NewUserRequest{StartDate: "2026-03-04"}, Reported: true, Ready: true},
		},
		{ // G: new user starting 6 March, not ready; open, 6 + 17 + 42.5 = 65.5 h = 7.7 service days old.
			ID: "G", Kind: helpdesk.KindNewUser, Group: "brukerhjelp", Status: helpdesk.StatusInProgress,
			CreatedAt: at(2, 25, 10, 0),
			NewUser:   &helpdesk.NewUser{Request: helpdesk.NewUserRequest{StartDate: "2026-03-06"}, Reported: true, Missing: []string{"laptop"}},
		},
		{ // H: cancelled before the period: in no figure.
			ID: "H", Kind: helpdesk.KindIncident, Priority: helpdesk.PriorityCritical, Group: "brukerhjelp", Status: helpdesk.StatusCancelled,
			CreatedAt: at(2, 10, 9, 0), ClosedAt: at(2, 11, 9, 0),
		},
		{ // I: ESA access granted Thursday 10:00: 7 + 8.5 + 2.5 = 18 h; approved after 8.5 h.
			ID: "I", Kind: helpdesk.KindESAAccess, Group: "arkiv", Status: helpdesk.StatusActive,
			CreatedAt: at(3, 3, 9, 0), Access: &helpdesk.ESAAccess{GrantedAt: at(3, 5, 10, 0)},
			Tasks: []helpdesk.Task{{Kind: helpdesk.TaskApproval, Status: helpdesk.TaskStatusCompleted, Outcome: helpdesk.OutcomeApproved,
				CreatedAt: at(3, 3, 9, 0), CompletedAt: at(3, 4, 9, 0)}},
		},
	}
}

// want is a figure written the short way: nil floats are "no value".
type want struct {
	opened, resolved int
	backlog          [5]int
	response         [3]float64 // count, median, p90
	resolution       [3]float64
	respWithin       [2]int // count, of
	resWithin        [2]int
	reopened         [2]int
	approval         [3]float64
	newUsers         [2]int
}

func check(t *testing.T, name string, got Figures, w want) {
	t.Helper()
	if got.Opened != w.opened || got.Resolved != w.resolved {
		t.Errorf("%s: opened %d resolved %d, want %d %d", name, got.Opened, got.Resolved, w.opened, w.resolved)
	}
	total := 0
	for i, b := range got.Backlog.Buckets {
		total += w.backlog[i]
		if b.Count != w.backlog[i] {
			t.Errorf("%s: backlog %s days: %d, want %d", name, b.Label, b.Count, w.backlog[i])
		}
	}
	if got.Backlog.Total != total {
		t.Errorf("%s: backlog total %d, want %d", name, got.Backlog.Total, total)
	}
	stat := func(what string, s Stats, w [3]float64) {
		if s.Count != int(w[0]) {
			t.Errorf("%s: %s count %d, want %v", name, what, s.Count, w[0])
		}
		if s.Count == 0 {
			if s.Median != nil || s.P90 != nil {
				t.Errorf("%s: %s has percentiles without values", name, what)
			}
			return
		}
		if *s.Median != w[1] || *s.P90 != w[2] {
			t.Errorf("%s: %s median %v p90 %v, want %v %v", name, what, *s.Median, *s.P90, w[1], w[2])
		}
	}
	stat("first response", got.FirstResponseHours, w.response)
	stat("resolution", got.ResolutionHours, w.resolution)
	stat("approval lead", got.ApprovalLeadHours, w.approval)
	share := func(what string, s Share, w [2]int) {
		if s.Count != w[0] || s.Of != w[1] {
			t.Errorf("%s: %s %d of %d, want %d of %d", name, what, s.Count, s.Of, w[0], w[1])
		}
		switch {
		case w[1] == 0 && s.Rate != nil:
			t.Errorf("%s: %s rate %v of nothing", name, what, *s.Rate)
		case w[1] > 0 && (s.Rate == nil || math.Abs(*s.Rate-float64(w[0])/float64(w[1])) > 0.0001):
			t.Errorf("%s: %s rate %v, want %d/%d", name, what, s.Rate, w[0], w[1])
		}
	}
	share("response within target", got.ResponseWithinTarget, w.respWithin)
	share("resolution within target", got.ResolutionWithinTarget, w.resWithin)
	share("reopened", got.Reopened, w.reopened)
	share("new users ready", got.NewUsersReady, w.newUsers)
}

func TestWeekOfCases(t *testing.T) {
	from, to := at(3, 2, 0, 0), at(3, 9, 0, 0)
	r := Compute(from, to, at(3, 20, 12, 0), calendar.Default(), week())
	if !r.BacklogAt.Equal(to) {
		t.Errorf("backlog measured at %v, want the end of the period %v", r.BacklogAt, to)
	}
	check(t, "total", r.Total, want{
		opened: 5, resolved: 5, // A B C E I; A B E F I
		backlog:    [5]int{0, 1, 0, 1, 1}, // C 1.1, G 7.7, D 12.7 days
		response:   [3]float64{3, 1.5, 2}, // 1, 1.5, 2
		resolution: [3]float64{5, 10, 62.5},
		respWithin: [2]int{2, 3}, resWithin: [2]int{1, 2}, reopened: [2]int{1, 5},
		approval: [3]float64{2, 3, 8.5}, newUsers: [2]int{1, 2},
	})

	byKey := func(rows []Row) (keys []string, m map[string]Figures) {
		m = map[string]Figures{}
		for _, r := range rows {
			keys = append(keys, r.Key)
			m[r.Key] = r.Figures
		}
		return keys, m
	}
	kinds, byKind := byKey(r.ByKind)
	if got := fmtKeys(kinds); got != "incident guidance order new-user esa-access" {
		t.Errorf("kinds %s", got)
	}
	check(t, "incident", byKind["incident"], want{opened: 2, resolved: 2, backlog: [5]int{0, 0, 0, 0, 1},
		response: [3]float64{2, 1, 1.5}, resolution: [3]float64{2, 6, 10},
		respWithin: [2]int{1, 2}, resWithin: [2]int{1, 2}, reopened: [2]int{1, 2}})
	check(t, "guidance", byKind["guidance"], want{opened: 1, backlog: [5]int{0, 1, 0, 0, 0},
		response: [3]float64{1, 2, 2}, respWithin: [2]int{1, 1}})
	check(t, "order", byKind["order"], want{opened: 1, resolved: 1, resolution: [3]float64{1, 4, 4},
		reopened: [2]int{0, 1}, approval: [3]float64{1, 3, 3}})
	check(t, "new-user", byKind["new-user"], want{resolved: 1, backlog: [5]int{0, 0, 0, 1, 0},
		resolution: [3]float64{1, 62.5, 62.5}, reopened: [2]int{0, 1}, newUsers: [2]int{1, 2}})
	check(t, "esa-access", byKind["esa-access"], want{opened: 1, resolved: 1, resolution: [3]float64{1, 18, 18},
		reopened: [2]int{0, 1}, approval: [3]float64{1, 8.5, 8.5}})

	priorities, byPriority := byKey(r.ByPriority)
	if got := fmtKeys(priorities); got != "high normal low none" { // H (critical) is in no figure
		t.Errorf("priorities %s", got)
	}
	check(t, "normal", byPriority["normal"], want{opened: 2, resolved: 1, backlog: [5]int{0, 1, 0, 0, 0},
		response: [3]float64{2, 1, 2}, resolution: [3]float64{1, 6, 6},
		respWithin: [2]int{2, 2}, resWithin: [2]int{1, 1}, reopened: [2]int{0, 1}})
	check(t, "none", byPriority["none"], want{opened: 2, resolved: 3, backlog: [5]int{0, 0, 0, 1, 0},
		resolution: [3]float64{3, 18, 62.5}, reopened: [2]int{0, 3}, approval: [3]float64{2, 3, 8.5}, newUsers: [2]int{1, 2}})

	groups, byGroup := byKey(r.ByGroup)
	if got := fmtKeys(groups); got != "arkiv brukerhjelp tjeneste" {
		t.Errorf("groups %s", got)
	}
	check(t, "brukerhjelp", byGroup["brukerhjelp"], want{opened: 3, resolved: 4, backlog: [5]int{0, 0, 0, 1, 1},
		response: [3]float64{2, 1, 1.5}, resolution: [3]float64{4, 6, 62.5}, // 4 6 10 62.5
		respWithin: [2]int{1, 2}, resWithin: [2]int{1, 2}, reopened: [2]int{1, 4}, approval: [3]float64{1, 3, 3}, newUsers: [2]int{1, 2}})
}

func fmtKeys(k []string) string { return strings.Join(k, " ") }

// TestBacklogIsMeasuredNowWhenThePeriodRunsOn: a period that ends in the
// future measures the backlog now, with today's age.
func TestBacklogIsMeasuredNowWhenThePeriodRunsOn(t *testing.T) {
	now := at(3, 3, 12, 0) // Tuesday noon
	c := helpdesk.Case{ID: "X", Kind: helpdesk.KindIncident, Group: "brukerhjelp", Status: helpdesk.StatusNew, CreatedAt: at(2, 23, 12, 0)}
	r := Compute(at(3, 1, 0, 0), at(3, 31, 0, 0), now, calendar.Default(), []helpdesk.Case{c})
	if !r.BacklogAt.Equal(now) {
		t.Errorf("backlog at %v, want %v", r.BacklogAt, now)
	}
	// Monday 23 noon to Tuesday 3 noon: 4 + 34 + 8.5 + 4.5 = 51 h = 6 service days.
	check(t, "total", r.Total, want{backlog: [5]int{0, 0, 0, 1, 0}})
}

func TestPercentiles(t *testing.T) {
	tests := []struct {
		in          []float64
		median, p90 float64
	}{
		{[]float64{7}, 7, 7},
		{[]float64{2, 1}, 1, 2},                               // ranks 1 and 2
		{[]float64{5, 1, 4, 2, 3}, 3, 5},                      // ranks 3 and 5
		{[]float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5, 9},      // ranks 5 and 9
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10}, // ranks 6 and 10
		{[]float64{0.333333, 0.666666, 1}, 0.67, 1},           // rounded to 0.01 h
	}
	for _, tt := range tests {
		s := stats(tt.in)
		if s.Count != len(tt.in) || *s.Median != tt.median || *s.P90 != tt.p90 {
			t.Errorf("stats(%v) = %d, %v, %v; want %d, %v, %v", tt.in, s.Count, *s.Median, *s.P90, len(tt.in), tt.median, tt.p90)
		}
	}
	if s := stats(nil); s.Count != 0 || s.Median != nil || s.P90 != nil {
		t.Errorf("stats(nil) = %+v", s)
	}
}

// TestPercentilesAreTheSortedValues: the median and 90th percentile
// selected without sorting are the values at their nearest ranks in the
// sorted values, for sets small and large, with many equal values and
// in every order.
func TestPercentilesAreTheSortedValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		if n > 60 && n%97 != 0 {
			continue
		}
		v := make([]float64, n)
		distinct := 1 + r.IntN(n+1)
		for i := range v {
			v[i] = float64(r.IntN(distinct)) / 4
		}
		switch n % 3 {
		case 1:
			slices.Sort(v)
		case 2:
			slices.Sort(v)
			slices.Reverse(v)
		}
		sorted := slices.Sorted(slices.Values(v))
		got := stats(v)
		if got.Count != n {
			t.Fatalf("n=%d: count %d", n, got.Count)
		}
		if n == 0 {
			if got.Median != nil || got.P90 != nil {
				t.Fatalf("no values, yet a median or p90")
			}
			continue
		}
		at := func(p float64) float64 { return round(sorted[max(int(math.Ceil(p*float64(n))), 1)-1], 2) }
		if *got.Median != at(0.5) || *got.P90 != at(0.9) {
			t.Fatalf("n=%d (%d distinct): median %v p90 %v, sorted gives %v and %v", n, distinct, *got.Median, *got.P90, at(0.5), at(0.9))
		}
	}
}
