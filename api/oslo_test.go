package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Every time in an answer reads alike, with Oslo's offset, however it
// was held (a value, a pointer, in a slice, a map or an interface);
// recorded event data stays byte for byte; the answer given is not
// changed.
func TestAnswersGiveEveryTimeInOslo(t *testing.T) {
	winter := time.Date(2026, 12, 2, 7, 30, 0, 0, time.UTC)
	summer := time.Date(2026, 6, 2, 7, 30, 0, 0, time.UTC)
	page := readmodel.Page{Items: []readmodel.CaseSummary{{ID: "c1", CreatedAt: winter, UpdatedAt: summer,
		SLA: &readmodel.SLASummary{ResponseDue: &winter}}}}
	answer := struct {
		Page  readmodel.Page            `json:"page"`
		ByKey map[string]any            `json:"byKey"`
		Raw   json.RawMessage           `json:"raw"`
		Zero  time.Time                 `json:"zero"`
		List  []*readmodel.Notification `json:"list"`
	}{page, map[string]any{"at": winter}, json.RawMessage(`{"at":"2026-12-02T07:30:00Z"}`), time.Time{},
		[]*readmodel.Notification{{ID: "n1", CreatedAt: winter}}}
	b, err := json.Marshal(inOslo(answer))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`"createdAt":"2026-12-02T08:30:00+01:00"`, `"updatedAt":"2026-06-02T09:30:00+02:00"`,
		`"responseDue":"2026-12-02T08:30:00+01:00"`, `"byKey":{"at":"2026-12-02T08:30:00+01:00"}`,
		`"raw":{"at":"2026-12-02T07:30:00Z"}`, `"zero":"0001-01-01T00:00:00Z"`, `"list":[{"id":"n1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("answer %s lacks %s", got, want)
		}
	}
	if strings.Count(got, "+01:00") != 4 {
		t.Errorf("answer %s: want the four winter times with +01:00", got)
	}
	if page.Items[0].CreatedAt.Location() != time.UTC || answer.List[0].CreatedAt.Location() != time.UTC {
		t.Error("inOslo changed the answer it was given")
	}
}
