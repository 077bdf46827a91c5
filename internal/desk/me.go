package desk

import (
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Profile is the signed-in user as they see themselves (API.md section 2).
type Profile struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"displayName"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
	Unit        string   `json:"unit"`
	Groups      []string `json:"groups"`
}

// Me is the user's own profile.
func (d *Desk) Me(actor helpdesk.Actor, u directory.User) (Profile, error) {
	if err := Authorize(actor, ActionMe); err != nil {
		return Profile{}, err
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	return Profile{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Roles: roles, Unit: u.Unit, Groups: groups}, nil
}
