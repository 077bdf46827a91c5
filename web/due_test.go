package web

import (
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// TestDeadlinesAreJudgedAsTheQueueColoursThem: past, under an hour,
// under a quarter of the target's service time, fine, paused.
func TestDeadlinesAreJudgedAsTheQueueColoursThem(t *testing.T) {
	policy := workflows.DefaultCasePolicy()
	now := time.Date(2026, 1, 13, 10, 0, 0, 0, helpdesk.Oslo) // a Tuesday, in service hours
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	for _, tt := range []struct {
		name     string
		f        slaFacts
		priority helpdesk.Priority
		want     []string // states, resolution first
	}{
		{"past due", slaFacts{resolutionDue: at(-time.Minute), responded: true}, helpdesk.PriorityNormal, []string{dueBreached}},
		{"breached by the record", slaFacts{resolutionDue: at(3 * time.Hour), resolutionBreached: true, responded: true}, helpdesk.PriorityNormal, []string{dueBreached}},
		{"under an hour", slaFacts{resolutionDue: at(59 * time.Minute), responded: true}, helpdesk.PriorityNormal, []string{dueSoon}},
		// 25.5 h target: 5 service hours left is under a quarter (6.4 h).
		{"under a quarter", slaFacts{resolutionDue: at(5 * time.Hour), responded: true}, helpdesk.PriorityNormal, []string{dueLow}},
		// 4 h target for critical: 2 h left is half of it.
		{"fine", slaFacts{resolutionDue: at(2 * time.Hour), responded: true}, helpdesk.PriorityCritical, []string{dueOK}},
		{"response owed too", slaFacts{resolutionDue: at(6 * time.Hour), responseDue: at(30 * time.Minute)}, helpdesk.PriorityHigh, []string{dueOK, dueSoon}},
		{"paused", slaFacts{paused: true, responded: true}, helpdesk.PriorityNormal, []string{duePaused}},
		{"stopped", slaFacts{stopped: true, resolutionDue: at(time.Hour)}, helpdesk.PriorityNormal, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range deadlinesOf(tt.f, helpdesk.StatusInProgress, tt.priority, policy, now) {
				got = append(got, d.State)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	if got := deadlinesOf(slaFacts{resolutionDue: at(time.Hour)}, helpdesk.StatusResolved, helpdesk.PriorityNormal, policy, now); got != nil {
		t.Errorf("a resolved case has deadlines %v", got)
	}
	if w := worst([]deadline{{State: dueOK}, {State: dueSoon}}); w != dueSoon {
		t.Errorf("the worst of ok and soon: %s", w)
	}
}

func TestShortDatesFitATableCell(t *testing.T) {
	v := &view{now: time.Date(2026, 1, 14, 13, 15, 0, 0, helpdesk.Oslo)}
	for _, tt := range []struct {
		at     time.Time
		nb, en string
	}{
		{time.Date(2026, 1, 14, 14, 0, 0, 0, helpdesk.Oslo), "i dag 14:00", "today 14:00"},
		{time.Date(2026, 1, 15, 9, 0, 0, 0, helpdesk.Oslo), "i morgen 09:00", "tomorrow 09:00"},
		{time.Date(2026, 1, 26, 9, 0, 0, 0, helpdesk.Oslo), "26. jan. kl. 09:00", "26 Jan at 09:00"},
		{time.Date(2025, 12, 30, 8, 5, 0, 0, helpdesk.Oslo), "30. des. 2025 kl. 08:05", "30 Dec 2025 at 08:05"},
	} {
		v.Lang = i18n.NB
		if got := v.Short(tt.at); got != tt.nb {
			t.Errorf("nb %v: got %q, want %q", tt.at, got, tt.nb)
		}
		v.Lang = i18n.EN
		if got := v.Short(tt.at); got != tt.en {
			t.Errorf("en %v: got %q, want %q", tt.at, got, tt.en)
		}
	}
}
