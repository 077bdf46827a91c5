package web

import (
	"html/template"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// Helpers of the pages of managers, approvers, operations, the service
// owner and the auditor (issue #16): the team, the user-management
// forms, the approvals inbox, announcements, the KPI dashboard and the
// auditor's pages. Their templates link static/roles.css themselves (a
// stylesheet link is allowed in the body), so the shared layout stays as
// it is.

// parsePages parses files into the layout: a page's template and the
// fragments it shares with other pages (plan.html,
// announcement_banner.html …).
func parsePages(files ...string) *page {
	return &page{t: template.Must(template.Must(layout.Clone()).ParseFS(templateFS, append(files, "roles_parts.html")...))}
}

// nameOf is username's display name ("Kari Olsen"), or the username for
// someone the directory file does not hold (an account a new-user case
// created), or "" for "".
func (s *Server) nameOf(username string) string {
	if username == "" {
		return ""
	}
	if u, ok := s.cfg.Directory.User(username); ok && u.DisplayName != "" {
		return u.DisplayName
	}
	return username
}

// groupName is a caseworker group as people say it: "Brukerhjelp
// (førstelinjen)" rather than "brukerhjelp", from the texts
// group.<id>; the id itself for a group without a text.
func groupName(l i18n.Lang, group string) string {
	if key := "rolesGroup." + group; l.Has(key) {
		return l.T(key)
	}
	return group
}

// caseStatus is a case status in words ("Venter på godkjenning").
func caseStatus(l i18n.Lang, st helpdesk.Status) string {
	if key := "caseState." + string(st); l.Has(key) {
		return l.T(key)
	}
	return string(st)
}

// caseKind is a kind of case in words ("Ny ansatt").
func caseKind(l i18n.Lang, k helpdesk.Kind) string {
	if key := "caseKind." + string(k); l.Has(key) {
		return l.T(key)
	}
	return string(k)
}

// moment is a time as a page shows it: words (.When) and the machine
// value (<time datetime>).
type moment struct {
	Text, ISO string
}

// at is t as a moment of v's page; the zero moment for the zero time.
func (v *view) at(t time.Time) moment {
	if t.IsZero() {
		return moment{}
	}
	return moment{Text: v.When(t), ISO: v.ISO(t)}
}

// day is t's date as a moment: "mandag 12. januar 2026".
func (v *view) day(t time.Time) moment {
	if t.IsZero() {
		return moment{}
	}
	return moment{Text: v.Date(t), ISO: t.In(helpdesk.Oslo).Format(time.DateOnly)}
}

// dateOf is a date YYYY-MM-DD as a moment; the zero moment for one that
// is no date.
func (v *view) dateOf(date string) moment {
	t, err := time.ParseInLocation(time.DateOnly, date, helpdesk.Oslo)
	if err != nil {
		return moment{}
	}
	return moment{Text: v.Date(t), ISO: date}
}

// splitCodes reads a list typed into one field: values separated by
// commas, semicolons, spaces or lines ("A, P" → [A P]).
func splitCodes(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// formValues are a repeated field's values, blanks left out.
func formValues(f *Form, name string) []string {
	var out []string
	for _, v := range f.Values[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// choice is one option of a select, a checkbox or a radio group.
type choice struct {
	Value, Label, Hint string
	Checked            bool
}

// choiceGroup is a group of checkboxes, or a select, named Name (the
// API's field name) with its label, hint and error (plan.html's
// r-checkboxes and r-select).
type choiceGroup struct {
	Name, Legend, Label, Hint, Error, Empty string
	Choices                                 []choice
}

// choices builds a group named name from options, checked (selected)
// where the form holds the value, else where def says so.
func (v *view) choices(name, labelKey, hintKey string, options []choice, def ...string) choiceGroup {
	g := choiceGroup{Name: name, Legend: v.T(labelKey), Label: v.T(labelKey), Error: v.Form.Error(name)}
	if hintKey != "" {
		g.Hint = v.T(hintKey)
	}
	picked := def
	if v.Form != nil && v.Form.Values != nil {
		// A posted form: an unchecked box is not sent.
		picked = v.Form.Values[name]
	}
	for _, o := range options {
		o.Checked = containsFold(picked, o.Value)
		g.Choices = append(g.Choices, o)
	}
	return g
}

// splitComma reads a list of names typed into one field, separated by
// commas or lines ("Visio, Adobe Acrobat").
func splitComma(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// required fails field with message when the form left it empty. The
// desk checks every field again; this only lets the error summary list
// all the empty ones at once.
func required(f *Form, field, message string) {
	if strings.TrimSpace(f.Value(field)) == "" {
		f.Fail(field, message)
	}
}

// orEmpty is f, or an empty form for none.
func orEmpty(f *Form) *Form {
	if f == nil {
		return &Form{}
	}
	return f
}

// containsFold reports whether list holds s, ignoring case and spaces
// around (access codes: "p" is "P").
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}

// codeView is an ESA access code, marked when it is sensitive (it needs
// a second approval).
type codeView struct {
	Code      string
	Sensitive bool
}
