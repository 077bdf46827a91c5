package calendar

import (
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/no"
)

// holidays are Norway's public holidays (helligdager and offentlige
// høytidsdager), in rickar/cal's order. The dates are the library's. Two
// things are added on top: Easter Sunday and Whit Sunday, which the
// library leaves out because they are Sundays anyway, so that Holiday can
// still name them; and bokmål's lower-case "himmelfartsdag".
var holidays = func() []*cal.Holiday {
	renamed := map[string]string{"Kristi Himmelfartsdag": "Kristi himmelfartsdag"}
	hs := make([]*cal.Holiday, 0, len(no.Holidays)+2)
	for _, h := range no.Holidays {
		if name, ok := renamed[h.Name]; ok {
			h = h.Clone(&cal.Holiday{Name: name})
		}
		hs = append(hs, h)
	}
	return append(hs,
		aa.Easter.Clone(&cal.Holiday{Name: "Første påskedag", Type: cal.ObservancePublic}),
		aa.Pentecost.Clone(&cal.Holiday{Name: "Første pinsedag", Type: cal.ObservancePublic}),
	)
}()

type namedDay struct {
	date Date
	name string
}

// holidaysIn lists the year's holidays, in the order of holidays.
func holidaysIn(year int) []namedDay {
	out := make([]namedDay, 0, len(holidays))
	for _, h := range holidays {
		// The observed day is the day off. Calc returns midnight in
		// cal.DefaultLoc; only its date is used.
		_, obs := h.Calc(year)
		if obs.IsZero() {
			continue
		}
		out = append(out, namedDay{dateOf(obs), h.Name})
	}
	return out
}

// days answers the per-day questions of one call. It remembers the
// holidays of the last year it looked at, so a long Add computes Easter
// once rather than on every day; it lives on the caller's stack, so a
// Calendar shared by concurrent workflows is never written to.
type days struct {
	c    *Calendar
	year int
	hols []namedDay
}

func (c *Calendar) days() days { return days{c: c} }

func (k *days) yearOf(d Date) []namedDay {
	if k.hols == nil || k.year != d.Year {
		k.year, k.hols = d.Year, holidaysIn(d.Year)
	}
	return k.hols
}

func (k *days) isHoliday(d Date) bool {
	for _, h := range k.yearOf(d) {
		if h.date == d {
			return true
		}
	}
	return false
}

// holidayName joins the names of d's holidays: 17 May can also be
// Ascension Day or Whit Monday (both in some years, e.g. 2027 for the
// latter).
func (k *days) holidayName(d Date) string {
	var names []string
	for _, h := range k.yearOf(d) {
		if h.date == d {
			names = append(names, h.name)
		}
	}
	return strings.Join(names, ", ")
}

// hours returns d's opening and closing instants, or ok false when the
// desk is closed all day. Both are built from the wall clock, so they stay
// 07:30 and 16:00 on either side of a daylight-saving change.
func (k *days) hours(d Date) (open, close time.Time, ok bool) {
	if wd := d.weekday(); wd == time.Saturday || wd == time.Sunday {
		return open, close, false
	}
	if k.isHoliday(d) {
		return open, close, false
	}
	end := k.c.close
	if s, found := k.c.specialDay(d); found {
		if s.Close == 0 {
			return open, close, false
		}
		end = s.Close
	}
	return k.c.at(d, k.c.open), k.c.at(d, end), true
}
