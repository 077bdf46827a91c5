package query

import (
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestOneRuleForEveryQueryString: the class of /reports/kpi accepting
// ?from=a&from=b, for any endpoint's parameters.
func TestOneRuleForEveryQueryString(t *testing.T) {
	kpi := []string{"from", "to"}
	for _, tc := range []struct {
		raw   string
		known []string
		field string
	}{
		{"from=2026-01-01&from=2026-06-01", kpi, "from"},
		{"to=2026-01-01&to=", kpi, "to"},
		{"from=2026-01-01&form=2026-02-01", kpi, "form"},
		{"status=new&status=closed", []string{"status", "q"}, "status"},
		{"q=%E2%80%AEabc", []string{"q"}, "q"},
		{"q=a%0Ab", []string{"q"}, "q"},
		{"q=%FF", []string{"q"}, "q"},
		{"a=%zz", []string{"a"}, ""},
	} {
		_, err := Parse(tc.raw, tc.known...)
		se, ok := helpdesk.AsStepError(err)
		if !ok || se.Code != helpdesk.CodeInvalid || se.Field != tc.field || se.English == "" {
			t.Errorf("Parse(%q) = %v, want invalid naming %q", tc.raw, err, tc.field)
		}
	}
	q, err := Parse("from=2026-01-01&to=2026-02-01", kpi...)
	if err != nil || q.Get("from") != "2026-01-01" || q.Get("to") != "2026-02-01" {
		t.Errorf("a good query: %v, %v", q, err)
	}
	if q, err := Parse("q=%20A%CC%8Agot%20", "q"); err != nil || q.Get("q") != "Ågot" {
		t.Errorf("q is cleaned: %q, %v", q.Get("q"), err)
	}
	if _, err := Parse("", kpi...); err != nil {
		t.Errorf("no query: %v", err)
	}
}

func TestTimeTakesAnUnescapedPlusOfTheOffset(t *testing.T) {
	want := time.Date(2026, 11, 24, 9, 0, 0, 0, time.FixedZone("", 3600))
	for _, v := range []string{"2026-11-24T09:00:00+01:00", "2026-11-24T09:00:00 01:00", "2026-11-24T08:00:00Z"} {
		got, err := Time("asOf", v)
		if err != nil || !got.Equal(want) {
			t.Errorf("Time(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"yesterday", "2026-11-24 09:00:00 01:00", "2026-11-24T09:00:00  01:00"} {
		if _, err := Time("asOf", v); err == nil {
			t.Errorf("Time(%q) accepted", v)
		}
	}
}
