// Package calendar is the help desk's service calendar: when Brukerhjelp
// is staffed, and how much service time lies between two instants. SLA
// deadlines, "N service days" reminders and the interval-by-interval
// explanation of an SLA are all computed here.
//
// Service hours are 07:30–16:00 wall-clock time in Europe/Oslo, Monday to
// Friday, except Norwegian public holidays and configured special days
// (Christmas Eve and New Year's Eve closed by default). Daylight saving
// moves neither opening nor closing; service time is real elapsed time
// inside those hours. Every result is in the calendar's location.
//
// The Calendar is used from deterministic Temporal workflows, so every
// method is a pure function of its arguments and the Config: no clock, no
// I/O after New, no goroutines, no map iteration, and nothing is written
// after construction, so one Calendar may be shared freely.
//
// Holiday dates come from github.com/rickar/cal/v2 (package no). Its
// BusinessCalendar arithmetic (AddWorkHours, WorkHoursInRange) is not
// used, because it is not correct for us in general:
//   - it counts the closing second as working time, so from a start in
//     [16:00:00, 16:00:01) WorkHoursInRange returns a negative duration;
//   - it places opening and closing at local midnight plus a duration, an
//     hour off on days with a daylight-saving change (08:30–17:00 on 29
//     March 2026);
//   - it moves to the next day by adding 24 hours, which skips the day
//     after a 23-hour day;
//   - it works in whatever location its arguments happen to be in;
//   - its holiday cache is an unsynchronised map, and without the cache
//     every workday check recomputes every holiday (about 70 µs for an
//     85 h deadline).
//
// For a Monday-to-Friday desk in Oslo the middle two only bite on
// Sundays, but together with short days and the interval explanation
// (which the library has no notion of) it is simpler and safer to step
// through days here, on top of the library's holiday data.
package calendar

import (
	"sync"
	"time"
)

// Calendar answers service-time questions. Build it with New or Default;
// it is immutable and safe for concurrent use.
type Calendar struct {
	cfg         Config
	loc         *time.Location
	open, close TimeOfDay
	special     map[Date]SpecialDay // yearly entries have Year 0
}

// Interval is a stretch of time in which the desk is open or closed.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Open  bool      `json:"open"`
}

// Duration is the real time from Start to End.
func (i Interval) Duration() time.Duration { return i.End.Sub(i.Start) }

// New returns the calendar cfg describes, or an error wrapping
// ErrInvalidConfig. New is cheap after the first call for a location, so
// a workflow may call it on its input's Config.
func New(cfg Config) (*Calendar, error) { return cfg.validate() }

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := New(Config{})
	if err != nil {
		panic(err) // the zone data is embedded, so this cannot happen
	}
	return c
})

// Default returns the standard calendar, New(Config{}).
func Default() *Calendar { return defaultCalendar() }

// Config returns the configuration in effect, with the defaults filled in.
func (c *Calendar) Config() Config {
	cfg := c.cfg
	cfg.SpecialDays = append([]SpecialDay{}, c.cfg.SpecialDays...)
	return cfg
}

// Location returns the calendar's location.
func (c *Calendar) Location() *time.Location { return c.loc }

// DateOf returns the date of t in the calendar's location.
func (c *Calendar) DateOf(t time.Time) Date { return dateOf(t.In(c.loc)) }

// Hours returns the opening and closing instants of date d, or ok false
// when the desk is closed all day.
func (c *Calendar) Hours(d Date) (open, close time.Time, ok bool) {
	k := c.days()
	return k.hours(d.normal())
}

// Holiday reports whether the desk is closed all day on d for a reason
// with a name: a public holiday (name in bokmål, e.g. "Andre påskedag";
// coinciding holidays are joined with ", ") or a closed special day
// ("Julaften"). Ordinary weekends and short days report ok false.
func (c *Calendar) Holiday(d Date) (name string, ok bool) {
	d = d.normal()
	k := c.days()
	if name := k.holidayName(d); name != "" {
		return name, true
	}
	if s, found := c.specialDay(d); found && s.Close == 0 {
		if s.Name == "" {
			return "Stengt", true
		}
		return s.Name, true
	}
	return "", false
}

// IsOpen reports whether t lies in service hours. Hours are half-open:
// open at 07:30:00 exactly, closed at 16:00:00 exactly.
func (c *Calendar) IsOpen(t time.Time) bool {
	t = t.In(c.loc)
	k := c.days()
	open, close, ok := k.hours(dateOf(t))
	return ok && !t.Before(open) && t.Before(close)
}

// NextOpen returns t if the desk is open at t, and otherwise the next
// opening after t.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	k := c.days()
	return k.nextOpen(t.In(c.loc))
}

// Add returns the instant at which d of service time has elapsed, counting
// from start, or from the next opening if start is outside service hours.
//
// A deadline that uses up a day exactly falls on that day's closing time,
// not the next opening: Friday 15:00 + 1 h is Friday 16:00, and Friday
// 15:00 + 4 h is Monday 10:30. Add(start, 0) is NextOpen(start), so the
// result is always open or a closing instant, never a Saturday night, and
// grows continuously with d. Negative d counts as zero.
//
// For d ≥ 0, Between(start, Add(start, d)) == d.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	k := c.days()
	t := k.nextOpen(start.In(c.loc))
	for d > 0 {
		_, close, _ := k.hours(dateOf(t))
		if rest := close.Sub(t); d > rest {
			d -= rest
			t = k.nextOpen(close)
			continue
		}
		return t.Add(d)
	}
	return t
}

// Between returns the service time in [a, b), or 0 if b is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	var sum time.Duration
	c.walk(a, b, func(lo, hi time.Time) { sum += hi.Sub(lo) })
	return sum
}

// Intervals splits [a, b) into alternating open and closed intervals,
// which together cover it exactly; the open ones add up to Between(a, b).
// A weekend or holiday between two working days is one closed interval.
// It returns nil if b is not after a.
func (c *Calendar) Intervals(a, b time.Time) []Interval {
	a, b = a.In(c.loc), b.In(c.loc)
	var out []Interval
	pos := a
	c.walk(a, b, func(lo, hi time.Time) {
		if pos.Before(lo) {
			out = append(out, Interval{Start: pos, End: lo})
		}
		out = append(out, Interval{Start: lo, End: hi, Open: true})
		pos = hi
	})
	if pos.Before(b) {
		out = append(out, Interval{Start: pos, End: b})
	}
	return out
}

// AddDays returns the same wall-clock time n service days later: on the
// n-th working day after the start's day. It is what "remind after 3
// service days" means.
//
// A start outside service hours is first moved to the next opening, so
// Saturday + 1 is Tuesday 07:30. A start exactly at closing time belongs
// to the day it closes, so Friday 16:00 + 1 is Monday 16:00, matching
// deadlines that Add puts on a closing time. If the target day is a short
// day that has closed by that time, the result is its closing time.
// AddDays(start, 0) is NextOpen(start) (or start, at a closing time);
// negative n counts as zero.
func (c *Calendar) AddDays(start time.Time, n int) time.Time {
	k := c.days()
	s := start.In(c.loc)
	d := dateOf(s)
	if open, close, ok := k.hours(d); !ok || s.Before(open) || s.After(close) {
		s = k.nextOpen(s)
		d = dateOf(s)
	}
	if n <= 0 {
		return s
	}
	for n > 0 {
		d = d.next()
		if _, _, ok := k.hours(d); ok {
			n--
		}
	}
	open, close, _ := k.hours(d)
	h, m, sec := s.Clock()
	t := time.Date(d.Year, d.Month, d.Day, h, m, sec, s.Nanosecond(), c.loc)
	switch {
	case t.After(close):
		return close
	case t.Before(open): // only where a zone's clock jumps inside hours
		return open
	}
	return t
}

// walk calls open for each stretch of service hours within [a, b), in order.
func (c *Calendar) walk(a, b time.Time, open func(lo, hi time.Time)) {
	a, b = a.In(c.loc), b.In(c.loc)
	if !a.Before(b) {
		return
	}
	k := c.days()
	last := dateOf(b)
	for d := dateOf(a); !d.after(last); d = d.next() {
		o, cl, ok := k.hours(d)
		if !ok {
			continue
		}
		lo, hi := later(o, a), earlier(cl, b)
		if lo.Before(hi) {
			open(lo, hi)
		}
	}
}

func (k *days) nextOpen(t time.Time) time.Time {
	for d := dateOf(t); ; d = d.next() {
		open, close, ok := k.hours(d)
		if !ok || !t.Before(close) {
			continue
		}
		if t.Before(open) {
			return open
		}
		return t
	}
}

func (c *Calendar) specialDay(d Date) (SpecialDay, bool) {
	if s, ok := c.special[d]; ok {
		return s, true
	}
	s, ok := c.special[Date{0, d.Month, d.Day}]
	return s, ok
}

// at is time of day t on date d, by the wall clock.
func (c *Calendar) at(d Date, t TimeOfDay) time.Time {
	h, m := t.clock()
	return time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, c.loc)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
