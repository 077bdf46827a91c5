package directory

import (
	"slices"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func TestFromClaimsReadsATokenAsEveryDoorDoes(t *testing.T) {
	d := Demo()
	names := ClaimNames{Username: "preferred_username", Roles: "roles", Groups: "groups"}
	cases := []struct {
		name    string
		claims  map[string]any
		subject string
		want    Claimed
	}{
		{"username claim", map[string]any{"preferred_username": "per"}, "sub-1", Claimed{Username: "per"}},
		{"subject when the claim is absent", map[string]any{}, "ola", Claimed{Username: "ola"}},
		{"an e-mail address is looked up", map[string]any{"preferred_username": "Kari@FYLKE.example"}, "", Claimed{Username: "kari"}},
		{"an unknown e-mail stays as it is", map[string]any{"preferred_username": "nobody@fylke.example"}, "", Claimed{Username: "nobody@fylke.example"}},
		{"known roles once, unknown ones dropped", map[string]any{"preferred_username": "ola", "roles": []any{"caseworker", "admin", "caseworker", 7}}, "",
			Claimed{Username: "ola", Roles: []helpdesk.Role{helpdesk.RoleCaseworker}}},
		{"one role as a string", map[string]any{"preferred_username": "ola", "roles": "auditor"}, "",
			Claimed{Username: "ola", Roles: []helpdesk.Role{helpdesk.RoleAuditor}}},
		{"groups the directory has", map[string]any{"preferred_username": "per", "groups": []any{"arkiv", "nosuch", "arkiv"}}, "",
			Claimed{Username: "per", Groups: []string{"arkiv"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := d.FromClaims(c.claims, c.subject, names)
			if got.Username != c.want.Username || !slices.Equal(got.Roles, c.want.Roles) || !slices.Equal(got.Groups, c.want.Groups) {
				t.Fatalf("FromClaims = %+v, want %+v", got, c.want)
			}
		})
	}
	// Without a groups claim configured, a token's groups grant nothing.
	got := d.FromClaims(map[string]any{"preferred_username": "per", "groups": []any{"arkiv"}}, "", ClaimNames{Username: "preferred_username", Roles: "roles"})
	if len(got.Groups) != 0 {
		t.Fatalf("groups without a configured claim: %v", got.Groups)
	}
}
