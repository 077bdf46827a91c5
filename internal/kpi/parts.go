package kpi

import (
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
)

// The report from the read model's indexes (readmodel.(*DB).FillKPI):
// instead of Add with every folded case, the figures come in parts, each
// the facts of one case that fall in the period, from a query on the
// columns that hold them. Each part adds what Add would have added for
// that fact, so the figures are the same (kpi_test.go and the read
// model's tests compare them with Compute).

// From, To and BacklogAt are the report's period and the instant its
// backlog is measured at.
func (b *Builder) From() time.Time      { return b.from }
func (b *Builder) To() time.Time        { return b.to }
func (b *Builder) BacklogAt() time.Time { return b.backlogAt }

// AddOpened counts n cases created in the period.
func (b *Builder) AddOpened(keys Keys, n int) {
	for range n {
		b.add(keys, contribution{backlogBucket: -1, opened: true})
	}
}

// AddBacklog counts a case open at BacklogAt, created at created.
func (b *Builder) AddBacklog(keys Keys, created time.Time) {
	b.add(keys, contribution{backlogBucket: bucketOf(b.cal.Between(created, b.backlogAt))})
}

// AddResponse counts a first response (of a case with an SLA) in the
// period: the case was created at created and answered at responded.
func (b *Builder) AddResponse(keys Keys, created, responded time.Time, target time.Duration, breached bool) {
	d := b.cal.Between(created, responded)
	k := contribution{backlogBucket: -1, hasResponse: true, response: d.Hours(), respOf: 1}
	if !breached && d <= target {
		k.respWithin = 1
	}
	b.add(keys, k)
}

// Resolution is what a case resolved in the period counts with.
type Resolution struct {
	Created, Done time.Time
	Reopened      bool
	// SLAStopped: the case's SLA clock stopped; then Used is its time,
	// measured against Target, and Breached tells whether it was breached.
	SLAStopped bool
	Used       time.Duration
	Target     time.Duration
	Breached   bool
}

// AddResolved counts a case done (DoneAt) in the period.
func (b *Builder) AddResolved(keys Keys, r Resolution) {
	k := contribution{backlogBucket: -1, resolved: true, reopenOf: 1}
	if r.Reopened {
		k.reopened = 1
	}
	if r.SLAStopped {
		k.hasResol, k.resolution = true, r.Used.Hours()
		k.resOf = 1
		if !r.Breached && r.Used <= r.Target {
			k.resWithin = 1
		}
	} else {
		k.hasResol, k.resolution = true, b.hours(r.Created, r.Done)
	}
	b.add(keys, k)
}

// AddApproval counts an approval opened at created and decided (approved
// or rejected) at decided, in the period.
func (b *Builder) AddApproval(keys Keys, created, decided time.Time) {
	b.add(keys, contribution{backlogBucket: -1, approvalLead: []float64{b.hours(created, decided)}})
}

// AddNewUser counts a new user starting in the period whose readiness was
// reported.
func (b *Builder) AddNewUser(keys Keys, ready bool) {
	k := contribution{backlogBucket: -1, newUserOf: 1}
	if ready {
		k.newUserReady = 1
	}
	b.add(keys, k)
}

// Hours is the opening hours of a calendar day: what a calendar.Calendar
// tells.
type Hours interface {
	Hours(d calendar.Date) (open, close time.Time, ok bool)
	Location() *time.Location
}

// Fast is cal with Between in constant time: the service time up to the
// start of each day is summed once, so a report of a year of cases does
// not walk the days of each duration again. Its answers are cal's own
// (Between(a, b) is the sum, over the days from a's to b's, of each
// day's opening hours within [a, b), as calendar.Calendar.Between
// counts). It is for one report at a time: not safe for concurrent use.
func Fast(cal Hours) Calendar {
	return &fast{cal: cal, loc: cal.Location()}
}

type fast struct {
	cal   Hours
	loc   *time.Location
	first int64 // the day number of days[0]
	days  []fastDay
}

type fastDay struct {
	open, close time.Time
	ok          bool
	before      time.Duration // service time of the days before, from first
}

// dayNumber counts days of the calendar's dates from 1970-01-01.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// day returns the table's entry of day number n, growing the table to
// hold it.
func (f *fast) day(n int64) *fastDay {
	if len(f.days) == 0 || n < f.first {
		// (Re)build from n to the last day the table held.
		last := n
		if len(f.days) > 0 {
			last = f.first + int64(len(f.days)) - 1
		}
		f.first, f.days = n, make([]fastDay, 0, last-n+1)
		var sum time.Duration
		for i := n; i <= last; i++ {
			fd := f.hours(i, sum)
			f.days = append(f.days, fd)
			sum += fd.length()
		}
	}
	for n >= f.first+int64(len(f.days)) {
		last := f.days[len(f.days)-1]
		f.days = append(f.days, f.hours(f.first+int64(len(f.days)), last.before+last.length()))
	}
	return &f.days[n-f.first]
}

func (fd fastDay) length() time.Duration {
	if !fd.ok || !fd.open.Before(fd.close) {
		return 0
	}
	return fd.close.Sub(fd.open)
}

func (f *fast) hours(n int64, before time.Duration) fastDay {
	y, m, d := time.Unix(n*86400, 0).UTC().Date()
	open, close, ok := f.cal.Hours(calendar.Date{Year: y, Month: m, Day: d})
	return fastDay{open: open, close: close, ok: ok, before: before}
}

// upTo is the service time from the start of the table's first day to t.
func (f *fast) upTo(t time.Time) time.Duration {
	y, m, d := t.In(f.loc).Date()
	fd := f.day(dayNumber(y, m, d))
	if !fd.ok || !t.After(fd.open) {
		return fd.before
	}
	if t.After(fd.close) {
		return fd.before + fd.length()
	}
	return fd.before + t.Sub(fd.open)
}

func (f *fast) Between(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	// The earlier end first: only it can grow the table backwards, which
	// would move every sum.
	lo := f.upTo(a)
	hi := f.upTo(b)
	return hi - lo
}
