package directory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func TestDemoHasTheContractUsers(t *testing.T) {
	d := Demo()
	for _, name := range []string{"ola", "eva", "kari", "jon", "per", "lise", "arne", "siri", "tor", "nina"} {
		u, ok := d.User(name)
		if !ok {
			t.Errorf("demo user %q missing", name)
			continue
		}
		if u.Email != name+"@fylke.example" {
			t.Errorf("%s: email %q", name, u.Email)
		}
	}
	if u, _ := d.ByEmail("LISE@fylke.example"); u.Username != "lise" {
		t.Errorf("ByEmail is not case-insensitive: %+v", u)
	}
}

func TestLoadYAML(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", `
units:
  - {id: helse, name: Helse}
users:
  - {username: anne, roles: [employee, manager], unit: helse, leads: [helse]}
  - {username: bo, roles: [caseworker], groups: [brukerhjelp], language: en}
`)
	d, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	anne, _ := d.User("anne")
	if anne.Email != "anne@fylke.example" || anne.Language != "nb" || len(anne.Leads) != 1 {
		t.Errorf("anne = %+v", anne)
	}
	for name, tt := range map[string]struct{ body, want string }{
		"unknown unit":  {`users: [{username: x, unit: nowhere}]`, "unknown unit"},
		"duplicate":     {`users: [{username: x}, {username: x}]`, "twice"},
		"unknown field": {`users: [{username: x, shoeSize: 44}]`, "shoeSize"},
		"no username":   {`users: [{roles: [employee]}]`, "no username"},
	} {
		_, err := Load(write(strings.ReplaceAll(name, " ", "_")+".yaml", tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, tt.want)
		}
	}
}

// TestCheckAssignmentKeepsCasesWithinTheGroup: the class "assign to a
// person outside the named group", and the older rules beside it.
func TestCheckAssignmentKeepsCasesWithinTheGroup(t *testing.T) {
	d := Demo()
	for _, tc := range []struct {
		assignee, group string
		field           string // "" means allowed
	}{
		{"per", "brukerhjelp", ""},
		{"lise", "tjeneste", ""},
		{"arne", "arkiv", ""},
		{"per", "", ""},
		{"", "arkiv", ""},
		{"per", "arkiv", "assignee"},        // per is first line only
		{"arne", "brukerhjelp", "assignee"}, // arne is arkiv only
		{"lise", "arkiv", "assignee"},
		{"ola", "", "assignee"}, // not a caseworker
		{"ola", "brukerhjelp", "assignee"},
		{"nobody", "", "assignee"},
		{"per", "nosuchgroup", "group"},
		{"", "", "assignee"},
	} {
		err := d.CheckAssignment(tc.assignee, tc.group)
		if tc.field == "" {
			if err != nil {
				t.Errorf("assign %q/%q refused: %v", tc.assignee, tc.group, err)
			}
			continue
		}
		se, ok := helpdesk.AsStepError(err)
		if !ok || se.Code != helpdesk.CodeInvalid || se.Field != tc.field || se.Message == "" || se.English == "" {
			t.Errorf("assign %q/%q: got %v, want invalid naming %s", tc.assignee, tc.group, err, tc.field)
		}
	}
}

func TestUsernameInUse(t *testing.T) {
	d := Demo()
	for name, want := range map[string]bool{"eva": true, "kari": true, "brukerhjelp": true, "kjell": false, "eva2": false} {
		if got := d.UsernameInUse(name); got != want {
			t.Errorf("UsernameInUse(%q) = %v, want %v", name, got, want)
		}
	}
}
