package helpdesk

import (
	"encoding/json"
	"testing"
	"time"
)

func TestISODurations(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "PT0S", 30 * time.Minute: "PT30M", time.Hour: "PT1H", 25*time.Hour + 30*time.Minute: "PT25H30M",
		85 * time.Hour: "PT85H", time.Hour + 23*time.Minute + 45*time.Second + 500*time.Millisecond: "PT1H23M45.5S",
		time.Nanosecond: "PT0.000000001S", -90 * time.Second: "-PT1M30S",
	} {
		if got := FormatISODuration(d); got != want {
			t.Errorf("FormatISODuration(%v) = %s, want %s", d, got, want)
		}
		if back, err := ParseISODuration(want); err != nil || back != d {
			t.Errorf("ParseISODuration(%s) = %v, %v; want %v", want, back, err, d)
		}
	}
	for _, bad := range []string{"", "PT", "P1D", "1H", "PT1.5H", "PT1S2M", "PTxH", "PT1H2", "PT0.1234567891S"} {
		if _, err := ParseISODuration(bad); err == nil {
			t.Errorf("ParseISODuration(%q) took it", bad)
		}
	}
}

// SLA events are written with ISO 8601 durations; those recorded with
// nanoseconds read the same.
func TestSLAEventsWriteReadableDurations(t *testing.T) {
	due := time.Date(2026, 12, 2, 8, 30, 0, 0, Oslo)
	e := SLAStarted{Priority: PriorityHigh, ResponseTarget: time.Hour, ResolutionTarget: 8*time.Hour + 30*time.Minute, ResponseDue: due, ResolutionDue: due}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"priority":"high","responseDue":"2026-12-02T08:30:00+01:00","resolutionDue":"2026-12-02T08:30:00+01:00","responseTarget":"PT1H","resolutionTarget":"PT8H30M"}`; string(b) != want {
		t.Errorf("SLAStarted = %s, want %s", b, want)
	}
	for _, data := range []string{string(b),
		`{"priority":"high","responseTarget":3600000000000,"resolutionTarget":30600000000000,"responseDue":"2026-12-02T08:30:00+01:00","resolutionDue":"2026-12-02T08:30:00+01:00"}`} {
		ev, err := DecodeEvent("SLAStarted", []byte(data))
		if got, ok := ev.(SLAStarted); err != nil || !ok || got.ResponseTarget != e.ResponseTarget || got.ResolutionTarget != e.ResolutionTarget || !got.ResponseDue.Equal(due) || got.Priority != PriorityHigh {
			t.Errorf("decode %s = %+v, %v", data, ev, err)
		}
	}
	for typ, ev := range map[string]Event{"SLAPaused": SLAPaused{Used: 90 * time.Minute}, "SLAStopped": SLAStopped{Used: 90 * time.Minute, WithinTarget: true}} {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeEvent(typ, b)
		if err != nil || back != ev {
			t.Errorf("%s %s decodes as %+v, %v", typ, b, back, err)
		}
		old, err := DecodeEvent(typ, []byte(`{"used":5400000000000,"withinTarget":true}`))
		if err != nil {
			t.Errorf("%s in nanoseconds: %v", typ, err)
		}
		if p, ok := old.(SLAPaused); ok && p.Used != 90*time.Minute {
			t.Errorf("old SLAPaused = %+v", p)
		}
		if s, ok := old.(SLAStopped); ok && (s.Used != 90*time.Minute || !s.WithinTarget) {
			t.Errorf("old SLAStopped = %+v", s)
		}
	}
	if b, _ := json.Marshal(SLAPaused{Used: 90 * time.Minute}); string(b) != `{"used":"PT1H30M"}` {
		t.Errorf("SLAPaused = %s", b)
	}
}
