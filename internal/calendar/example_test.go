package calendar_test

import (
	"fmt"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
)

// A critical case reported on Friday afternoon before the switch to summer
// time is due on Monday morning, and the SLA explains itself interval by
// interval.
func ExampleCalendar_Add() {
	c := calendar.Default()
	created := time.Date(2026, 3, 27, 15, 0, 0, 0, c.Location())
	due := c.Add(created, 4*time.Hour)
	fmt.Println(due.Format("Mon 2 Jan 15:04 MST"))
	for _, iv := range c.Intervals(created, due) {
		fmt.Println(iv.Start.Format("Mon 15:04"), "–", iv.End.Format("Mon 15:04"), iv.Open, iv.Duration())
	}
	// Output:
	// Mon 30 Mar 10:30 CEST
	// Fri 15:00 – Fri 16:00 true 1h0m0s
	// Fri 16:00 – Mon 07:30 false 62h30m0s
	// Mon 07:30 – Mon 10:30 true 3h0m0s
}
