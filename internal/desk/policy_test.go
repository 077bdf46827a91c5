package desk

import (
	"slices"
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// demoUsers is the column order of the policy table below.
var demoUsers = []string{"ola", "eva", "kari", "jon", "per", "lise", "arne", "siri", "tor", "nina", "dina"}

// wantPolicy is the whole authorization table, every demo user against
// every action: Y allowed, - refused. It is written out, not derived,
// so a change to the policy has to be a change here too.
var wantPolicy = []struct {
	action Action
	users  string
}{
	//                                                  ola eva kari jon per lise arne siri tor nina dina
	{ActionMe /*                                   */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionListCases /*                            */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionReadCase /*                             */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionHistory /*                              */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionSLA /*                                  */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionVerifyCase /*                           */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionCaseState /*                            */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionListTasks /*                            */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionListAnnouncements /*                    */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionReadAnnouncement /*                     */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionNotifications /*                        */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionReadNotification /*                     */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionVerifyAll /*                            */, "-   -   -    -   -   -    -    Y    -   Y   -"},
	{ActionAuditExport /*                          */, "-   -   -    -   -   -    -    Y    -   -   -"},
	{ActionKPI /*                                  */, "-   -   -    -   -   -    -    Y    -   Y   -"},
	{ActionAuditReads /*                           */, "-   -   -    -   -   -    -    Y    -   -   -"},
	{ActionCreateCase /*                           */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionCreate(helpdesk.KindIncident) /*        */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionCreate(helpdesk.KindGuidance) /*        */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionCreate(helpdesk.KindOrder) /*           */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionCreate(helpdesk.KindNewUser) /*         */, "-   -   Y    Y   -   -    -    -    -   -   -"},
	{ActionCreate(helpdesk.KindESAAccess) /*       */, "-   -   Y    Y   -   -    -    -    -   -   -"},
	{ActionCreate(helpdesk.KindDeparture) /*       */, "-   -   Y    Y   -   -    -    -    -   -   -"},
	{ActionClaim /*                                */, "-   -   -    -   Y   Y    Y    -    -   -   -"},
	{ActionAssign /*                               */, "-   -   -    -   Y   Y    Y    -    -   -   -"},
	{ActionLink /*                                 */, "-   -   -    -   Y   Y    Y    -    -   -   -"},
	{ActionRequest /*                              */, "-   -   -    -   Y   Y    Y    -    -   -   -"},
	{ActionResolve /*                              */, "-   -   -    -   Y   Y    Y    -    -   -   -"},
	{ActionComment /*                              */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionReply /*                                */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionConfirm /*                              */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionReopen /*                               */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionCancel /*                               */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionComplete /*                             */, "-   -   Y    Y   Y   Y    Y    -    -   Y   -"},
	{ActionCreateAnnouncement /*                   */, "-   -   -    -   -   -    -    -    Y   -   -"},
	{ActionResolveAnnouncement /*                   */, "-   -   -    -   -   -    -    -    Y   -   -"},
	{ActionUploadAttachment /*                     */, "Y   Y   Y    Y   Y   Y    Y    -    Y   Y   Y"},
	{ActionPersonData /*                           */, "Y   Y   Y    Y   Y   Y    Y    Y    Y   Y   Y"},
	{ActionFindPeople /*                           */, "-   -   -    -   -   -    -    -    -   -   Y"},
	{ActionErasePerson /*                          */, "-   -   -    -   -   -    -    -    -   -   Y"},
	{ActionLegalHold /*                            */, "-   -   -    -   -   -    -    -    -   -   Y"},
	{ActionTemporalCodec /*                        */, "-   -   -    -   -   -    -    -    Y   -   -"},
	{ActionTeam /*                                 */, "-   -   Y    Y   -   -    -    -    -   -   -"},
}

// someDay is outside every demo delegation.
const someDay = "2026-03-04"

func demoActor(t *testing.T, dir *directory.Directory, name, date string) helpdesk.Actor {
	t.Helper()
	u, ok := dir.User(name)
	if !ok {
		t.Fatalf("demo user %s missing", name)
	}
	return dir.ActorOn(u, date)
}

func TestPolicyTableInFull(t *testing.T) {
	dir := directory.Demo()
	seen := map[Action]bool{}
	for _, row := range wantPolicy {
		cells := strings.Fields(row.users)
		if len(cells) != len(demoUsers) {
			t.Fatalf("%s: %d cells, want %d", row.action, len(cells), len(demoUsers))
		}
		if seen[row.action] {
			t.Errorf("%s appears twice in the table", row.action)
		}
		seen[row.action] = true
		for i, name := range demoUsers {
			want := cells[i] == "Y"
			if got := Allowed(demoActor(t, dir, name, someDay), row.action); got != want {
				t.Errorf("%s %s: allowed = %v, want %v", name, row.action, got, want)
			}
		}
	}
	for a := range policy {
		if !seen[a] {
			t.Errorf("the policy has %s, which this table does not test", a)
		}
	}
	if Allowed(demoActor(t, dir, "per", someDay), "case.delete") {
		t.Error("an action the policy does not know is allowed")
	}
}

func TestPolicyDeputiesAndReadOnlyAuditors(t *testing.T) {
	dir := directory.Demo()
	// Jon stands in for Kari over Christmas; he may complete tasks anyway.
	if a := demoActor(t, dir, "jon", "2026-12-24"); !slices.Equal(a.Deputising, []string{"kari"}) || !Allowed(a, ActionComplete) {
		t.Errorf("jon at Christmas: %+v, allowed %v", a, Allowed(a, ActionComplete))
	}
	tests := []struct {
		name  string
		actor helpdesk.Actor
		act   Action
		want  bool
	}{
		{"an employee deputising for an approver completes tasks", helpdesk.Actor{Username: "vikar", Roles: []helpdesk.Role{helpdesk.RoleEmployee}, Deputising: []string{"kari"}}, ActionComplete, true},
		{"an employee deputising for nobody does not", helpdesk.Actor{Username: "vikar", Roles: []helpdesk.Role{helpdesk.RoleEmployee}}, ActionComplete, false},
		{"an auditor deputising still does not", helpdesk.Actor{Username: "rev", Roles: []helpdesk.Role{helpdesk.RoleAuditor}, Deputising: []string{"kari"}}, ActionComplete, false},
		{"an auditor who is also a caseworker may not claim", helpdesk.Actor{Username: "rev", Roles: []helpdesk.Role{helpdesk.RoleCaseworker, helpdesk.RoleAuditor}}, ActionClaim, false},
		{"an auditor who is also an employee may not report", helpdesk.Actor{Username: "rev", Roles: []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleAuditor}}, ActionCreate(helpdesk.KindIncident), false},
		{"an auditor who is also a caseworker reads", helpdesk.Actor{Username: "rev", Roles: []helpdesk.Role{helpdesk.RoleCaseworker, helpdesk.RoleAuditor}}, ActionHistory, true},
		{"a user with no role may read their cases", helpdesk.Actor{Username: "ny"}, ActionReadCase, true},
		{"a user with no role may report", helpdesk.Actor{Username: "ny"}, ActionCreate(helpdesk.KindIncident), true},
		{"a kind nobody knows", helpdesk.Actor{Username: "ola", Roles: []helpdesk.Role{helpdesk.RoleManager}}, ActionCreate("complaint"), false},
		{"an auditor who is also the data protection officer may not erase", helpdesk.Actor{Username: "rev", Roles: []helpdesk.Role{helpdesk.RoleDPO, helpdesk.RoleAuditor}}, ActionErasePerson, false},
		{"an auditor who is also the data protection officer may still find people", helpdesk.Actor{Username: "rev", Roles: []helpdesk.Role{helpdesk.RoleDPO, helpdesk.RoleAuditor}}, ActionFindPeople, true},
	}
	for _, tt := range tests {
		if got := Allowed(tt.actor, tt.act); got != tt.want {
			t.Errorf("%s: allowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
