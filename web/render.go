package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// The templates: layout.html and one file per page beside its handler.
//
//go:embed *.html
var templateFS embed.FS

var layout = template.Must(template.New("layout.html").ParseFS(templateFS, "layout.html"))

// page is a page's template: the layout with the page's file, which
// defines "main" (the content of <main>).
type page struct{ t *template.Template }

// parsePage parses file (e.g. "home.html") into the layout, with the
// files of the parts it shares with other pages (a case table) after it.
// It panics on a bad template: they are embedded, so that is a
// programming error seen at start and by every test.
func parsePage(file string, parts ...string) *page {
	return &page{t: template.Must(template.Must(layout.Clone()).ParseFS(templateFS, append([]string{file}, parts...)...))}
}

// view is what every template gets as its dot: the language and its
// formatting, the signed-in user, the CSRF token, the form's values and
// errors, and the page's own Data.
type view struct {
	Lang i18n.Lang
	// Title is the page's title (translated): <title> and usually <h1>.
	Title string
	// User is the signed-in user, nil on public pages without a session.
	User  *directory.User
	Actor helpdesk.Actor
	// Form holds a form's values and errors (nil without a form).
	Form *Form
	// Live, when set, is the address of the live updates the page follows
	// (/live?case=…).
	Live string
	// Data is the page's own.
	Data any
	// Unread counts the signed-in user's unread notifications, for the
	// header (notifications.go), up to readmodel.MaxUnread.
	Unread int

	path      string
	query     url.Values
	csrf      string
	now       time.Time
	assets    *assets
	requestID string
}

// view starts the view of a page of r titled by the text titleKey.
func (s *Server) view(r *http.Request, titleKey string) *view {
	v := visitOf(r)
	out := &view{Lang: v.lang, User: v.user, Actor: v.actor, path: r.URL.Path, query: r.URL.Query(), now: s.now(),
		assets: s.assets, requestID: v.requestID}
	out.Title = out.T(titleKey)
	if v.sess != nil {
		out.csrf = v.sess.CSRF
	}
	if v.user != nil {
		out.Unread = s.unread(r)
	}
	return out
}

// T is the text of key in the page's language.
func (v *view) T(key string, args ...any) string { return v.Lang.T(key, args...) }

// When is a moment as people say it: "i dag 14:30".
func (v *view) When(t time.Time) string { return v.Lang.When(t, v.now) }

// Date is a day written out: "mandag 12. januar 2026".
func (v *view) Date(t time.Time) string { return v.Lang.Date(t) }

// ISO is a moment for <time datetime="…">.
func (v *view) ISO(t time.Time) string { return i18n.ISO(t) }

// Number and NOK write numbers and amounts: "4 500", "4 500 kr".
func (v *view) Number(n int64) string { return v.Lang.Number(n) }
func (v *view) NOK(n int64) string    { return v.Lang.NOK(n) }

// Asset is the hashed address of a file under static/.
func (v *view) Asset(name string) (string, error) { return v.assets.URL(name) }

// CSRFField is the hidden field every state-changing form carries.
func (v *view) CSRFField() template.HTML { return csrfInput(v.csrf) }

// CSRF is the token itself (hx-headers, the sign-out form).
func (v *view) CSRF() string { return v.csrf }

// RequestID names the request in the log: an error page shows it.
func (v *view) RequestID() string { return v.requestID }

// Roles are the user's roles in words: "ansatt og saksbehandler".
func (v *view) Roles() string {
	if v.User == nil {
		return ""
	}
	var names []string
	for _, r := range v.User.Roles {
		names = append(names, v.T("role."+string(r)))
	}
	return v.Lang.List(names)
}

// OtherLang is the language the page is not in, and OtherLangURL this
// page in it.
func (v *view) OtherLang() i18n.Lang {
	if v.Lang == i18n.EN {
		return i18n.NB
	}
	return i18n.EN
}

func (v *view) OtherLangURL() string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	q.Set("lang", string(v.OtherLang()))
	return v.path + "?" + q.Encode()
}

// HelpDesk is the help desk's mail address.
func (v *view) HelpDesk() string { return directory.HelpDeskAddress }

// navItem is one link of the main menu.
type navItem struct {
	Href, Text string
	Current    bool
}

// Nav is the main menu: the pages the user's roles give them.
func (v *view) Nav() []navItem {
	if v.User == nil {
		return nil
	}
	a := v.Actor
	has := func(roles ...helpdesk.Role) bool { return slices.ContainsFunc(roles, a.Has) }
	items := []navItem{{Href: "/", Text: v.T("nav.home")}}
	if has(helpdesk.RoleCaseworker, helpdesk.RoleAuditor) {
		items = append(items, navItem{Href: "/cases", Text: v.T("nav.cases")})
	} else {
		items = append(items, navItem{Href: "/cases", Text: v.T("nav.myCases")})
	}
	if has(helpdesk.RoleManager) {
		items = append(items, navItem{Href: "/team", Text: v.T("nav.team")})
	}
	if has(helpdesk.RoleCaseworker, helpdesk.RoleManager, helpdesk.RoleBudgetHolder, helpdesk.RoleESAOwner, helpdesk.RoleServiceOwner) ||
		len(a.Deputising) > 0 {
		items = append(items, navItem{Href: "/tasks", Text: v.T("nav.tasks")})
	}
	items = append(items, navItem{Href: "/announcements", Text: v.T("nav.announcements")})
	if has(helpdesk.RoleServiceOwner, helpdesk.RoleAuditor) {
		items = append(items, navItem{Href: "/reports/kpi", Text: v.T("nav.kpi")})
	}
	if has(helpdesk.RoleAuditor) {
		items = append(items, navItem{Href: "/audit", Text: v.T("nav.audit")})
	}
	if has(helpdesk.RoleDPO) {
		items = append(items, navItem{Href: "/privacy", Text: v.T("nav.privacy")})
	}
	for i := range items {
		h := items[i].Href
		items[i].Current = v.path == h || (h != "/" && strings.HasPrefix(v.path, h+"/"))
	}
	return items
}

// Form is a form's submitted values and what is wrong with them, in the
// order of the form's fields: the error summary lists them, each linked
// to its field, and each field shows its own.
type Form struct {
	Values url.Values
	errs   []FieldError
}

// FieldError is one field's problem, already in the user's language.
type FieldError struct {
	Field, Message string
}

// ID is the id of the field's control, the summary's link target.
func (e FieldError) ID() string { return fieldID(e.Field) }

// fieldID is "field-" and the name; brackets (items[2].quantity) become
// a dash, so the id needs no escaping in a link or a selector.
func fieldID(name string) string {
	return "field-" + strings.NewReplacer("[", "-", "]", "").Replace(name)
}

// NewForm is a form with the values submitted in r (r.PostForm).
func NewForm(r *http.Request) *Form {
	if r.PostForm == nil {
		r.ParseForm()
	}
	return &Form{Values: r.PostForm}
}

// Fail records that field is wrong, and why (in the user's language).
func (f *Form) Fail(field, message string) {
	f.errs = append(f.errs, FieldError{Field: field, Message: message})
}

// HasErrors reports whether any field failed.
func (f *Form) HasErrors() bool { return f != nil && len(f.errs) > 0 }

// Errors lists the failed fields in the order they failed.
func (f *Form) Errors() []FieldError {
	if f == nil {
		return nil
	}
	return f.errs
}

// Error is field's message, or "".
func (f *Form) Error(field string) string {
	if f == nil {
		return ""
	}
	for _, e := range f.errs {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Value is field's submitted value.
func (f *Form) Value(field string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(field)
}

// Field is one labelled form control with its value, hint and error,
// rendered by the layout's "field" template:
//
//	{{template "field" .Input "title" "case.title"}}
//	{{template "field" (.TextArea "description" "case.description").WithHint "case.description.hint"}}
type Field struct {
	ID, Name, Type, Label, Hint, Value, Error string
	Rows                                      int
	lang                                      i18n.Lang
}

// Input is a one-line text field named name (the API's field name),
// labelled by the text labelKey.
func (v *view) Input(name, labelKey string) Field {
	return Field{ID: fieldID(name), Name: name, Type: "text", Label: v.T(labelKey), Value: v.Form.Value(name),
		Error: v.Form.Error(name), lang: v.Lang}
}

// TextArea is a multi-line text field.
func (v *view) TextArea(name, labelKey string) Field {
	f := v.Input(name, labelKey)
	f.Type, f.Rows = "textarea", 5
	return f
}

// WithHint adds a hint under the label, the text hintKey.
func (f Field) WithHint(hintKey string) Field {
	f.Hint = f.lang.T(hintKey)
	return f
}

// WithType sets the input type (email, number, date …).
func (f Field) WithType(t string) Field {
	f.Type = t
	return f
}

// DescribedBy lists the ids of the hint and the error, for
// aria-describedby.
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// gzipWriters are reused: a compressor's state is hundreds of KiB, more
// than the rest of a page's rendering allocates.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// render writes the page p with v at status. The page is rendered to a
// buffer first, so a template error becomes a clean 500, and is sent
// gzip-compressed to browsers that take it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p *page, v *view) {
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.ErrorContext(r.Context(), "web: rendering a page", "path", r.URL.Path, "error", err)
		if p == errorTemplate {
			http.Error(w, "500 internal error", http.StatusInternalServerError)
			return
		}
		s.errorPage(w, r, http.StatusInternalServerError, "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Vary", "Accept-Encoding, Accept-Language, Cookie")
	body := buf.Bytes()
	if len(body) > 1024 && acceptsGzip(r) {
		var z bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&z)
		zw.Write(body)
		zw.Close()
		gzipWriters.Put(zw)
		h.Set("Content-Encoding", "gzip")
		body = z.Bytes()
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
