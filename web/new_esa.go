package web

import (
	"net/http"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The ESA access form (/cases/new?kind=esa-access): a manager asks for
// access to ESA for someone in a unit they lead. Fields: employee (picked
// from the team), role, units (repeated), accessCodes (one field, codes
// separated by commas or spaces; the sensitive ones are named),
// justification, validFrom, validTo. ?employee= picks the person (the
// team page links so).

func init() {
	addCaseForm(caseForm{
		kind:   helpdesk.KindESAAccess,
		page:   parsePages("new_esa.html", "plan.html"),
		fields: []string{"employee", "role", "units", "accessCodes", "justification", "validFrom", "validTo"},
		data:   esaFormData,
		read:   readESA,
	})
}

type esaForm struct {
	Employees, Units choiceGroup
	Sensitive        string
	Plan             planView
}

// teamChoices are the people of the units the manager leads who may be
// asked for (not those a departure ended), for a select named name.
func (s *Server) teamChoices(r *http.Request, v *view, name, labelKey, hintKey string) (choiceGroup, error) {
	t, err := s.cfg.Desk.Team(r.Context(), v.Actor)
	if err != nil {
		return choiceGroup{}, err
	}
	var people []choice
	for _, u := range t.Units {
		for _, m := range u.People {
			if !m.Disabled {
				people = append(people, choice{Value: m.Username, Label: m.DisplayName + " (" + u.Name + ")"})
			}
		}
	}
	g := v.choices(name, labelKey, hintKey, people, r.URL.Query().Get(name))
	g.Empty = v.T("rolesForm.pick")
	return g, nil
}

func esaFormData(s *Server, r *http.Request, v *view) (any, error) {
	var d esaForm
	var err error
	if d.Employees, err = s.teamChoices(r, v, "employee", "esa.employee", "esa.employee.hint"); err != nil {
		return nil, err
	}
	var units []choice
	for _, u := range s.cfg.Directory.Units() {
		units = append(units, choice{Value: u.ID, Label: u.Name})
	}
	d.Units = v.choices("units", "esa.units", "esa.units.hint", units)
	d.Sensitive = strings.Join(s.cfg.Desk.CasePolicy().SensitiveAccessCodes, ", ")
	from, to := formOrQuery(r, v, "validFrom"), formOrQuery(r, v, "validTo")
	if !helpdesk.IsDate(from) {
		from = ""
	}
	if !helpdesk.IsDate(to) {
		to = ""
	}
	p, err := s.cfg.Desk.PlanAccess(v.Actor, from, to, splitCodes(formOrQuery(r, v, "accessCodes")))
	if err != nil {
		return nil, err
	}
	d.Plan = s.accessPlanView(v, p)
	return d, nil
}

func readESA(s *Server, r *http.Request, f *Form) desk.NewCase {
	l := Lang(r)
	req := &helpdesk.ESARequest{Employee: f.Value("employee"), Role: f.Value("role"), Units: formValues(f, "units"),
		AccessCodes: splitCodes(f.Value("accessCodes")), Justification: f.Value("justification"),
		ValidFrom: f.Value("validFrom"), ValidTo: f.Value("validTo")}
	required(f, "employee", l.T("esa.employee.missing"))
	required(f, "role", l.T("esa.role.missing"))
	if len(req.Units) == 0 {
		f.Fail("units", l.T("esa.units.missing"))
	}
	if len(req.AccessCodes) == 0 {
		f.Fail("accessCodes", l.T("esa.codes.missing"))
	}
	required(f, "justification", l.T("esa.justification.missing"))
	return desk.NewCase{ESA: req}
}
