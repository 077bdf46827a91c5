package web

import (
	"fmt"
	"slices"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// What the case pages say about a case in words: its status, priority
// and kind in the user's language (case.status.<status> …), people by
// name, units and groups by name.

// StatusText is a status in words: "Under arbeid".
func (v *view) StatusText(s helpdesk.Status) string { return word(v.Lang, "case.status.", string(s)) }

// PriorityText is a priority in words: "Normal".
func (v *view) PriorityText(p helpdesk.Priority) string {
	if p == "" {
		return ""
	}
	return word(v.Lang, "case.priority.", string(p))
}

// KindText is a kind of case in words: "Feil".
func (v *view) KindText(k helpdesk.Kind) string { return word(v.Lang, "case.kind.", string(k)) }

// word is the text of a value of a kind of word: case.status.new.
func word(l i18n.Lang, prefix, value string) string { return l.T(prefix + value) }

// IsCaseworker reports whether the signed-in user works cases: the
// workspace rather than the portal.
func (v *view) IsCaseworker() bool { return v.Actor.Has(helpdesk.RoleCaseworker) }

// statusColor is the Designsystemet colour of a status tag; the tag's
// text always says the status, so the colour only adds to it.
func statusColor(s helpdesk.Status) string {
	switch s {
	case helpdesk.StatusNew:
		return "info"
	case helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval:
		return "warning"
	case helpdesk.StatusResolved, helpdesk.StatusClosed, "active":
		return "success"
	case helpdesk.StatusRejected, helpdesk.StatusCancelled, "expired", "revoked":
		return "neutral"
	}
	return "accent"
}

// StatusColor is statusColor for templates.
func (v *view) StatusColor(s helpdesk.Status) string { return statusColor(s) }

// names names the directory's users, units and groups for a page.
type names struct {
	dir  *directory.Directory
	lang i18n.Lang
}

func (s *Server) names(v *view) names { return names{dir: s.cfg.Directory, lang: v.Lang} }

// Name is a user's display name: "Per Johansen"; the help desk itself
// ("brukerhjelp", "system") by the product's name; someone the directory
// does not know by their username.
func (p names) Name(username string) string {
	if u, ok := p.dir.User(username); ok {
		return u.DisplayName
	}
	if username == "" || username == "system" || username == "brukerhjelp" {
		return p.lang.T("case.system")
	}
	return username
}

// Unit is a unit's name: "Opplæring".
func (p names) Unit(id string) string {
	if n := p.dir.UnitName(id); n != "" {
		return n
	}
	return id
}

// Group is a caseworker group's name: "Brukerhjelp (første linje)".
func (p names) Group(g string) string {
	if key := "case.group." + g; p.lang.Has(key) {
		return p.lang.T(key)
	}
	return g
}

// named is a username, group or unit with the name to show it by.
type named struct{ ID, Name string }

// caseworkers are every caseworker, by name.
func (p names) caseworkers() []named {
	var out []named
	for _, u := range p.dir.Users() {
		if slices.Contains(u.Roles, helpdesk.RoleCaseworker) {
			out = append(out, named{u.Username, u.DisplayName})
		}
	}
	sortNamed(out)
	return out
}

// everyone is every user of the directory who may report a case (not
// auditors), by name: whom a caseworker may open a case for.
func (p names) everyone() []named {
	var out []named
	for _, u := range p.dir.Users() {
		if slices.Contains(u.Roles, helpdesk.RoleEmployee) {
			out = append(out, named{u.Username, u.DisplayName})
		}
	}
	sortNamed(out)
	return out
}

// groups are the caseworker groups, by name.
func (p names) groups() []named {
	var out []named
	for _, u := range p.dir.Users() {
		for _, g := range u.Groups {
			if !slices.ContainsFunc(out, func(n named) bool { return n.ID == g }) {
				out = append(out, named{g, p.Group(g)})
			}
		}
	}
	sortNamed(out)
	return out
}

// units are the units the directory's people belong to or lead, by name:
// the cost centres an order may name. first, when set, comes first.
func (p names) units(first string) []named {
	var out []named
	add := func(id string) {
		if id != "" && !slices.ContainsFunc(out, func(n named) bool { return n.ID == id }) {
			out = append(out, named{id, p.Unit(id)})
		}
	}
	for _, u := range p.dir.Users() {
		add(u.Unit)
		for _, l := range u.Leads {
			add(l)
		}
	}
	sortNamed(out)
	if i := slices.IndexFunc(out, func(n named) bool { return n.ID == first }); i > 0 {
		out = append(append([]named{out[i]}, out[:i]...), out[i+1:]...)
	}
	return out
}

func sortNamed(ns []named) {
	slices.SortFunc(ns, func(a, b named) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}

// Ago is how long ago t was, in whole minutes or hours: "for 3
// minutter siden".
func (v *view) Ago(t time.Time) string {
	d := v.now.Sub(t)
	switch {
	case d < time.Minute:
		return v.T("time.justNow")
	case d < time.Hour:
		return v.T("time.minutesAgo", int(d.Minutes()))
	case d < 24*time.Hour:
		return v.T("time.hoursAgo", int(d.Hours()))
	}
	return v.When(t)
}

// With is the view with other data, for a part of a page shared by
// several ({{template "case-table" ($.With .Data.Table)}}).
func (v *view) With(data any) *view {
	c := *v
	c.Data = data
	return &c
}

// Size is a file's size as people read it: "340 kB", "1,2 MB".
func (v *view) Size(n int64) string {
	switch {
	case n < 1000:
		return v.T("size.bytes", n)
	case n < 1000*1000:
		return v.T("size.kB", v.Lang.Decimal(float64(n)/1000, 0))
	}
	return v.T("size.MB", v.Lang.Decimal(float64(n)/1000/1000, 1))
}

var shortMonths = map[i18n.Lang][12]string{
	i18n.NB: {"jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."},
	i18n.EN: {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

// Short is a moment as a table cell says it: "i dag 14:30" near today,
// else "26. jan. kl. 09:00" ("26 Jan at 09:00"), with the year when it is
// not this one.
func (v *view) Short(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now := t.In(helpdesk.Oslo), v.now.In(helpdesk.Oslo)
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 12, 0, 0, 0, time.UTC) }
	if d := day(t).Sub(day(now)); d >= -24*time.Hour && d <= 24*time.Hour {
		return v.When(t) // today, yesterday, tomorrow
	}
	lang := i18n.NB
	if v.Lang == i18n.EN {
		lang = i18n.EN
	}
	date := fmt.Sprintf("%d. %s", t.Day(), shortMonths[lang][t.Month()-1])
	if lang == i18n.EN {
		date = fmt.Sprintf("%d %s", t.Day(), shortMonths[lang][t.Month()-1])
	}
	if t.Year() != now.Year() {
		date += fmt.Sprintf(" %d", t.Year())
	}
	return v.T("time.dateAt", date, v.Lang.Clock(t))
}
