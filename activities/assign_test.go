package activities

import (
	"context"
	"errors"
	"testing"
)

type fakeWorkload map[string]int

func (f fakeWorkload) OpenCaseLoad(_ context.Context, who []string) (map[string]int, error) {
	if f == nil {
		return nil, errors.New("read model down")
	}
	return f, nil
}

type fakeRoster map[string][]string

func (f fakeRoster) Caseworkers(g string) []string { return f[g] }

func TestPickAssigneeBalancesTheGroup(t *testing.T) {
	roster := fakeRoster{"brukerhjelp": {"per", "lise", "anne"}, "arkiv": {"arne"}}
	tests := []struct {
		name     string
		workload fakeWorkload
		group    string
		want     string
		wantErr  bool
	}{
		{"least loaded wins", fakeWorkload{"per": 3, "lise": 1, "anne": 2}, "brukerhjelp", "lise", false},
		{"ties go to the first by name", fakeWorkload{"per": 1, "lise": 1, "anne": 1}, "brukerhjelp", "anne", false},
		{"nobody holds anything", fakeWorkload{}, "brukerhjelp", "anne", false},
		{"one-person group", fakeWorkload{"arne": 40}, "arkiv", "arne", false},
		{"empty group stays in the queue", fakeWorkload{}, "tjeneste", "", false},
		{"read model down", nil, "brukerhjelp", "", true},
	}
	for _, tt := range tests {
		a, err := New(newStore(t), WithAssignment(tt.workload, roster))
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.PickAssignee(t.Context(), tt.group)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: got %q, %v; want %q (error %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
	plain, _ := New(newStore(t))
	if got, err := plain.PickAssignee(t.Context(), "brukerhjelp"); got != "" || err != nil {
		t.Errorf("without balancing: got %q, %v; want the queue", got, err)
	}
}
