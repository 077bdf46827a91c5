package readmodel

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestStateReadsBackOnItsOwn: a snapshot made by a reused encoder is a
// whole gob stream: a fresh decoder reads the very case back, for cases
// with every part filled and with none.
func TestStateReadsBackOnItsOwn(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	due := at.Add(8 * time.Hour)
	cases := []helpdesk.Case{
		helpdesk.NewCase(),
		{ID: "a", Reference: "BH-2026-000001", Kind: helpdesk.KindIncident, Title: "Skriveren", CreatedAt: at, UpdatedAt: at,
			SLA: &helpdesk.SLA{ResolutionDue: &due, Used: time.Hour, RunningSince: at}, Comments: []helpdesk.Comment{{ID: "c1", Body: "hei"}},
			Tasks: []helpdesk.Task{{ID: "a.t1", Kind: helpdesk.TaskApproval, CreatedAt: at}}},
		{ID: "b", Kind: helpdesk.KindESAAccess, Access: &helpdesk.ESAAccess{Manager: "kari", GrantedAt: at, AccessCodes: []string{"X1"}}},
		{ID: "c", Kind: helpdesk.KindNewUser, NewUser: &helpdesk.NewUser{Reported: true, Missing: []string{"pc"},
			Request: helpdesk.NewUserRequest{StartDate: "2026-04-01"}}},
		{ID: "d", Kind: helpdesk.KindIncident, Erasure: &helpdesk.Erasure{}},
	}
	for range 2 { // the second round with encoders from the pool
		for _, c := range cases {
			state, err := encodeState(c)
			if err != nil {
				t.Fatal(err)
			}
			var got helpdesk.Case
			if err := gob.NewDecoder(bytes.NewReader(state)).Decode(&got); err != nil {
				t.Fatalf("case %q: %v", c.ID, err)
			}
			var want helpdesk.Case // as a fresh encoder writes it
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(c); err != nil {
				t.Fatal(err)
			}
			if err := gob.NewDecoder(&buf).Decode(&want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("case %q reads back as %+v, want %+v", c.ID, got, want)
			}
		}
	}
}
