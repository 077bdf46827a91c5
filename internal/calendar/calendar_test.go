package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

var oslo = Default().Location()

// at is a wall-clock time in Oslo.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, oslo)
}

const layout = "Mon 2006-01-02 15:04:05.999999999 MST"

func show(t time.Time) string { return t.Format(layout) }

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func TestHoliday(t *testing.T) {
	c := Default()
	tests := []struct {
		date   Date
		want   string
		wantOK bool
	}{
		{Date{2026, 1, 1}, "Første nyttårsdag", true},
		{Date{2026, 4, 1}, "", false}, // Wednesday before Easter: open
		{Date{2026, 4, 2}, "Skjærtorsdag", true},
		{Date{2026, 4, 3}, "Langfredag", true},
		{Date{2026, 4, 5}, "Første påskedag", true},
		{Date{2026, 4, 6}, "Andre påskedag", true},
		{Date{2026, 5, 1}, "Arbeidernes dag", true},
		{Date{2026, 5, 14}, "Kristi himmelfartsdag", true},
		{Date{2026, 5, 17}, "Grunnlovsdag", true}, // a Sunday
		{Date{2026, 5, 18}, "", false},            // no substitute day in Norway
		{Date{2026, 5, 24}, "Første pinsedag", true},
		{Date{2026, 5, 25}, "Andre pinsedag", true},
		{Date{2026, 12, 23}, "", false},
		{Date{2026, 12, 24}, "Julaften", true}, // closed special day
		{Date{2026, 12, 25}, "Første juledag", true},
		{Date{2026, 12, 26}, "Andre juledag", true},
		{Date{2026, 12, 31}, "Nyttårsaften", true},
		{Date{2027, 3, 25}, "Skjærtorsdag", true},
		{Date{2027, 3, 26}, "Langfredag", true},
		{Date{2027, 3, 28}, "Første påskedag", true},
		{Date{2027, 3, 29}, "Andre påskedag", true},
		{Date{2027, 5, 6}, "Kristi himmelfartsdag", true},
		{Date{2027, 5, 17}, "Grunnlovsdag, Andre pinsedag", true}, // a Monday, and Whit Monday
		{Date{2026, 3, 28}, "", false},                            // an ordinary Saturday
		{Date{2026, 2, 30}, "", false},                            // rolls over to 2 March
	}
	for _, tt := range tests {
		got, ok := c.Holiday(tt.date)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Holiday(%v) = %q, %v; want %q, %v", tt.date, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestIsOpen(t *testing.T) {
	c := Default()
	tests := []struct {
		t    time.Time
		want bool
	}{
		{at(2026, 3, 2, 7, 30), true}, // Monday, opening instant
		{at(2026, 3, 2, 7, 30).Add(-time.Nanosecond), false},
		{at(2026, 3, 2, 16, 0).Add(-time.Nanosecond), true},
		{at(2026, 3, 2, 16, 0), false}, // closing instant
		{at(2026, 3, 7, 12, 0), false}, // Saturday
		{at(2026, 3, 30, 7, 30), true}, // first Monday of summer time
		{at(2026, 4, 2, 12, 0), false}, // Maundy Thursday
		{at(2026, 5, 18, 12, 0), true}, // Monday after a Sunday 17 May
		{at(2027, 5, 17, 12, 0), false},
		{at(2026, 12, 24, 9, 0), false},
		{time.Date(2026, 6, 1, 5, 30, 0, 0, time.UTC), true}, // 07:30 CEST
		{time.Date(2026, 6, 1, 5, 29, 0, 0, time.UTC), false},
		{time.Date(2026, 1, 5, 6, 30, 0, 0, time.UTC), true}, // 07:30 CET
		{time.Date(2026, 1, 5, 14, 59, 0, 0, time.UTC), true},
		{time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		if got := c.IsOpen(tt.t); got != tt.want {
			t.Errorf("IsOpen(%s) = %v; want %v", show(tt.t), got, tt.want)
		}
	}
}

func TestNextOpen(t *testing.T) {
	c := Default()
	tests := []struct {
		t, want time.Time
	}{
		{at(2026, 3, 2, 10, 0), at(2026, 3, 2, 10, 0)},
		{at(2026, 3, 2, 7, 30), at(2026, 3, 2, 7, 30)},
		{at(2026, 3, 2, 6, 0), at(2026, 3, 2, 7, 30)},
		{at(2026, 3, 2, 16, 0), at(2026, 3, 3, 7, 30)},
		{at(2026, 3, 27, 16, 0), at(2026, 3, 30, 7, 30)},   // over the spring switch
		{at(2026, 3, 29, 2, 30), at(2026, 3, 30, 7, 30)},   // a wall time that does not exist
		{at(2026, 10, 25, 2, 30), at(2026, 10, 26, 7, 30)}, // one that exists twice
		{at(2026, 4, 1, 16, 0), at(2026, 4, 7, 7, 30)},     // Easter
		{at(2026, 12, 23, 17, 0), at(2026, 12, 28, 7, 30)},
		{at(2026, 12, 30, 16, 0), at(2027, 1, 4, 7, 30)},
	}
	for _, tt := range tests {
		if got := c.NextOpen(tt.t); !got.Equal(tt.want) {
			t.Errorf("NextOpen(%s) = %s; want %s", show(tt.t), show(got), show(tt.want))
		}
	}
}

func TestAdd(t *testing.T) {
	c := Default()
	tests := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"same day", at(2026, 3, 2, 9, 0), 4 * time.Hour, at(2026, 3, 2, 13, 0)},
		{"weekend", at(2026, 3, 6, 15, 0), 4 * time.Hour, at(2026, 3, 9, 10, 30)},
		{"fills the day exactly: closing time, not next opening", at(2026, 3, 6, 15, 0), time.Hour, at(2026, 3, 6, 16, 0)},
		{"one full day", at(2026, 3, 2, 7, 30), hours(8.5), at(2026, 3, 2, 16, 0)},
		{"from closing time", at(2026, 3, 2, 16, 0), time.Minute, at(2026, 3, 3, 7, 31)},
		{"from before opening", at(2026, 3, 2, 6, 0), time.Hour, at(2026, 3, 2, 8, 30)},
		{"zero outside hours is the next opening", at(2026, 3, 7, 10, 0), 0, at(2026, 3, 9, 7, 30)},
		{"zero inside hours is start", at(2026, 3, 2, 10, 0), 0, at(2026, 3, 2, 10, 0)},
		{"negative counts as zero", at(2026, 3, 7, 10, 0), -time.Hour, at(2026, 3, 9, 7, 30)},
		{"from Saturday", at(2026, 3, 7, 10, 0), 30 * time.Minute, at(2026, 3, 9, 8, 0)},
		{"spring DST", at(2026, 3, 27, 15, 0), 4 * time.Hour, at(2026, 3, 30, 10, 30)},
		{"autumn DST", at(2026, 10, 23, 15, 0), 4 * time.Hour, at(2026, 10, 26, 10, 30)},
		{"Easter 2026", at(2026, 4, 1, 15, 0), 4 * time.Hour, at(2026, 4, 7, 10, 30)},
		{"Easter and DST 2027", at(2027, 3, 24, 15, 0), 4 * time.Hour, at(2027, 3, 30, 10, 30)},
		{"1 May 2026", at(2026, 4, 30, 15, 0), 4 * time.Hour, at(2026, 5, 4, 10, 30)},
		{"Ascension 2026", at(2026, 5, 13, 15, 0), 4 * time.Hour, at(2026, 5, 15, 10, 30)},
		{"Ascension 2027", at(2027, 5, 5, 15, 0), 4 * time.Hour, at(2027, 5, 7, 10, 30)},
		{"17 May 2026 is a Sunday", at(2026, 5, 15, 15, 0), 4 * time.Hour, at(2026, 5, 18, 10, 30)},
		{"17 May 2027 is a Monday", at(2027, 5, 14, 15, 0), 4 * time.Hour, at(2027, 5, 18, 10, 30)},
		{"Whit Monday 2026", at(2026, 5, 22, 15, 0), 4 * time.Hour, at(2026, 5, 26, 10, 30)},
		{"Christmas", at(2026, 12, 23, 15, 0), 4 * time.Hour, at(2026, 12, 28, 10, 30)},
		{"New Year", at(2026, 12, 30, 15, 0), 4 * time.Hour, at(2027, 1, 4, 10, 30)},
		{"just after closing, below a second", at(2026, 3, 26, 16, 0).Add(500 * time.Millisecond), time.Hour, at(2026, 3, 27, 8, 30)},
		{"nanoseconds kept", at(2026, 3, 2, 9, 0).Add(123), time.Hour, at(2026, 3, 2, 10, 0).Add(123)},
		{"start in UTC", time.Date(2026, 3, 27, 14, 0, 0, 0, time.UTC), 4 * time.Hour, at(2026, 3, 30, 10, 30)},
		{"85 h is ten days", at(2026, 1, 5, 7, 30), 85 * time.Hour, at(2026, 1, 16, 16, 0)},
	}
	for _, tt := range tests {
		got := c.Add(tt.start, tt.d)
		if !got.Equal(tt.want) || got.Location() != oslo {
			t.Errorf("%s: Add(%s, %v) = %s; want %s", tt.name, show(tt.start), tt.d, show(got), show(tt.want))
		}
	}
}

func TestBetween(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"one day", at(2026, 3, 2, 0, 0), at(2026, 3, 3, 0, 0), hours(8.5)},
		{"service hours are half-open", at(2026, 3, 2, 7, 30), at(2026, 3, 2, 16, 0), hours(8.5)},
		{"closed overnight", at(2026, 3, 2, 16, 0), at(2026, 3, 3, 7, 30), 0},
		{"spring DST weekend", at(2026, 3, 27, 15, 0), at(2026, 3, 30, 10, 30), 4 * time.Hour},
		{"autumn DST weekend", at(2026, 10, 23, 15, 0), at(2026, 10, 26, 10, 30), 4 * time.Hour},
		{"the 23-hour Sunday counts nothing", at(2026, 3, 28, 0, 0), at(2026, 3, 30, 8, 30), time.Hour},
		{"the 25-hour Sunday counts nothing", at(2026, 10, 24, 0, 0), at(2026, 10, 26, 8, 30), time.Hour},
		{"Easter week 2026", at(2026, 3, 30, 0, 0), at(2026, 4, 6, 0, 0), hours(3 * 8.5)},
		{"Easter week 2027", at(2027, 3, 22, 0, 0), at(2027, 3, 30, 0, 0), hours(3 * 8.5)},
		{"week of 17 May 2027", at(2027, 5, 17, 0, 0), at(2027, 5, 24, 0, 0), hours(4 * 8.5)},
		{"Christmas to New Year", at(2026, 12, 23, 15, 0), at(2027, 1, 4, 7, 30), hours(1 + 3*8.5)},
		{"just after closing, below a second", at(2026, 3, 26, 16, 0).Add(500 * time.Millisecond), at(2026, 3, 26, 17, 0), 0},
		{"empty", at(2026, 3, 2, 10, 0), at(2026, 3, 2, 10, 0), 0},
		{"reversed", at(2026, 3, 3, 10, 0), at(2026, 3, 2, 10, 0), 0},
		{"mixed zones", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), at(2026, 3, 2, 10, 0), time.Hour},
	}
	for _, tt := range tests {
		if got := c.Between(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Between(%s, %s) = %v; want %v", tt.name, show(tt.a), show(tt.b), got, tt.want)
		}
	}
}

// TestSLADefaultTargets runs API.md's default targets from a few starts.
func TestSLADefaultTargets(t *testing.T) {
	c := Default()
	targets := []struct {
		priority             string
		response, resolution time.Duration
	}{
		{"critical", hours(0.5), hours(4)},
		{"high", hours(1), hours(8.5)},
		{"normal", hours(4), hours(25.5)},
		{"low", hours(8.5), hours(85)},
	}
	tests := []struct {
		start time.Time
		// due per priority above: response, resolution
		want [4][2]time.Time
	}{
		{at(2026, 3, 2, 9, 0), [4][2]time.Time{ // an ordinary Monday
			{at(2026, 3, 2, 9, 30), at(2026, 3, 2, 13, 0)},
			{at(2026, 3, 2, 10, 0), at(2026, 3, 3, 9, 0)},
			{at(2026, 3, 2, 13, 0), at(2026, 3, 5, 9, 0)},
			{at(2026, 3, 3, 9, 0), at(2026, 3, 16, 9, 0)},
		}},
		{at(2026, 3, 27, 15, 0), [4][2]time.Time{ // Friday before DST and Easter week
			{at(2026, 3, 27, 15, 30), at(2026, 3, 30, 10, 30)},
			{at(2026, 3, 27, 16, 0), at(2026, 3, 30, 15, 0)},
			{at(2026, 3, 30, 10, 30), at(2026, 4, 1, 15, 0)},
			{at(2026, 3, 30, 15, 0), at(2026, 4, 15, 15, 0)},
		}},
		{at(2026, 12, 23, 15, 0), [4][2]time.Time{ // Wednesday before Christmas
			{at(2026, 12, 23, 15, 30), at(2026, 12, 28, 10, 30)},
			{at(2026, 12, 23, 16, 0), at(2026, 12, 28, 15, 0)},
			{at(2026, 12, 28, 10, 30), at(2026, 12, 30, 15, 0)},
			{at(2026, 12, 28, 15, 0), at(2027, 1, 12, 15, 0)},
		}},
	}
	for _, tt := range tests {
		for i, p := range targets {
			for j, d := range []time.Duration{p.response, p.resolution} {
				got, want := c.Add(tt.start, d), tt.want[i][j]
				if !got.Equal(want) {
					t.Errorf("%s %v from %s: due %s; want %s", p.priority, d, show(tt.start), show(got), show(want))
				}
				if used := c.Between(tt.start, got); used != d {
					t.Errorf("%s from %s: Between(start, due) = %v; want %v", p.priority, show(tt.start), used, d)
				}
			}
		}
	}
}

// randomInstant is uniform over 2026–2027 (both DST switches, two
// Easters, two Christmases), to the nanosecond.
func randomInstant(r *rand.Rand) time.Time {
	from := at(2026, 1, 1, 0, 0)
	return from.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
}

func TestAddBetweenInverse(t *testing.T) {
	c := Default()
	r := rand.New(rand.NewPCG(2026, 5))
	for range 5000 {
		start := randomInstant(r)
		d := time.Duration(r.Int64N(int64(100 * time.Hour)))
		if r.IntN(4) == 0 {
			d = d.Truncate(30 * time.Minute) // whole targets land on closing times
		}
		due := c.Add(start, d)
		if got := c.Between(start, due); got != d {
			t.Fatalf("Between(%s, Add(start, %v) = %s) = %v; want %v", show(start), d, show(due), got, d)
		}
		// Add never answers with a closed instant other than a closing time.
		if _, close, _ := c.Hours(c.DateOf(due)); !c.IsOpen(due) && !due.Equal(close) {
			t.Fatalf("Add(%s, %v) = %s, outside service hours", show(start), d, show(due))
		}
		// The other way round, Add lands on the earliest instant with that much service time.
		end := start.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
		// (With none, Add gives the next opening, which may be after end.)
		used := c.Between(start, end)
		back := c.Add(start, used)
		if used > 0 && (back.After(end) || c.Between(start, back.Add(-time.Nanosecond)) >= used) {
			t.Fatalf("Add(%s, Between(start, %s)) = %s; want the earliest instant with the same service time", show(start), show(end), show(back))
		}
	}
}

func TestIntervals(t *testing.T) {
	c := Default()
	a, b := at(2026, 3, 27, 15, 0), at(2026, 3, 30, 10, 30)
	want := []Interval{
		{at(2026, 3, 27, 15, 0), at(2026, 3, 27, 16, 0), true},
		{at(2026, 3, 27, 16, 0), at(2026, 3, 30, 7, 30), false},
		{at(2026, 3, 30, 7, 30), at(2026, 3, 30, 10, 30), true},
	}
	got := c.Intervals(a, b)
	if len(got) != len(want) {
		t.Fatalf("Intervals(%s, %s) = %v; want %v", show(a), show(b), got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) || got[i].Open != want[i].Open {
			t.Errorf("interval %d = %s – %s open %v; want %s – %s open %v", i,
				show(got[i].Start), show(got[i].End), got[i].Open, show(want[i].Start), show(want[i].End), want[i].Open)
		}
	}
	// Friday 16:00 CET to Monday 07:30 CEST is 63.5 wall-clock hours but
	// only 62.5 real ones.
	if d := got[1].Duration(); d != hours(62.5) {
		t.Errorf("closed weekend over the DST switch lasts %v; want %v", d, hours(62.5))
	}
	if got := c.Intervals(at(2026, 3, 28, 9, 0), at(2026, 3, 28, 10, 0)); len(got) != 1 || got[0].Open {
		t.Errorf("Intervals within a Saturday = %v; want one closed interval", got)
	}
	if got := c.Intervals(b, a); got != nil {
		t.Errorf("Intervals(b, a) = %v; want nil", got)
	}
}

func TestIntervalsCoverRange(t *testing.T) {
	c := Default()
	r := rand.New(rand.NewPCG(17, 5))
	for range 1000 {
		a := randomInstant(r)
		b := a.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
		ivs := c.Intervals(a, b)
		var open time.Duration
		pos := a
		for i, iv := range ivs {
			if !iv.Start.Equal(pos) || !iv.Start.Before(iv.End) || (i > 0 && iv.Open == ivs[i-1].Open) || iv.Start.Location() != oslo {
				t.Fatalf("Intervals(%s, %s): interval %d %v does not continue from %s or alternate", show(a), show(b), i, iv, show(pos))
			}
			if iv.Open {
				open += iv.Duration()
				if !c.IsOpen(iv.Start) || !c.IsOpen(iv.End.Add(-time.Nanosecond)) {
					t.Fatalf("open interval %v is not in service hours", iv)
				}
			} else if c.IsOpen(iv.Start) || c.IsOpen(iv.End.Add(-time.Nanosecond)) {
				t.Fatalf("closed interval %v is in service hours", iv)
			}
			pos = iv.End
		}
		if !pos.Equal(b) {
			t.Fatalf("Intervals(%s, %s) end at %s", show(a), show(b), show(pos))
		}
		if want := c.Between(a, b); open != want {
			t.Fatalf("Intervals(%s, %s) open sum %v; Between %v", show(a), show(b), open, want)
		}
	}
}

func TestAddDays(t *testing.T) {
	c := Default()
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"next day", at(2026, 3, 2, 10, 15), 1, at(2026, 3, 3, 10, 15)},
		{"a week", at(2026, 3, 2, 10, 15), 5, at(2026, 3, 9, 10, 15)},
		{"zero in hours", at(2026, 3, 2, 10, 15), 0, at(2026, 3, 2, 10, 15)},
		{"zero on Saturday", at(2026, 3, 7, 12, 0), 0, at(2026, 3, 9, 7, 30)},
		{"negative counts as zero", at(2026, 3, 2, 10, 15), -2, at(2026, 3, 2, 10, 15)},
		{"Saturday starts at the next opening", at(2026, 3, 7, 12, 0), 1, at(2026, 3, 10, 7, 30)},
		{"after closing starts at the next opening", at(2026, 3, 6, 17, 0), 1, at(2026, 3, 10, 7, 30)},
		{"closing time belongs to its day", at(2026, 3, 6, 16, 0), 1, at(2026, 3, 9, 16, 0)},
		{"wall clock kept over DST", at(2026, 3, 27, 10, 0), 1, at(2026, 3, 30, 10, 0)},
		{"Easter 2026", at(2026, 4, 1, 10, 0), 1, at(2026, 4, 7, 10, 0)},
		{"Easter 2027", at(2027, 3, 24, 10, 0), 2, at(2027, 3, 31, 10, 0)},
		{"Christmas", at(2026, 12, 23, 14, 0), 1, at(2026, 12, 28, 14, 0)},
		{"New Year", at(2026, 12, 23, 14, 0), 4, at(2027, 1, 4, 14, 0)},
		{"17 May 2027", at(2027, 5, 14, 9, 0), 1, at(2027, 5, 18, 9, 0)},
	}
	for _, tt := range tests {
		got := c.AddDays(tt.start, tt.n)
		if !got.Equal(tt.want) || got.Location() != oslo {
			t.Errorf("%s: AddDays(%s, %d) = %s; want %s", tt.name, show(tt.start), tt.n, show(got), show(tt.want))
		}
	}
}

// TestSharedCalendar uses one Calendar from many goroutines, as workflows
// on one worker do; run with -race it shows that nothing is written.
func TestSharedCalendar(t *testing.T) {
	c := Default()
	for i := range 4 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			start := at(2026, 12, 20+i, 10, 0)
			for range 50 {
				if got := c.Between(start, c.Add(start, 85*time.Hour)); got != 85*time.Hour {
					t.Errorf("Between(Add(85 h)) = %v", got)
				}
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	c := Default()
	// Low-priority resolution over Christmas and New Year: 85 h, 10 working days.
	start := at(2026, 12, 23, 15, 0)
	for b.Loop() {
		c.Add(start, 85*time.Hour)
	}
}

// TestDSTOnAWorkday checks that opening and closing follow the wall clock
// on a working day whose clock jumps before opening. Oslo switches on
// Sundays, so Cairo stands in: on Friday 28 April 2023 its clocks went
// from 00:00 to 01:00. Counting from midnight would open at 08:30.
func TestDSTOnAWorkday(t *testing.T) {
	c, err := New(Config{Location: "Africa/Cairo"})
	if err != nil {
		t.Fatal(err)
	}
	cairo := c.Location()
	open, close, ok := c.Hours(Date{2023, 4, 28})
	if want := time.Date(2023, 4, 28, 7, 30, 0, 0, cairo); !ok || !open.Equal(want) || open.Hour() != 7 {
		t.Errorf("Hours(2023-04-28) open = %s, %v; want %s", show(open), ok, show(want))
	}
	if want := time.Date(2023, 4, 28, 16, 0, 0, 0, cairo); !close.Equal(want) {
		t.Errorf("Hours(2023-04-28) close = %s; want %s", show(close), show(want))
	}
	start := time.Date(2023, 4, 27, 15, 0, 0, 0, cairo)
	if got, want := c.Add(start, 2*time.Hour), time.Date(2023, 4, 28, 8, 30, 0, 0, cairo); !got.Equal(want) {
		t.Errorf("Add(%s, 2h) = %s; want %s", show(start), show(got), show(want))
	}
	if got := c.Between(start, time.Date(2023, 4, 29, 0, 0, 0, 0, cairo)); got != hours(9.5) {
		t.Errorf("Between(Thu 15:00, Sat 00:00) = %v; want 9h30m", got)
	}
}
