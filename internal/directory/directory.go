// Package directory knows the organisation: users, their roles, units and
// caseworker groups. Dev mode uses the built-in demo organisation; a YAML
// file can replace it.
package directory

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// MailDomain is the demo organisation's mail domain.
const MailDomain = "fylke.example"

// HelpDeskAddress is where users write to the help desk.
const HelpDeskAddress = "brukerhjelp@" + MailDomain

// User is a person in the directory.
type User struct {
	Username    string          `json:"username" yaml:"username"`
	DisplayName string          `json:"displayName" yaml:"displayName"`
	Email       string          `json:"email" yaml:"email"`
	Roles       []helpdesk.Role `json:"roles" yaml:"roles"`
	Unit        string          `json:"unit" yaml:"unit"`
	Groups      []string        `json:"groups" yaml:"groups"`
	// Leads lists the units the user manages.
	Leads []string `json:"leads,omitempty" yaml:"leads"`
	// Language is the preferred language of what the user reads: "nb" or "en".
	Language string `json:"language,omitempty" yaml:"language"`
	// Delegations hand the user's approvals to a deputy for a period.
	Delegations []Delegation `json:"delegations,omitempty" yaml:"delegations"`
}

// Delegation lets Deputy decide on the user's behalf from From to To
// (dates, inclusive, YYYY-MM-DD).
type Delegation struct {
	Deputy string `json:"deputy" yaml:"deputy"`
	From   string `json:"from" yaml:"from"`
	To     string `json:"to" yaml:"to"`
}

// Actor is the user as the domain sees it when they act.
func (u User) Actor() helpdesk.Actor {
	return helpdesk.Actor{Username: u.Username, Roles: slices.Clone(u.Roles), Groups: slices.Clone(u.Groups)}
}

// ActorOn is the user as the domain sees them on date (YYYY-MM-DD),
// including the approvers they deputise for that day.
func (d *Directory) ActorOn(u User, date string) helpdesk.Actor {
	a := u.Actor()
	for _, name := range d.order {
		for _, del := range d.users[name].Delegations {
			if del.Deputy == u.Username && del.From <= date && date <= del.To {
				a.Deputising = append(a.Deputising, name)
			}
		}
	}
	return a
}

// HasUnit reports whether unit id exists.
func (d *Directory) HasUnit(id string) bool {
	_, ok := d.units[id]
	return ok
}

// UnitName is the name of unit id ("Opplæring"), or id itself for a unit
// the directory does not have.
func (d *Directory) UnitName(id string) string {
	if u, ok := d.units[id]; ok && u.Name != "" {
		return u.Name
	}
	return id
}

// BudgetHolder is the budget holder leading unit id, or "".
func (d *Directory) BudgetHolder(unit string) string {
	for _, name := range d.order {
		u := d.users[name]
		if slices.Contains(u.Leads, unit) && slices.Contains(u.Roles, helpdesk.RoleBudgetHolder) {
			return name
		}
	}
	return ""
}

// FallbackApprover decides when nobody else may: the service owner.
func (d *Directory) FallbackApprover() string {
	for _, name := range d.order {
		if slices.Contains(d.users[name].Roles, helpdesk.RoleServiceOwner) {
			return name
		}
	}
	return ""
}

// Unit is an organisational unit.
type Unit struct {
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Directory is a read-only snapshot of the organisation.
type Directory struct {
	users map[string]User
	units map[string]Unit
	order []string
}

// File is the YAML layout of a directory file.
type File struct {
	Units []Unit `yaml:"units"`
	Users []User `yaml:"users"`
}

// New builds a directory and checks it is consistent.
func New(f File) (*Directory, error) {
	d := &Directory{users: map[string]User{}, units: map[string]Unit{}}
	for _, u := range f.Units {
		if u.ID == "" {
			return nil, errors.New("directory: a unit has no id")
		}
		d.units[u.ID] = u
	}
	for _, u := range f.Users {
		if u.Username == "" {
			return nil, errors.New("directory: a user has no username")
		}
		if _, dup := d.users[u.Username]; dup {
			return nil, fmt.Errorf("directory: user %q appears twice", u.Username)
		}
		if u.Email == "" {
			u.Email = u.Username + "@" + MailDomain
		}
		if u.DisplayName == "" {
			u.DisplayName = u.Username
		}
		if u.Language == "" {
			u.Language = "nb"
		}
		if u.Groups == nil {
			u.Groups = []string{}
		}
		for _, del := range u.Delegations {
			if del.Deputy == "" || !isDate(del.From) || !isDate(del.To) || del.To < del.From {
				return nil, fmt.Errorf("directory: user %q has a delegation without a deputy or with bad dates (YYYY-MM-DD)", u.Username)
			}
		}
		for _, unit := range append([]string{u.Unit}, u.Leads...) {
			if _, ok := d.units[unit]; unit != "" && !ok {
				return nil, fmt.Errorf("directory: user %q names unknown unit %q", u.Username, unit)
			}
		}
		d.users[u.Username] = u
		d.order = append(d.order, u.Username)
	}
	sort.Strings(d.order)
	return d, nil
}

// Load reads a directory from a YAML file.
func Load(path string) (*Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("directory: %s: %w", path, err)
	}
	return New(f)
}

// User looks a user up by username.
func (d *Directory) User(username string) (User, bool) {
	u, ok := d.users[username]
	return u, ok
}

// ByEmail looks a user up by e-mail address, case-insensitively.
func (d *Directory) ByEmail(addr string) (User, bool) {
	for _, name := range d.order {
		if strings.EqualFold(d.users[name].Email, addr) {
			return d.users[name], true
		}
	}
	return User{}, false
}

// HasGroup reports whether any user belongs to caseworker group g.
func (d *Directory) HasGroup(g string) bool {
	for _, u := range d.users {
		if slices.Contains(u.Groups, g) {
			return true
		}
	}
	return false
}

// Units lists every unit, sorted by name.
func (d *Directory) Units() []Unit {
	out := make([]Unit, 0, len(d.units))
	for _, u := range d.units {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return d.UnitName(out[i].ID) < d.UnitName(out[j].ID) })
	return out
}

// Users lists every user, sorted by username.
func (d *Directory) Users() []User {
	out := make([]User, 0, len(d.order))
	for _, name := range d.order {
		out = append(out, d.users[name])
	}
	return out
}

// Usernames lists every user's username, sorted: whom an announcement
// concerns (the directory cannot tell who uses which service).
func (d *Directory) Usernames() []string { return slices.Clone(d.order) }

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Caseworkers lists the caseworkers of group g, sorted by username.
func (d *Directory) Caseworkers(g string) []string {
	var out []string
	for _, name := range d.order {
		u := d.users[name]
		if slices.Contains(u.Groups, g) && slices.Contains(u.Roles, helpdesk.RoleCaseworker) {
			out = append(out, name)
		}
	}
	return out
}

// Manages reports whether manager leads unit as a manager.
func (d *Directory) Manages(manager, unit string) bool {
	u, ok := d.users[manager]
	return ok && slices.Contains(u.Roles, helpdesk.RoleManager) && slices.Contains(u.Leads, unit)
}

// WithRole is the first user (by username) holding role r, or "".
func (d *Directory) WithRole(r helpdesk.Role) string {
	for _, name := range d.order {
		if slices.Contains(d.users[name].Roles, r) {
			return name
		}
	}
	return ""
}

// CheckAssignment decides whether a case may be handed to assignee and/or
// group (either may be empty, not both): the assignee must be a
// caseworker, the group must exist, and when both are named the assignee
// must be a member of the group, so a queue never shows a case held by
// someone outside it. The workflow cannot read the directory, so the
// application layer calls this before the assign step travels; the
// refusal is the domain's (400 naming the field).
func (d *Directory) CheckAssignment(assignee, group string) error {
	if assignee == "" && group == "" {
		return helpdesk.Invalid("assignee", "oppgi assignee eller group", "give assignee or group")
	}
	var u User
	if assignee != "" {
		var ok bool
		u, ok = d.User(assignee)
		if !ok || !slices.Contains(u.Roles, helpdesk.RoleCaseworker) {
			return helpdesk.Invalid("assignee", "assignee må være en saksbehandler", "assignee must be a caseworker")
		}
	}
	if group != "" {
		if !d.HasGroup(group) {
			return helpdesk.Invalid("group", "ukjent gruppe", "unknown group")
		}
		if assignee != "" && !slices.Contains(u.Groups, group) {
			return helpdesk.Invalid("assignee", assignee+" er ikke med i gruppen "+group, assignee+" is not a member of group "+group)
		}
	}
	return nil
}

// UsernameInUse reports whether the directory holds username, or an
// address whose local part is it (a new account's mail address would be
// theirs): a new account may not take it.
func (d *Directory) UsernameInUse(username string) bool {
	if _, ok := d.users[username]; ok {
		return true
	}
	_, ok := d.ByEmail(username + "@" + MailDomain)
	return ok || strings.EqualFold(username+"@"+MailDomain, HelpDeskAddress)
}
