package calendar

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestShortDays(t *testing.T) {
	c, err := New(Config{SpecialDays: []SpecialDay{
		{Month: time.December, Day: 24, Close: At(12, 0), Name: "Julaften"},
		{Month: time.December, Day: 31, Close: At(12, 0), Name: "Nyttårsaften"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.IsOpen(at(2026, 12, 24, 11, 59)); !got {
		t.Errorf("IsOpen(24 Dec 11:59) = %v; want true", got)
	}
	if got := c.IsOpen(at(2026, 12, 24, 12, 0)); got {
		t.Errorf("IsOpen(24 Dec 12:00) = %v; want false", got)
	}
	if name, ok := c.Holiday(Date{2026, 12, 24}); ok {
		t.Errorf("Holiday(24 Dec) = %q, %v; want a short day, not closed", name, ok)
	}
	open, close, ok := c.Hours(Date{2026, 12, 24})
	if !ok || !open.Equal(at(2026, 12, 24, 7, 30)) || !close.Equal(at(2026, 12, 24, 12, 0)) {
		t.Errorf("Hours(24 Dec) = %s – %s, %v; want 07:30 – 12:00", show(open), show(close), ok)
	}
	adds := []struct {
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{at(2026, 12, 23, 15, 0), 4 * time.Hour, at(2026, 12, 24, 10, 30)}, // 1 h + 3 h
		{at(2026, 12, 23, 15, 0), hours(8.5), at(2026, 12, 28, 10, 30)},    // 1 h + 4.5 h + 3 h
		{at(2026, 12, 30, 15, 0), 6 * time.Hour, at(2027, 1, 4, 8, 0)},     // 1 h + 4.5 h + 0.5 h
		{at(2026, 12, 24, 12, 0), time.Minute, at(2026, 12, 28, 7, 31)},    // after the short day closed
		{at(2026, 12, 24, 11, 0), time.Hour, at(2026, 12, 24, 12, 0)},      // ends at the early close
		{at(2025, 12, 24, 11, 0), 2 * time.Hour, at(2025, 12, 29, 8, 30)},  // 25, 26 Dec 2025 are Thu, Fri
		{at(2027, 12, 23, 15, 0), 4 * time.Hour, at(2027, 12, 24, 10, 30)}, // 24 Dec 2027 is a Friday
		{at(2027, 12, 30, 15, 0), 2 * time.Hour, at(2027, 12, 31, 8, 30)},  // 31 Dec 2027 is a Friday
		{at(2028, 12, 22, 15, 0), 2 * time.Hour, at(2028, 12, 27, 8, 30)},  // 24 Dec 2028 is a Sunday
		{at(2026, 12, 23, 15, 0), hours(1 + 4.5), at(2026, 12, 24, 12, 0)}, // exactly to the early close
		{at(2026, 12, 23, 15, 0), hours(1+4.5) + 1, at(2026, 12, 28, 7, 30).Add(1)},
	}
	for _, tt := range adds {
		if got := c.Add(tt.start, tt.d); !got.Equal(tt.want) {
			t.Errorf("Add(%s, %v) = %s; want %s", show(tt.start), tt.d, show(got), show(tt.want))
		}
	}
	if got, want := c.Between(at(2026, 12, 24, 0, 0), at(2026, 12, 25, 0, 0)), hours(4.5); got != want {
		t.Errorf("Between over 24 Dec = %v; want %v", got, want)
	}
	// 14:00 the day before is after the short day's close, so it clamps.
	if got, want := c.AddDays(at(2026, 12, 23, 14, 0), 1), at(2026, 12, 24, 12, 0); !got.Equal(want) {
		t.Errorf("AddDays(23 Dec 14:00, 1) = %s; want %s", show(got), show(want))
	}
}

func TestSpecialDays(t *testing.T) {
	c, err := New(Config{
		Open:  At(8, 0),
		Close: At(15, 30),
		SpecialDays: append(DefaultSpecialDays(),
			SpecialDay{Year: 2026, Month: time.June, Day: 19, Name: "Flytting"},
			SpecialDay{Year: 2027, Month: time.December, Day: 24, Close: At(12, 0), Name: "Julaften"},
		),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		d         Date
		open      bool
		wantOpen  time.Time
		wantClose time.Time
	}{
		{Date{2026, 3, 2}, true, at(2026, 3, 2, 8, 0), at(2026, 3, 2, 15, 30)},
		{Date{2026, 6, 19}, false, time.Time{}, time.Time{}},                        // one-off closure
		{Date{2027, 6, 18}, true, at(2027, 6, 18, 8, 0), at(2027, 6, 18, 15, 30)},   // a year later: open
		{Date{2026, 12, 24}, false, time.Time{}, time.Time{}},                       // yearly default: closed
		{Date{2027, 12, 24}, true, at(2027, 12, 24, 8, 0), at(2027, 12, 24, 12, 0)}, // dated entry wins
	}
	for _, tt := range tests {
		open, close, ok := c.Hours(tt.d)
		if ok != tt.open || !open.Equal(tt.wantOpen) || !close.Equal(tt.wantClose) {
			t.Errorf("Hours(%v) = %s – %s, %v; want %s – %s, %v", tt.d, show(open), show(close), ok, show(tt.wantOpen), show(tt.wantClose), tt.open)
		}
	}
	if name, ok := c.Holiday(Date{2026, 6, 19}); name != "Flytting" || !ok {
		t.Errorf("Holiday(2026-06-19) = %q, %v; want Flytting, true", name, ok)
	}

	none, err := New(Config{SpecialDays: []SpecialDay{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := none.Between(at(2026, 12, 24, 0, 0), at(2026, 12, 25, 0, 0)); got != hours(8.5) {
		t.Errorf("with no special days, Between over 24 Dec = %v; want 8h30m", got)
	}
}

func TestNewRefusesInvalidConfig(t *testing.T) {
	tooMany := make([]SpecialDay, maxSpecialDays+1)
	for i := range tooMany {
		tooMany[i] = SpecialDay{Year: 2030 + i, Month: time.June, Day: 1}
	}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unknown location", Config{Location: "Europe/Bergen"}},
		{"host location", Config{Location: "Local"}},
		{"open after close", Config{Open: At(17, 0)}},
		{"open equals close", Config{Open: At(9, 0), Close: At(9, 0)}},
		{"close after midnight", Config{Close: At(25, 0)}},
		{"negative open", Config{Open: -At(1, 0)}},
		{"seconds", Config{Open: At(7, 30) + TimeOfDay(time.Second)}},
		{"month 13", Config{SpecialDays: []SpecialDay{{Month: 13, Day: 1}}}},
		{"month 0", Config{SpecialDays: []SpecialDay{{Day: 1}}}},
		{"day 0", Config{SpecialDays: []SpecialDay{{Month: 12}}}},
		{"31 April", Config{SpecialDays: []SpecialDay{{Month: 4, Day: 31}}}},
		{"29 February 2026", Config{SpecialDays: []SpecialDay{{Year: 2026, Month: 2, Day: 29}}}},
		{"negative year", Config{SpecialDays: []SpecialDay{{Year: -1, Month: 2, Day: 1}}}},
		{"short day closes before opening", Config{SpecialDays: []SpecialDay{{Month: 12, Day: 24, Close: At(7, 0)}}}},
		{"short day closes at opening", Config{SpecialDays: []SpecialDay{{Month: 12, Day: 24, Close: At(7, 30)}}}},
		{"short day is not short", Config{SpecialDays: []SpecialDay{{Month: 12, Day: 24, Close: At(16, 0)}}}},
		{"short day seconds", Config{SpecialDays: []SpecialDay{{Month: 12, Day: 24, Close: At(12, 0) + 1}}}},
		{"duplicate", Config{SpecialDays: []SpecialDay{{Month: 12, Day: 24}, {Month: 12, Day: 24, Close: At(12, 0)}}}},
		{"too many", Config{SpecialDays: tooMany}},
	}
	for _, tt := range tests {
		c, err := New(tt.cfg)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: New(%+v) = %v, %v; want ErrInvalidConfig", tt.name, tt.cfg, c, err)
		}
	}
	// The edges that are allowed.
	for _, cfg := range []Config{
		{Location: "UTC", Open: At(0, 1), Close: At(24, 0)},
		{SpecialDays: []SpecialDay{{Month: 2, Day: 29}, {Year: 2028, Month: 2, Day: 29}}},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v) = %v; want no error", cfg, err)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	got := Default().Config()
	want := Config{Location: "Europe/Oslo", Open: At(7, 30), Close: At(16, 0), SpecialDays: DefaultSpecialDays()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Default().Config() = %+v; want %+v", got, want)
	}
	// Config hands out a copy.
	got.SpecialDays[0].Close = At(12, 0)
	if Default().IsOpen(at(2026, 12, 24, 9, 0)) {
		t.Error("changing the result of Config changed the calendar")
	}
}

func TestConfigJSON(t *testing.T) {
	in := `{"location":"Europe/Oslo","open":"08:00","close":"15:30",` +
		`"specialDays":[{"month":12,"day":24,"close":"12:00","name":"Julaften"},{"year":2026,"month":6,"day":19,"name":"Flytting"}]}`
	var cfg Config
	if err := json.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	want := Config{Location: "Europe/Oslo", Open: At(8, 0), Close: At(15, 30), SpecialDays: []SpecialDay{
		{Month: 12, Day: 24, Close: At(12, 0), Name: "Julaften"},
		{Year: 2026, Month: 6, Day: 19, Name: "Flytting"},
	}}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("Unmarshal = %+v; want %+v", cfg, want)
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("Marshal = %s; want %s", out, in)
	}

	// nil (defaults) and empty (no special days) must both survive a
	// workflow input's round trip.
	for _, cfg := range []Config{{}, {SpecialDays: []SpecialDay{}}} {
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var back Config
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if (back.SpecialDays == nil) != (cfg.SpecialDays == nil) || len(back.SpecialDays) != 0 {
			t.Errorf("round trip of %s gave special days %#v; want %#v", b, back.SpecialDays, cfg.SpecialDays)
		}
	}

	for _, bad := range []string{`{"open":"7:30"}`, `{"open":"24:30"}`, `{"close":"16:60"}`, `{"open":"ab:cd"}`} {
		if err := json.Unmarshal([]byte(bad), &cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Unmarshal(%s) = %v; want ErrInvalidConfig", bad, err)
		}
	}
	if _, err := json.Marshal(Config{Open: At(7, 30) + 1}); err == nil {
		t.Error("Marshal of a time of day that is not a whole minute succeeded")
	}

	var d Date
	if err := json.Unmarshal([]byte(`"2026-12-24"`), &d); err != nil || d != (Date{2026, 12, 24}) {
		t.Errorf("Unmarshal date = %v, %v; want 2026-12-24", d, err)
	}
	if b, _ := json.Marshal(Date{2027, 5, 17}); string(b) != `"2027-05-17"` {
		t.Errorf("Marshal date = %s; want \"2027-05-17\"", b)
	}
}
