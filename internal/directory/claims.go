package directory

import (
	"slices"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// ClaimNames names the OpenID Connect claims that carry a user's
// directory username, the Brukerhjelp roles the provider grants and the
// caseworker groups it grants. Groups empty means the provider grants
// none.
type ClaimNames struct {
	Username, Roles, Groups string
}

// Claimed is what an ID token or bearer token says of its user, read
// against the directory: the username it names (which may still be no
// user of the directory), and the known roles and existing groups it
// grants, each once, in the token's order.
type Claimed struct {
	Username string
	Roles    []helpdesk.Role
	Groups   []string
}

// FromClaims reads a token's claims the same way for every door (the
// JSON API's bearer tokens, the pages' sign-in): the username claim,
// else the subject; a value with an @ that is no username is looked up
// as an e-mail address. Role names that are no Brukerhjelp role and
// groups the directory does not have are ignored.
func (d *Directory) FromClaims(claims map[string]any, subject string, names ClaimNames) Claimed {
	var c Claimed
	c.Username, _ = claims[names.Username].(string)
	if c.Username == "" {
		c.Username = subject
	}
	if _, ok := d.User(c.Username); !ok && strings.Contains(c.Username, "@") {
		if u, ok := d.ByEmail(c.Username); ok {
			c.Username = u.Username
		}
	}
	for _, r := range stringsClaim(claims[names.Roles]) {
		role := helpdesk.Role(r)
		if slices.Contains(helpdesk.Roles, role) && !slices.Contains(c.Roles, role) {
			c.Roles = append(c.Roles, role)
		}
	}
	if names.Groups != "" {
		for _, g := range stringsClaim(claims[names.Groups]) {
			if d.HasGroup(g) && !slices.Contains(c.Groups, g) {
				c.Groups = append(c.Groups, g)
			}
		}
	}
	return c
}

// stringsClaim reads a claim that is a list of strings or one string.
func stringsClaim(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
