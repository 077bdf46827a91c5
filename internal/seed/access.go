package seed

import (
	"fmt"
	"slices"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// accessesPerPersonYear is how many ESA access requests a county's
// employee gets in a year: a new role, a project's temporary access, a
// colleague's archive to cover. Each one lands in the person's stream,
// which every request they make reads, so it stays a person's number,
// not a share of a million cases.
const accessesPerPersonYear = 0.8

// maxAccessShare bounds the share of cases that are access requests when
// the organisation is large and the record small.
const maxAccessShare = 0.03

// team is a manager and the other employees of a unit they lead: whom
// they may ask ESA access for.
type team struct {
	manager   directory.User
	unit      string
	employees []directory.User
}

// teams are the directory's managers with the employees of the units
// they lead, in the directory's order.
func teams(dir *directory.Directory) []team {
	var out []team
	for _, m := range dir.Users() {
		if !slices.Contains(m.Roles, helpdesk.RoleManager) {
			continue
		}
		for _, unit := range m.Leads {
			t := team{manager: m, unit: unit}
			for _, u := range dir.Users() {
				// (not the manager: nobody asks access for themselves)
				if u.Unit == unit && u.Username != m.Username && slices.Contains(u.Roles, helpdesk.RoleEmployee) {
					t.employees = append(t.employees, u)
				}
			}
			if len(t.employees) > 0 {
				out = append(out, t)
			}
		}
	}
	return out
}

// accessShare is the share of cases that are ESA access requests: each
// employee of a led unit gets accessesPerPersonYear of them.
func accessShare(ts []team, years, cases int) float64 {
	people := 0
	for _, t := range ts {
		people += len(t.employees)
	}
	return min(maxAccessShare, accessesPerPersonYear*float64(people*years)/float64(cases))
}

var esaRoles = []string{"saksbehandler", "saksbehandler", "leser", "arkivar", "leder"}

// esaCodes are ESA's access codes (tilgangskoder); P and PERS are the
// sensitive ones of the default policy.
var esaCodes = []string{"A", "B", "U", "UO"}

var esaJustifications = []string{"Ny rolle som saksbehandler i enheten.", "Skal behandle søknader om skoleskyss.",
	"Dekker for en kollega i permisjon.", "Prosjekt om arkivplan ut året.", "Trenger innsyn i elevsaker for oppfølging.",
	"Skal journalføre post for enheten.", "Personalsaker for enheten."}

// access plays an ESA access as its workflow runs it (workflows/access.go):
// asked for by the manager of the employee's unit; approved by the ESA
// system owner (and a second approver for sensitive codes); granted in
// ESA by arkiv; then active until validTo, a recertification the manager
// does not confirm, or the record's end. Each year the manager confirms
// it (an attestation), and the workflow continues as new. Granting and
// ending it are facts in the employee's stream.
func (p *play) access(at time.Time, tm team) error {
	g, r, s := p.g, p.r, p.s
	manager := tm.manager.Actor()
	employee := pick(r, tm.employees)
	req := helpdesk.ESARequest{Kind: helpdesk.KindESAAccess, Employee: employee.Username, Role: pick(r, esaRoles),
		Units: []string{tm.unit}, Justification: pick(r, esaJustifications)}
	for _, i := range r.Perm(len(esaCodes))[:1+r.IntN(2)] {
		req.AccessCodes = append(req.AccessCodes, esaCodes[i])
	}
	slices.Sort(req.AccessCodes)
	if r.IntN(100) < 15 && len(g.policy.SensitiveAccessCodes) > 0 {
		req.AccessCodes = append(req.AccessCodes, pick(r, g.policy.SensitiveAccessCodes))
	}
	today := at.In(helpdesk.Oslo).Format(time.DateOnly)
	if r.IntN(100) < 30 { // a temporary access: a project, a leave to cover
		req.ValidTo = at.In(helpdesk.Oslo).AddDate(0, 0, 30+r.IntN(300)).Format(time.DateOnly)
	}
	if err := req.Normalize(today); err != nil {
		return fmt.Errorf("seed: access request: %w", err)
	}
	// Who approves, as the desk looks them up (desk.esaInput).
	fallback := g.dir.FallbackApprover()
	owner := g.dir.WithRole(helpdesk.RoleESAOwner)
	if owner == "" || owner == manager.Username {
		owner = fallback
	}
	acc := req.Access(manager.Username, g.policy.SensitiveAccessCodes)
	if err := s.append(at, manager.Username, p.openCorr, []helpdesk.Event{
		helpdesk.OpenAccess(s.caseID, g.ref, req, acc, manager), helpdesk.AccessRequested{Access: acc}}); err != nil {
		return err
	}
	var ending string // why the access is being removed, once it is
	removals := 0     // the removal tasks opened (one more for each that failed)
	endTask := func(title string) helpdesk.TaskOpened {
		removals++
		return helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: fmt.Sprintf("esa-revoke-%d", removals),
			Group: workflows.GroupArchive, Title: title}
	}
	grant := helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "esa-grant", Group: workflows.GroupArchive,
		Title: "Gi " + employee.Username + " tilgangen i ESA"}
	s.react = func(at time.Time) error {
		t, ok := p.completed()
		if !ok {
			return nil
		}
		at = at.Add(40 * time.Millisecond) // the process's next workflow task
		approved := t.Outcome == helpdesk.OutcomeApproved
		switch {
		case t.Type == "esa-owner-approval" && !approved:
			return p.reject(at, "ESA-systemeier godkjente ikke tilgangen", t)
		case t.Type == "esa-owner-approval" && acc.Sensitive:
			return p.openTask(at, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "esa-sensitive-approval",
				Approver: fallback, Title: "Andre godkjenning: sensitive tilgangskoder for " + employee.Username})
		case t.Type == "esa-sensitive-approval" && !approved:
			return p.reject(at, "Andre godkjenner godkjente ikke de sensitive tilgangskodene", t)
		case t.Type == "esa-owner-approval", t.Type == "esa-sensitive-approval":
			return p.openTask(at, grant)
		case t.Type == "esa-grant" && t.Outcome != helpdesk.OutcomeDone:
			return p.reject(at, "Tilgangen kunne ikke settes opp i ESA", t)
		case t.Type == "esa-grant":
			p.waiting = ""
			if err := s.record(at, systemActor, p.openCorr, helpdesk.AccessGranted{}); err != nil {
				return err
			}
			return s.person(at, p.openCorr, employee.Username, helpdesk.PersonEvent{What: "access-granted", CaseID: s.caseID, Detail: "ESA " + acc.Role})
		case t.Kind == helpdesk.TaskApproval: // the yearly recertification
			if !approved {
				ending = "revoked"
				return p.openTask(at, endTask("Fjern tilgangen i ESA: ikke bekreftet ved årlig resertifisering"))
			}
			p.waiting = ""
			if err := s.record(at, systemActor, p.openCorr, helpdesk.AccessRecertified{By: t.DecidedBy}); err != nil {
				return err
			}
			// A new year, a new history: the record keeps everything.
			s.continueAsNew(uuidFrom(r).String())
			return nil
		case t.Outcome != helpdesk.OutcomeDone: // removing it failed: again
			return p.openTask(at, endTask(t.Title))
		default:
			p.waiting = ""
			if err := s.record(at, systemActor, p.openCorr, helpdesk.AccessEnded{Reason: ending}); err != nil {
				return err
			}
			return s.person(at, p.openCorr, employee.Username, helpdesk.PersonEvent{What: "access-ended", CaseID: s.caseID, Detail: ending})
		}
	}
	if err := p.openTask(at.Add(40*time.Millisecond), helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "esa-owner-approval",
		Approver: owner, Fallback: fallback, Title: "Godkjenn ESA-tilgang for " + employee.Username}); err != nil {
		return err
	}
	for !s.stopped && !s.state.Final() {
		if p.waiting == "" {
			// Active: the process sleeps until the access expires or is
			// due for recertification.
			c := s.state
			if c.Status != helpdesk.StatusActive || c.Access == nil {
				break
			}
			next, expires := workflows.RecertificationDue(*c.Access), workflows.AccessExpiry(c.Access.ValidTo)
			if !expires.IsZero() && !expires.After(next) {
				next = expires
			}
			if ok, err := s.advance(next); !ok || err != nil || next.After(s.end) {
				s.stopped = true
				return err
			}
			at := s.after(next)
			var err error
			if next.Equal(expires) {
				ending = "expired"
				err = p.openTask(at, endTask("Fjern tilgangen i ESA: gyldighetstiden er ute"))
			} else {
				err = p.openTask(at, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: fmt.Sprintf("esa-recertify-%d", c.Access.Recertified+1),
					Attestation: true, Approver: c.Access.Manager, Fallback: fallback,
					Title: "Bekreft at " + employee.Username + " fortsatt trenger ESA-tilgangen"})
			}
			if err != nil {
				return err
			}
			continue
		}
		t, _ := s.state.Task(p.waiting)
		if t.Status != helpdesk.TaskStatusOpen {
			break
		}
		var who helpdesk.Actor
		var when time.Time
		done := helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeDone}
		if t.Kind == helpdesk.TaskApproval {
			var ok bool
			if who, when, ok = p.approval(t); !ok {
				// Nobody decides: it expires, and the process goes on.
				_, _, expireAt := workflows.ApprovalSchedule(s.cal, g.policy, t.CreatedAt, t.Fallback != "")
				if expireAt.IsZero() {
					return s.finish()
				}
				if _, err := s.advance(expireAt); err != nil {
					return err
				}
				continue
			}
			done.Outcome = helpdesk.OutcomeApproved
			switch no := r.IntN(100); {
			case t.Type == "esa-owner-approval" && no < 4:
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeRejected, Comment: "Rollen trenger ikke disse tilgangskodene"}
			case t.Type == "esa-sensitive-approval" && no < 10:
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeRejected, Comment: "Ikke behov for innsyn i personalsaker"}
			case t.Attestation && no < 8:
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeRejected, Comment: "Har ikke lenger behov for tilgangen"}
			}
		} else {
			var ok bool
			if who, ok = p.caseworker(t.Group); !ok {
				return s.finish() // nobody in arkiv: it waits
			}
			when = p.later(t.CreatedAt, hours(p.uniform(0.5, 12)))
			if r.IntN(100) < 3 {
				done = helpdesk.CompleteRequest{Outcome: helpdesk.OutcomeFailed, Comment: "ESA var utilgjengelig"}
			}
		}
		if ok, err := p.complete(when, who, t.ID, done); !ok || err != nil {
			return err
		}
	}
	return s.finish()
}
