package kpi

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestFastCalendarAgreesWithTheCalendar: Fast gives calendar.Between's
// answers to the nanosecond, over weekends, Easter, Christmas, a short
// day, the clock changes and years, in whatever order it is asked.
func TestFastCalendarAgreesWithTheCalendar(t *testing.T) {
	cal, err := calendar.New(calendar.Config{SpecialDays: []calendar.SpecialDay{
		{Month: time.December, Day: 24}, {Month: time.December, Day: 31},
		{Year: 2025, Month: time.June, Day: 20, Close: calendar.At(12, 0)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, helpdesk.Oslo)
	span := time.Date(2027, 1, 1, 0, 0, 0, 0, helpdesk.Oslo).Sub(base)
	edges := []time.Time{
		time.Date(2025, 3, 30, 2, 30, 0, 0, helpdesk.Oslo),  // the clock jumps forward
		time.Date(2025, 10, 26, 2, 30, 0, 0, helpdesk.Oslo), // and back
		time.Date(2025, 12, 23, 15, 59, 59, 0, helpdesk.Oslo),
		time.Date(2025, 4, 17, 7, 30, 0, 0, helpdesk.Oslo), // Maundy Thursday
		time.Date(2025, 6, 20, 11, 0, 0, 0, helpdesk.Oslo),
		time.Date(2026, 1, 2, 7, 30, 0, 0, helpdesk.Oslo),
	}
	fast := Fast(cal)
	for i := range 20_000 {
		var a, b time.Time
		switch i % 3 {
		case 0: // anywhere, up to years apart
			a, b = base.Add(time.Duration(r.Int64N(int64(span)))), base.Add(time.Duration(r.Int64N(int64(span))))
		case 1: // hours apart
			a = base.Add(time.Duration(r.Int64N(int64(span))))
			b = a.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
		default: // around a day that is not like the others
			e := edges[r.IntN(len(edges))]
			a = e.Add(time.Duration(r.Int64N(int64(48*time.Hour))) - 24*time.Hour)
			b = e.Add(time.Duration(r.Int64N(int64(48*time.Hour))) - 24*time.Hour)
		}
		if i%7 == 0 {
			a = a.UTC() // the zone of the instants does not matter
		}
		if got, want := fast.Between(a, b), cal.Between(a, b); got != want {
			t.Fatalf("Between(%s, %s) = %s, the calendar says %s", a, b, got, want)
		}
	}
}
