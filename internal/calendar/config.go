package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	// Embedded zone data, so a worker in a minimal container (no
	// /usr/share/zoneinfo) still finds Europe/Oslo instead of failing
	// every workflow that builds a calendar.
	_ "time/tzdata"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("invalid calendar config")

// The defaults a zero Config stands for.
const (
	DefaultLocation = "Europe/Oslo"
	DefaultOpen     = TimeOfDay(7*time.Hour + 30*time.Minute)
	DefaultClose    = TimeOfDay(16 * time.Hour)
)

// maxSpecialDays bounds SpecialDays. Besides catching a runaway config,
// it guarantees that every year keeps open days, so the day-by-day loops
// in Add and NextOpen always end.
const maxSpecialDays = 100

// Config is the service calendar's configuration. It is plain data that
// survives a JSON round trip unchanged, because workflows carry it in
// their input; its zero value is the help desk's standard calendar.
type Config struct {
	// Location is an IANA zone name; "" means Europe/Oslo. Service hours
	// are wall-clock times there.
	Location string `json:"location,omitempty"`
	// Open and Close are the opening hours of an ordinary working day
	// (Monday to Friday, not a public holiday). Zero means 07:30 and
	// 16:00; a desk opening at midnight cannot be configured.
	Open  TimeOfDay `json:"open,omitempty"`
	Close TimeOfDay `json:"close,omitempty"`
	// SpecialDays close the desk or shorten its day on dates that are
	// not public holidays. nil means DefaultSpecialDays (Christmas Eve
	// and New Year's Eve closed); an empty, non-nil slice means none.
	// The field has no omitempty so that an empty list stays empty
	// through JSON instead of coming back as the defaults.
	SpecialDays []SpecialDay `json:"specialDays"`
}

// SpecialDay closes the desk, or closes it early, on one date: every year
// when Year is 0, otherwise in that year only. A dated entry wins over a
// yearly one for the same day. Special days on weekends and public
// holidays change nothing: the desk is closed then anyway.
type SpecialDay struct {
	Year  int        `json:"year,omitempty"`
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
	// Close is the early closing time of a short day; zero means closed
	// all day.
	Close TimeOfDay `json:"close,omitempty"`
	// Name is what Holiday reports for a closed day, in bokmål.
	Name string `json:"name,omitempty"`
}

// label names s's date in errors: "2026-06-19", or "12-24 yearly".
func (s SpecialDay) label() string {
	if s.Year == 0 {
		return fmt.Sprintf("%02d-%02d yearly", int(s.Month), s.Day)
	}
	return Date{s.Year, s.Month, s.Day}.String()
}

// DefaultSpecialDays are the days a nil Config.SpecialDays stands for:
// Christmas Eve and New Year's Eve, closed. It returns a fresh slice, so
// callers can append a short day or a one-off closure to it.
func DefaultSpecialDays() []SpecialDay {
	return []SpecialDay{
		{Month: time.December, Day: 24, Name: "Julaften"},
		{Month: time.December, Day: 31, Name: "Nyttårsaften"},
	}
}

// TimeOfDay is a local wall-clock time, as the duration since midnight.
// In JSON it is "HH:MM" ("24:00" is the end of the day).
type TimeOfDay time.Duration

// At returns the time of day hour:minute.
func At(hour, minute int) TimeOfDay {
	return TimeOfDay(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// String formats t as "HH:MM".
func (t TimeOfDay) String() string {
	d := time.Duration(t)
	if d < 0 || d > 24*time.Hour || d%time.Minute != 0 {
		return time.Duration(t).String()
	}
	return fmt.Sprintf("%02d:%02d", d/time.Hour, d%time.Hour/time.Minute)
}

// MarshalText formats t as "HH:MM"; it refuses what New would refuse.
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return []byte(t.String()), nil
}

// UnmarshalText parses "HH:MM", 00:00 to 24:00.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	s := string(b)
	bad := fmt.Errorf("calendar: time of day %q is not HH:MM: %w", s, ErrInvalidConfig)
	if len(s) != 5 || s[2] != ':' {
		return bad
	}
	h, err1 := strconv.ParseUint(s[:2], 10, 8)
	m, err2 := strconv.ParseUint(s[3:], 10, 8)
	if err1 != nil || err2 != nil || m > 59 || h > 24 || h == 24 && m != 0 {
		return bad
	}
	*t = At(int(h), int(m))
	return nil
}

func (t TimeOfDay) check() error {
	d := time.Duration(t)
	if d < 0 || d > 24*time.Hour || d%time.Minute != 0 {
		return fmt.Errorf("time of day %v is not a whole minute from 00:00 to 24:00: %w", d, ErrInvalidConfig)
	}
	return nil
}

// clock splits t into hour and minute for time.Date, which then follows
// the wall clock through daylight-saving changes.
func (t TimeOfDay) clock() (hour, minute int) {
	d := time.Duration(t)
	return int(d / time.Hour), int(d % time.Hour / time.Minute)
}

// Date is a day in the calendar, without a time or a zone. In JSON it is
// "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// MarshalText formats d as "YYYY-MM-DD".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "YYYY-MM-DD".
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("calendar: date %q: %w", b, err)
	}
	*d = Date{t.Year(), t.Month(), t.Day()}
	return nil
}

// utcNoon is d on a zone-free clock, for date arithmetic that must not
// trip over daylight saving.
func (d Date) utcNoon() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// normal rolls an out-of-range day such as 30 February over, as time.Date does.
func (d Date) normal() Date {
	y, m, dd := d.utcNoon().Date()
	return Date{y, m, dd}
}

func (d Date) next() Date {
	if d.Day < 28 {
		return Date{d.Year, d.Month, d.Day + 1}
	}
	y, m, dd := time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

func (d Date) weekday() time.Weekday { return d.utcNoon().Weekday() }

func (d Date) after(e Date) bool {
	if d.Year != e.Year {
		return d.Year > e.Year
	}
	if d.Month != e.Month {
		return d.Month > e.Month
	}
	return d.Day > e.Day
}

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// validate checks cfg and returns the calendar it describes.
func (cfg Config) validate() (*Calendar, error) {
	name := cfg.Location
	if name == "" {
		name = DefaultLocation
	}
	loc, err := loadLocation(name)
	if err != nil {
		return nil, err
	}
	c := &Calendar{loc: loc, open: DefaultOpen, close: DefaultClose, special: map[Date]SpecialDay{}}
	if cfg.Open != 0 {
		c.open = cfg.Open
	}
	if cfg.Close != 0 {
		c.close = cfg.Close
	}
	if err := c.open.check(); err != nil {
		return nil, fmt.Errorf("calendar: open: %w", err)
	}
	if err := c.close.check(); err != nil {
		return nil, fmt.Errorf("calendar: close: %w", err)
	}
	if c.open >= c.close {
		return nil, fmt.Errorf("calendar: open %v is not before close %v: %w", c.open, c.close, ErrInvalidConfig)
	}

	specials := cfg.SpecialDays
	if specials == nil {
		specials = DefaultSpecialDays()
	}
	if len(specials) > maxSpecialDays {
		return nil, fmt.Errorf("calendar: %d special days, at most %d allowed: %w", len(specials), maxSpecialDays, ErrInvalidConfig)
	}
	for i, s := range specials {
		key := Date{s.Year, s.Month, s.Day}
		if err := c.checkSpecial(s); err != nil {
			return nil, fmt.Errorf("calendar: special day %d (%s): %w", i, s.label(), err)
		}
		if _, dup := c.special[key]; dup {
			return nil, fmt.Errorf("calendar: special day %d (%s) is listed twice: %w", i, s.label(), ErrInvalidConfig)
		}
		c.special[key] = s
	}

	// Copies, so the caller's slice can change without changing c.
	c.cfg = Config{Location: name, Open: c.open, Close: c.close, SpecialDays: append([]SpecialDay{}, specials...)}
	return c, nil
}

func (c *Calendar) checkSpecial(s SpecialDay) error {
	if s.Year < 0 || s.Year > 9999 {
		return fmt.Errorf("year %d out of range: %w", s.Year, ErrInvalidConfig)
	}
	if s.Month < time.January || s.Month > time.December {
		return fmt.Errorf("month %d out of range: %w", s.Month, ErrInvalidConfig)
	}
	year := s.Year
	if year == 0 {
		year = 2024 // a leap year, so a yearly 29 February is allowed
	}
	if s.Day < 1 || (Date{year, s.Month, s.Day}).normal() != (Date{year, s.Month, s.Day}) {
		return fmt.Errorf("day %d out of range: %w", s.Day, ErrInvalidConfig)
	}
	if s.Close == 0 {
		return nil
	}
	if err := s.Close.check(); err != nil {
		return err
	}
	if s.Close <= c.open || s.Close >= c.close {
		return fmt.Errorf("short-day close %v is not between open %v and close %v: %w", s.Close, c.open, c.close, ErrInvalidConfig)
	}
	return nil
}

// zones caches loaded locations: New runs inside workflow code on every
// replay, and time.LoadLocation reads the zone database from disk each
// time it is called.
var zones = struct {
	sync.Mutex
	m map[string]*time.Location
}{m: map[string]*time.Location{}}

func loadLocation(name string) (*time.Location, error) {
	// "Local" is whatever the host says, which differs between workers
	// and would make replays disagree.
	if name == "Local" {
		return nil, fmt.Errorf("calendar: location %q depends on the host: %w", name, ErrInvalidConfig)
	}
	zones.Lock()
	defer zones.Unlock()
	if loc, ok := zones.m[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("calendar: location %q: %w: %w", name, ErrInvalidConfig, err)
	}
	zones.m[name] = loc
	return loc, nil
}
