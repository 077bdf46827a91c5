package helpdesk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Durations in the record read as ISO 8601 (PT25H30M: 25.5 service hours;
// PT1H23M45.5S), exact to the nanosecond. SLA events recorded before were
// written as integer nanoseconds (3600000000000); they are never
// rewritten (the hash chain covers them) and still decode.

// ISODuration is a time.Duration written as an ISO 8601 duration in
// hours, minutes and seconds, and read from that or from a number of
// nanoseconds.
type ISODuration time.Duration

// FormatISODuration writes d as PT…H…M…S, leaving out zero parts (PT0S
// for none).
func FormatISODuration(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		if d == math.MinInt64 {
			d++ // cannot be negated; a nanosecond does not matter here
		}
		d = -d
	}
	b.WriteString("PT")
	h, rest := d/time.Hour, d%time.Hour
	m, rest := rest/time.Minute, rest%time.Minute
	if h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "H")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "M")
	}
	if rest > 0 || (h == 0 && m == 0) {
		s := strconv.FormatInt(int64(rest/time.Second), 10)
		if ns := rest % time.Second; ns > 0 {
			s += strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")
		}
		b.WriteString(s + "S")
	}
	return b.String()
}

var errISODuration = errors.New("not an ISO 8601 duration of hours, minutes and seconds (PT25H30M)")

// ParseISODuration reads what FormatISODuration writes (any of H, M, S,
// in that order, whole or, for seconds, with up to nine decimals).
func ParseISODuration(s string) (time.Duration, error) {
	neg := strings.HasPrefix(s, "-")
	rest, ok := strings.CutPrefix(strings.TrimPrefix(s, "-"), "PT")
	if !ok || rest == "" {
		return 0, errISODuration
	}
	var d time.Duration
	units := []struct {
		sep  byte
		unit time.Duration
	}{{'H', time.Hour}, {'M', time.Minute}, {'S', time.Second}}
	for _, u := range units {
		i := strings.IndexByte(rest, u.sep)
		if i < 0 {
			continue
		}
		num := rest[:i]
		rest = rest[i+1:]
		whole, frac, hasFrac := strings.Cut(num, ".")
		if whole == "" || (hasFrac && (u.sep != 'S' || frac == "" || len(frac) > 9)) {
			return 0, errISODuration
		}
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || n < 0 || n > int64(math.MaxInt64/u.unit) {
			return 0, errISODuration
		}
		d += time.Duration(n) * u.unit
		if hasFrac {
			ns, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
			if err != nil {
				return 0, errISODuration
			}
			d += time.Duration(ns)
		}
	}
	if rest != "" {
		return 0, errISODuration
	}
	if neg {
		d = -d
	}
	return d, nil
}

// MarshalJSON writes d as an ISO 8601 string.
func (d ISODuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatISODuration(time.Duration(d)))
}

// UnmarshalJSON reads an ISO 8601 string, or integer nanoseconds as
// events recorded before were written.
func (d *ISODuration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseISODuration(s)
		if err != nil {
			return fmt.Errorf("%q: %w", s, err)
		}
		*d = ISODuration(v)
		return nil
	}
	var ns int64
	if err := json.Unmarshal(b, &ns); err != nil {
		return fmt.Errorf("a duration is an ISO 8601 string or nanoseconds: %w", err)
	}
	*d = ISODuration(ns)
	return nil
}

// The SLA events with durations write them as ISO 8601.

type slaStartedJSON SLAStarted

// MarshalJSON writes the targets as ISO 8601 durations.
func (e SLAStarted) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		slaStartedJSON
		ResponseTarget   ISODuration `json:"responseTarget"`
		ResolutionTarget ISODuration `json:"resolutionTarget"`
	}{slaStartedJSON(e), ISODuration(e.ResponseTarget), ISODuration(e.ResolutionTarget)})
}

// UnmarshalJSON reads the targets as ISO 8601 or nanoseconds.
func (e *SLAStarted) UnmarshalJSON(b []byte) error {
	var v struct {
		*slaStartedJSON
		ResponseTarget   ISODuration `json:"responseTarget"`
		ResolutionTarget ISODuration `json:"resolutionTarget"`
	}
	v.slaStartedJSON = (*slaStartedJSON)(e)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.ResponseTarget, e.ResolutionTarget = time.Duration(v.ResponseTarget), time.Duration(v.ResolutionTarget)
	return nil
}

type slaPausedJSON SLAPaused

// MarshalJSON writes the service time used as an ISO 8601 duration.
func (e SLAPaused) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		slaPausedJSON
		Used ISODuration `json:"used"`
	}{slaPausedJSON(e), ISODuration(e.Used)})
}

// UnmarshalJSON reads the service time used as ISO 8601 or nanoseconds.
func (e *SLAPaused) UnmarshalJSON(b []byte) error {
	var v struct {
		*slaPausedJSON
		Used ISODuration `json:"used"`
	}
	v.slaPausedJSON = (*slaPausedJSON)(e)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.Used = time.Duration(v.Used)
	return nil
}

type slaStoppedJSON SLAStopped

// MarshalJSON writes the service time used as an ISO 8601 duration.
func (e SLAStopped) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		slaStoppedJSON
		Used ISODuration `json:"used"`
	}{slaStoppedJSON(e), ISODuration(e.Used)})
}

// UnmarshalJSON reads the service time used as ISO 8601 or nanoseconds.
func (e *SLAStopped) UnmarshalJSON(b []byte) error {
	var v struct {
		*slaStoppedJSON
		Used ISODuration `json:"used"`
	}
	v.slaStoppedJSON = (*slaStoppedJSON)(e)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.Used = time.Duration(v.Used)
	return nil
}
