package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The new-user form (/cases/new?kind=new-user): a manager onboards a new
// employee of a unit they lead. Its fields carry the API's names, the
// nested ones with a dot: employee.givenName, employee.familyName, unit,
// jobTitle, startDate, endDate, equipment (repeated), software
// (repeated, and the others typed in), esaAccess.role, esaAccess.units
// (repeated), esaAccess.accessCodes (one field, codes separated by commas
// or spaces). The ESA access is asked for when any of its fields is
// filled in.

func init() {
	addCaseForm(caseForm{
		kind: helpdesk.KindNewUser,
		page: parsePages("new_newuser.html", "plan.html"),
		fields: []string{"employee.givenName", "employee.familyName", "unit", "jobTitle", "startDate", "endDate", "equipment", "software",
			"esaAccess.role", "esaAccess.units", "esaAccess.accessCodes"},
		data: newUserFormData,
		read: readNewUser,
	})
}

type newUserForm struct {
	Units, Equipment, Software, ESAUnits choiceGroup
	// OtherSoftware is the software typed in (not in the catalog).
	OtherSoftware string
	// ESAOpen: the ESA part was filled in (it opens, without JavaScript).
	ESAOpen   bool
	Sensitive string
	Plan      planView
	PlanQuery string
}

func newUserFormData(s *Server, r *http.Request, v *view) (any, error) {
	actor := v.Actor
	var units []choice
	if v.User != nil {
		for _, id := range v.User.Leads {
			if s.cfg.Directory.Manages(actor.Username, id) {
				units = append(units, choice{Value: id, Label: s.cfg.Directory.UnitName(id)})
			}
		}
	}
	d := newUserForm{}
	def := []string{}
	if len(units) > 0 {
		def = []string{units[0].Value}
	}
	d.Units = v.choices("unit", "newUser.unit", "newUser.unit.hint", units, def...)
	var equipment, software []choice
	cat := s.cfg.Desk.Catalog()
	ids := make([]string, 0, len(cat))
	for id := range cat {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(cat[a].Name, cat[b].Name) })
	for _, id := range ids {
		it := cat[id]
		c := choice{Value: it.ID, Label: it.Name}
		if it.PriceNOK > 0 {
			c.Hint = v.NOK(it.PriceNOK)
		}
		if it.Category == helpdesk.CategorySoftware {
			software = append(software, c)
		} else {
			equipment = append(equipment, c)
		}
	}
	d.Equipment = v.choices("equipment", "newUser.equipment", "newUser.equipment.hint", equipment)
	d.Software = v.choices("software", "newUser.software", "", software)
	if v.Form != nil {
		var other []string
		for _, sw := range formValues(v.Form, "software") {
			if _, inCat := cat[sw]; !inCat {
				other = append(other, sw)
			}
		}
		d.OtherSoftware = strings.Join(other, ", ")
	}
	var esaUnits []choice
	for _, u := range s.cfg.Directory.Units() {
		esaUnits = append(esaUnits, choice{Value: u.ID, Label: u.Name})
	}
	d.ESAUnits = v.choices("esaAccess.units", "esa.units", "esa.units.hint", esaUnits)
	codes := splitCodes(formOrQuery(r, v, "esaAccess.accessCodes"))
	withESA := formOrQuery(r, v, "esaAccess.role") != "" || len(codes) > 0 || (v.Form != nil && len(formValues(v.Form, "esaAccess.units")) > 0)
	d.ESAOpen = withESA || v.Form.Error("esaAccess.role") != "" || v.Form.Error("esaAccess.units") != "" || v.Form.Error("esaAccess.accessCodes") != ""
	d.Sensitive = strings.Join(s.cfg.Desk.CasePolicy().SensitiveAccessCodes, ", ")
	start := formOrQuery(r, v, "startDate")
	if !helpdesk.IsDate(start) {
		start = ""
	}
	p, err := s.cfg.Desk.PlanNewUser(actor, start, withESA, codes)
	if err != nil {
		return nil, err
	}
	equip := len(formValues(orEmpty(v.Form), "equipment")) > 0 || len(formValues(orEmpty(v.Form), "software")) > 0
	d.Plan = s.newUserPlanView(v, p, equip)
	return d, nil
}

func readNewUser(s *Server, r *http.Request, f *Form) desk.NewCase {
	l := Lang(r)
	req := &helpdesk.NewUserRequest{Unit: f.Value("unit"), JobTitle: f.Value("jobTitle"), StartDate: f.Value("startDate"),
		EndDate: f.Value("endDate"), Equipment: formValues(f, "equipment")}
	req.Employee.GivenName, req.Employee.FamilyName = f.Value("employee.givenName"), f.Value("employee.familyName")
	for _, sw := range formValues(f, "software") {
		req.Software = append(req.Software, splitComma(sw)...)
	}
	role, units, codes := strings.TrimSpace(f.Value("esaAccess.role")), formValues(f, "esaAccess.units"), splitCodes(f.Value("esaAccess.accessCodes"))
	if role != "" || len(units) > 0 || len(codes) > 0 {
		req.ESAAccess = &helpdesk.NewUserESA{Role: role, Units: units, AccessCodes: codes}
	}
	// Every empty required field at once, so the summary lists them all;
	// the desk judges the rest (and these again).
	required(f, "employee.givenName", l.T("newUser.givenName.missing"))
	required(f, "employee.familyName", l.T("newUser.familyName.missing"))
	required(f, "jobTitle", l.T("newUser.jobTitle.missing"))
	required(f, "startDate", l.T("newUser.startDate.missing"))
	if req.ESAAccess != nil {
		required(f, "esaAccess.role", l.T("esa.role.missing"))
		if len(units) == 0 {
			f.Fail("esaAccess.units", l.T("esa.units.missing"))
		}
		if len(codes) == 0 {
			f.Fail("esaAccess.accessCodes", l.T("esa.codes.missing"))
		}
	}
	return desk.NewCase{NewUser: req}
}
