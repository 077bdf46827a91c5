package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// New cases (API.md section 9): GET /cases/new lists the kinds the user
// may open; GET /cases/new?kind=<kind> is that kind's form and POST to the
// same address opens the case, then 303 to its page. Each kind's form is
// a caseForm in a file of its own (new_incident.go, new_order.go …),
// added with addCaseForm.

// caseForm is one kind's form.
type caseForm struct {
	kind helpdesk.Kind
	// page is the form's template; its "main" shows the form, posting to
	// /cases/new?kind=<kind> with {{.CSRFField}} and the hidden
	// idempotencyKey field ({{.Data.IdempotencyKey}}).
	page *page
	// fields are the form's fields in order; a refusal naming no field
	// of the form goes beside the first.
	fields []string
	// data is what the template needs beside the form (the catalogue, the
	// units the user leads …), as .Data.Kind; nil for none.
	data func(s *Server, r *http.Request, v *view) (any, error)
	// read turns the posted form into the desk's request. What cannot be
	// read at all (a quantity that is no number) it puts on f; the desk
	// judges the rest.
	read func(s *Server, r *http.Request, f *Form) desk.NewCase
	// check, when set, is a "check your answers" step before the case is
	// opened: unless it says the form is confirmed, the form is shown
	// again (200) with what it returns as .Data.Check. A refusal it
	// returns is shown as OpenCase's would be.
	check func(s *Server, r *http.Request, f *Form, n desk.NewCase) (data any, confirmed bool, err error)
	// fieldOf, when set, names the form's field for a field the desk
	// names (an order's items[2].quantity is the form's fifth row).
	fieldOf func(s *Server, r *http.Request, f *Form, field string) string
}

var caseForms = map[helpdesk.Kind]caseForm{}

// addCaseForm adds a kind's form (from its file's init).
func addCaseForm(f caseForm) { caseForms[f.kind] = f }

// newCaseKinds is the order kinds are offered in.
var newCaseKinds = []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance, helpdesk.KindOrder,
	helpdesk.KindNewUser, helpdesk.KindESAAccess, helpdesk.KindDeparture}

var newCaseTemplate = parsePage("new_case.html")

// newCaseData is what a new-case page's template gets as .Data.
type newCaseData struct {
	// Kinds are those the user may open (the chooser).
	Kinds []helpdesk.Kind
	// Kind is the form's own data (caseForm.data).
	Kind any
	// IdempotencyKey makes a form sent twice (a double click, a reload)
	// open one case.
	IdempotencyKey string
	// Action is where the form posts.
	Action string
	// Check is what the form's check step found (caseForm.check).
	Check any
}

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /cases/new", s.signedIn(s.newCase))
		s.mux.HandleFunc("POST /cases/new", s.signedIn(s.openCase))
	})
}

// newCase is GET /cases/new[?kind=].
func (s *Server) newCase(w http.ResponseWriter, r *http.Request) {
	kind := helpdesk.Kind(r.URL.Query().Get("kind"))
	if kind == "" {
		v := s.view(r, "newCase.title")
		var kinds []helpdesk.Kind
		for _, k := range newCaseKinds {
			if _, ok := caseForms[k]; ok && desk.Allowed(v.Actor, desk.ActionCreate(k)) {
				kinds = append(kinds, k)
			}
		}
		v.Data = newCaseData{Kinds: kinds}
		s.render(w, r, http.StatusOK, newCaseTemplate, v)
		return
	}
	cf, ok := s.caseForm(w, r, kind)
	if !ok {
		return
	}
	s.renderCaseForm(w, r, http.StatusOK, cf, nil, uuid.NewString())
}

// openCase is POST /cases/new?kind=: the form opens the case, or is shown
// again with what is wrong beside each field; nothing is opened then.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request) {
	cf, ok := s.caseForm(w, r, helpdesk.Kind(r.URL.Query().Get("kind")))
	if !ok {
		return
	}
	f := NewForm(r)
	key := f.Value("idempotencyKey")
	if _, err := uuid.Parse(key); err != nil {
		key = uuid.NewString()
	}
	n := cf.read(s, r, f)
	if f.HasErrors() {
		s.renderCaseForm(w, r, http.StatusBadRequest, cf, f, key)
		return
	}
	n.Kind, n.IdempotencyKey = cf.kind, "web:"+key
	var check any
	if cf.check != nil {
		data, confirmed, err := cf.check(s, r, f, n)
		if err != nil {
			s.refuseCaseForm(w, r, cf, f, key, err, nil)
			return
		}
		if !confirmed {
			v := s.view(r, "newCase."+string(cf.kind)+".title")
			v.Form = f
			s.renderCaseFormView(w, r, http.StatusOK, cf, v, key, data)
			return
		}
		check = data
	}
	c, err := s.cfg.Desk.OpenCase(r.Context(), Actor(r), n)
	if err != nil {
		s.refuseCaseForm(w, r, cf, f, key, err, check)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.Reference), http.StatusSeeOther)
}

// refuseCaseForm shows the form again with the desk's refusal beside its
// field, or answers an error that is no refusal with an error page.
func (s *Server) refuseCaseForm(w http.ResponseWriter, r *http.Request, cf caseForm, f *Form, key string, err error, check any) {
	v := s.view(r, "newCase."+string(cf.kind)+".title")
	v.Form = f
	fields := cf.fields
	if e, ok := desk.AsError(err); ok && cf.fieldOf != nil {
		named := *e
		named.Field = cf.fieldOf(s, r, f, e.Field)
		err, fields = &named, append(slices.Clone(fields), named.Field)
	}
	status, refused := v.Refused(err, fields...)
	if !refused {
		s.deskFailure(w, r, err)
		return
	}
	s.renderCaseFormView(w, r, status, cf, v, key, check)
}

// caseForm finds kind's form and checks the user may open such a case.
func (s *Server) caseForm(w http.ResponseWriter, r *http.Request, kind helpdesk.Kind) (caseForm, bool) {
	cf, ok := caseForms[kind]
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return caseForm{}, false
	}
	if !desk.Allowed(Actor(r), desk.ActionCreate(kind)) {
		s.errorPage(w, r, http.StatusForbidden, "")
		return caseForm{}, false
	}
	return cf, true
}

func (s *Server) renderCaseForm(w http.ResponseWriter, r *http.Request, status int, cf caseForm, f *Form, key string) {
	v := s.view(r, "newCase."+string(cf.kind)+".title")
	v.Form = f
	s.renderCaseFormView(w, r, status, cf, v, key, nil)
}

func (s *Server) renderCaseFormView(w http.ResponseWriter, r *http.Request, status int, cf caseForm, v *view, key string, check any) {
	d := newCaseData{IdempotencyKey: key, Action: "/cases/new?kind=" + url.QueryEscape(string(cf.kind)), Check: check}
	if cf.data != nil {
		var err error
		if d.Kind, err = cf.data(s, r, v); err != nil {
			s.deskFailure(w, r, err)
			return
		}
	}
	v.Data = d
	s.render(w, r, status, cf.page, v)
}
