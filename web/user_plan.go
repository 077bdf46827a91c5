package web

import (
	"net/http"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
)

// What a manager's request will set in motion and when (plan.html): the
// new-user, ESA and departure forms show it beside the fields, computed
// by the desk on the service calendar (desk.PlanNewUser, PlanAccess,
// PlanDeparture) for the dates in the form. With JavaScript it follows
// the date fields as they change (htmx asks the form's page for #plan
// with the dates only, never the names); without, it is computed when the
// page is shown: for the dates sent, or an example.

// planView is a plan in the page's words: a heading, steps in order, each
// with the moment it happens, and notes.
type planView struct {
	Heading string
	Steps   []planStep
	Notes   []string
	// Warning is said first, when something is urgent (a start that
	// leaves no time to prepare).
	Warning string
}

type planStep struct {
	Text string
	When moment
}

// formOrQuery is a field's value: as posted, or in the address (the plan
// asks the page for itself with the dates in the query).
func formOrQuery(r *http.Request, v *view, name string) string {
	if v.Form != nil && v.Form.Values != nil {
		if val := strings.TrimSpace(v.Form.Value(name)); val != "" {
			return val
		}
	}
	return strings.TrimSpace(r.URL.Query().Get(name))
}

// newUserPlanView says a new-user plan.
func (s *Server) newUserPlanView(v *view, p desk.NewUserPlan, equipment bool) planView {
	pv := planView{Heading: v.T("plan.newUser.heading", v.dateOf(p.StartDate).Text)}
	if p.Example {
		pv.Heading = v.T("plan.newUser.example", v.dateOf(p.StartDate).Text)
		pv.Notes = append(pv.Notes, v.T("plan.newUser.pickDate"))
	}
	if p.Late {
		pv.Warning = v.T("plan.newUser.late")
	}
	ready := v.T("plan.newUser.ready")
	if equipment {
		ready = v.T("plan.newUser.readyEquipment")
	}
	pv.Steps = append(pv.Steps,
		planStep{Text: ready, When: v.day(p.ReadyBy)},
		planStep{Text: v.T("plan.newUser.escalate"), When: v.day(p.EscalateAt)})
	if e := p.ESA; e != nil {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.newUser.esa", s.nameOf(e.Approver))})
		if len(e.Sensitive) > 0 {
			pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.second", strings.Join(e.Sensitive, ", "), s.nameOf(e.Second))})
		}
	}
	pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.newUser.start"), When: v.at(p.Start)})
	return pv
}

// accessPlanView says an ESA access plan.
func (s *Server) accessPlanView(v *view, p desk.AccessPlan) planView {
	pv := planView{Heading: v.T("plan.esa.heading")}
	pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.approver", s.nameOf(p.Approver))},
		planStep{Text: v.T("plan.esa.remind"), When: v.day(p.RemindAt)})
	if !p.EscalateAt.IsZero() {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.escalate"), When: v.day(p.EscalateAt)})
	}
	pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.lapse"), When: v.day(p.DecideBy)})
	if len(p.Sensitive) > 0 {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.second", strings.Join(p.Sensitive, ", "), s.nameOf(p.Second))})
	}
	if p.From.IsZero() {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.grant")})
	} else {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.grantFrom"), When: v.day(p.From)})
	}
	if p.Until.IsZero() {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.recertify")})
	} else {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.esa.until"), When: v.at(p.Until)})
	}
	if len(p.Sensitive) == 0 && len(p.SensitiveCodes) > 0 {
		pv.Notes = append(pv.Notes, v.T("plan.esa.sensitiveNote", strings.Join(p.SensitiveCodes, ", ")))
	}
	return pv
}

// departurePlanView says a departure plan.
func (s *Server) departurePlanView(v *view, p desk.DeparturePlan, employee string) planView {
	who := s.nameOf(employee)
	if who == "" {
		who = v.T("plan.departure.someone")
	}
	pv := planView{Heading: v.T("plan.departure.heading", who)}
	pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.withdraw")})
	switch n := len(p.Accesses); {
	case employee == "":
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.effectAny"), When: v.at(p.EffectiveAt)})
	case n == 0:
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.effectNone"), When: v.at(p.EffectiveAt)})
	default:
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.effect", n), When: v.at(p.EffectiveAt)})
	}
	if p.ForwardTo != "" {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.forward", s.nameOf(p.ForwardTo))})
	} else {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.keep")})
	}
	if p.ReturnEquipment {
		pv.Steps = append(pv.Steps, planStep{Text: v.T("plan.departure.equipment")})
	}
	return pv
}
