package workflows

import (
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func TestSchedulesOnTheServiceCalendar(t *testing.T) {
	cal := calendar.Default()
	oslo := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, helpdesk.Oslo)
	}

	// A Monday start: ready by the Friday before, escalated the Wednesday before.
	start, ready, escalate := NewUserSchedule(cal, "2026-01-12")
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{
		{"start", start, oslo(2026, 1, 12, 7, 30)},
		{"ready by", ready, oslo(2026, 1, 9, 7, 30)},
		{"escalate at", escalate, oslo(2026, 1, 7, 7, 30)},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("new user starting 2026-01-12, %s: got %s, want %s", c.name, c.got, c.want)
		}
	}
	// Easter: Maundy Thursday, Good Friday and Easter Monday are holidays,
	// so a start on Tuesday 7 April 2026 is ready by Wednesday 1 April.
	if _, ready, _ := NewUserSchedule(cal, "2026-04-07"); !ready.Equal(oslo(2026, 4, 1, 7, 30)) {
		t.Errorf("new user starting after Easter: ready by %s, want Wednesday 1 April 07:30", ready)
	}

	p := DefaultCasePolicy()
	opened := oslo(2026, 1, 9, 14, 0) // a Friday
	remind, esc, expire := ApprovalSchedule(cal, p, opened, true)
	if !remind.Equal(oslo(2026, 1, 12, 14, 0)) || !esc.Equal(oslo(2026, 1, 13, 14, 0)) || !expire.Equal(oslo(2026, 1, 16, 14, 0)) {
		t.Errorf("approval opened Friday 14:00: remind %s, escalate %s, expire %s", remind, esc, expire)
	}
	if _, esc, _ := ApprovalSchedule(cal, p, opened, false); !esc.IsZero() {
		t.Errorf("an approval without a fallback escalates at %s", esc)
	}

	if got := DepartureTime("2026-03-31"); !got.Equal(oslo(2026, 3, 31, 16, 0)) {
		t.Errorf("departure takes effect %s", got)
	}
	if got := AccessExpiry("2026-06-30"); !got.Equal(oslo(2026, 7, 1, 0, 0)) {
		t.Errorf("access valid through 30 June ends %s", got)
	}
	granted := oslo(2026, 2, 3, 10, 0)
	if got := RecertificationDue(helpdesk.ESAAccess{GrantedAt: granted}); !got.Equal(granted.AddDate(1, 0, 0)) {
		t.Errorf("recertification due %s", got)
	}
	if got := RecertificationDue(helpdesk.ESAAccess{GrantedAt: granted, RecertifiedAt: granted.AddDate(1, 0, 2)}); !got.Equal(granted.AddDate(2, 0, 2)) {
		t.Errorf("recertification after one recertification due %s", got)
	}
	if got := RecertificationDue(helpdesk.ESAAccess{}); !got.IsZero() {
		t.Errorf("an access not granted is due for recertification %s", got)
	}
}
