package web

import (
	"net/http"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The departure form (/cases/new?kind=departure): a manager reports that
// someone in a unit they lead leaves. Fields: employee (picked from the
// team), lastWorkingDay, mailboxForwardTo (anyone in the directory, or
// nobody), returnEquipment (a checkbox, "true").

func init() {
	addCaseForm(caseForm{
		kind:   helpdesk.KindDeparture,
		page:   parsePages("new_departure.html", "plan.html"),
		fields: []string{"employee", "lastWorkingDay", "mailboxForwardTo", "returnEquipment"},
		data:   departureFormData,
		read:   readDeparture,
	})
}

type departureForm struct {
	Employees, ForwardTo, Equipment choiceGroup
	Plan                            *planView
}

func departureFormData(s *Server, r *http.Request, v *view) (any, error) {
	var d departureForm
	var err error
	if d.Employees, err = s.teamChoices(r, v, "employee", "departure.employee", ""); err != nil {
		return nil, err
	}
	var everyone []choice
	for _, u := range s.cfg.Directory.Users() {
		everyone = append(everyone, choice{Value: u.Username, Label: u.DisplayName})
	}
	d.ForwardTo = v.choices("mailboxForwardTo", "departure.forward", "departure.forward.hint", everyone)
	d.ForwardTo.Empty = v.T("departure.forward.none")
	d.Equipment = v.choices("returnEquipment", "departure.equipment", "", []choice{{Value: "true", Label: v.T("departure.equipment.yes")}}, "true")
	day := formOrQuery(r, v, "lastWorkingDay")
	if helpdesk.IsDate(day) {
		employee := formOrQuery(r, v, "employee")
		// The box is checked when the page is first shown.
		ret := formOrQuery(r, v, "returnEquipment") == "true" || (v.Form == nil && r.Header.Get("HX-Request") == "")
		p, err := s.cfg.Desk.PlanDeparture(r.Context(), v.Actor, employee, day, formOrQuery(r, v, "mailboxForwardTo"), ret)
		if desk.IsKind(err, desk.Forbidden) || desk.IsKind(err, desk.Invalid) {
			// Someone not in the team: the form says so when sent.
			p, err = s.cfg.Desk.PlanDeparture(r.Context(), v.Actor, "", day, "", false)
			employee = ""
		}
		if err != nil {
			return nil, err
		}
		pv := s.departurePlanView(v, p, employee)
		d.Plan = &pv
	} else {
		d.Plan = &planView{Heading: v.T("plan.departure.general"), Steps: []planStep{
			{Text: v.T("plan.departure.withdraw")}, {Text: v.T("plan.departure.effectGeneral")}}}
	}
	return d, nil
}

func readDeparture(s *Server, r *http.Request, f *Form) desk.NewCase {
	l := Lang(r)
	req := &helpdesk.DepartureRequest{Employee: f.Value("employee"), LastWorkingDay: f.Value("lastWorkingDay"),
		MailboxForwardTo: f.Value("mailboxForwardTo"), ReturnEquipment: f.Value("returnEquipment") == "true"}
	required(f, "employee", l.T("departure.employee.missing"))
	required(f, "lastWorkingDay", l.T("departure.day.missing"))
	return desk.NewCase{Departure: req}
}
