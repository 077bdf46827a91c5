package desk

import (
	"context"
	"slices"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func TestPlansAreOnTheServiceCalendar(t *testing.T) {
	now := osloAt(2026, 1, 5, 10, 0) // Monday 5 January 2026
	td := newDeskAt(t, readModel{}, now)
	dir := directory.Demo()
	kari := demoActor(t, dir, "kari", "2026-01-05")

	p, err := td.PlanNewUser(kari, "2026-01-12", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.ReadyBy.Equal(osloAt(2026, 1, 9, 7, 30)) || !p.EscalateAt.Equal(osloAt(2026, 1, 7, 7, 30)) || p.Late || p.Example || p.ESA != nil {
		t.Errorf("a start on Monday 12 January: got %+v, want ready by Friday 9 January, escalated Wednesday 7 January", p)
	}
	// Starting on Wednesday leaves less than three service days: open
	// work is escalated at once.
	if p, _ := td.PlanNewUser(kari, "2026-01-07", false, nil); !p.Late || !p.ReadyBy.Equal(osloAt(2026, 1, 6, 7, 30)) {
		t.Errorf("a start on Wednesday 7 January: %+v, want late and ready by Tuesday", p)
	}
	// Without a date: the earliest start with the full preparation time
	// (Friday: escalated Tuesday 07:30, still ahead).
	if p, _ := td.PlanNewUser(kari, "", false, nil); !p.Example || p.StartDate != "2026-01-09" {
		t.Errorf("the example start: %+v, want Friday 2026-01-09", p)
	}
	if _, err := td.PlanNewUser(kari, "12.01.2026", false, nil); !IsKind(err, Invalid) {
		t.Errorf("a date that is no date: %v", err)
	}

	// ESA with a sensitive code: the system owner, then the service owner.
	p, err = td.PlanNewUser(kari, "2026-01-12", true, []string{"A", "p"})
	if err != nil {
		t.Fatal(err)
	}
	e := p.ESA
	if e == nil || e.Approver != "arne" || e.Second != "nina" || !slices.Equal(e.Sensitive, []string{"P"}) ||
		!slices.Equal(e.SensitiveCodes, []string{"P", "PERS"}) {
		t.Fatalf("the ESA plan: %+v", e)
	}
	if !e.RemindAt.Equal(osloAt(2026, 1, 6, 10, 0)) || !e.EscalateAt.Equal(osloAt(2026, 1, 7, 10, 0)) || !e.DecideBy.Equal(osloAt(2026, 1, 12, 10, 0)) {
		t.Errorf("the approval's schedule: remind %s, escalate %s, decide by %s", e.RemindAt, e.EscalateAt, e.DecideBy)
	}
	a, err := td.PlanAccess(kari, "2026-02-01", "2026-06-30", []string{"A"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Second != "" || len(a.Sensitive) != 0 || !a.From.Equal(osloAt(2026, 2, 1, 0, 0)) || !a.Until.Equal(osloAt(2026, 7, 1, 0, 0)) {
		t.Errorf("an access from February through June: %+v", a)
	}
	// Arne asks for an access himself: he does not approve it.
	if a, _ := td.PlanAccess(helpdesk.Actor{Username: "arne", Roles: []helpdesk.Role{helpdesk.RoleManager}}, "", "", []string{"A"}); a.Approver != "nina" {
		t.Errorf("arne's own request is approved by %q, want nina", a.Approver)
	}

	td.seed(t, helpdesk.PersonStream("ola"), "brukerhjelp", now, helpdesk.PersonEvent{What: "access-granted", CaseID: olasAccess})
	ctx := context.Background()
	d, err := td.PlanDeparture(ctx, kari, "ola", "2026-03-31", "kari", true)
	if err != nil {
		t.Fatal(err)
	}
	if !d.EffectiveAt.Equal(osloAt(2026, 3, 31, 16, 0)) || !slices.Equal(d.Accesses, []string{olasAccess}) || d.ForwardTo != "kari" || !d.ReturnEquipment {
		t.Errorf("ola's departure: %+v", d)
	}
	if _, err := td.PlanDeparture(ctx, kari, "eva", "2026-03-31", "", false); !IsKind(err, Forbidden) {
		t.Errorf("kari plans eva's departure: %v", err)
	}
	for _, name := range []string{"ola", "per", "siri"} {
		if _, err := td.PlanNewUser(demoActor(t, dir, name, "2026-01-05"), "2026-01-12", false, nil); !refusedByPolicy(err, ActionCreate(helpdesk.KindNewUser)) {
			t.Errorf("%s plans a new user: %v", name, err)
		}
	}
}
