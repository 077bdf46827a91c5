package desk

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// lists is a read model that holds the given cases and tasks, filtered
// as the real one filters (status, visibility, the actor's tasks).
type lists struct {
	readModel
	cases []helpdesk.Case
	tasks []readmodel.TaskItem
}

func (l lists) ListCases(_ context.Context, f readmodel.Filter) (readmodel.Page, error) {
	var p readmodel.Page
	for _, c := range l.cases {
		if f.Status != "" && c.Status != f.Status {
			continue
		}
		v := f.Visibility
		if !v.All && c.Reporter != v.User && !slices.ContainsFunc(c.Tasks, func(t helpdesk.Task) bool { return t.Approver == v.User }) {
			continue
		}
		p.Items = append(p.Items, readmodel.CaseSummary{ID: c.ID, Reference: c.Reference, Kind: c.Kind, Status: c.Status, Title: c.Title, Reporter: c.Reporter})
	}
	return p, nil
}

func (l lists) ListTasks(_ context.Context, f readmodel.TaskFilter) ([]readmodel.TaskItem, error) {
	var out []readmodel.TaskItem
	for _, t := range l.tasks {
		if f.For == nil || t.Approver == f.For.Username || slicesContains(f.For.Deputising, t.Approver) {
			out = append(out, t)
		}
	}
	return out, nil
}

func slicesContains(s []string, v string) bool { return slices.Contains(s, v) }

// newDeskAt is a desk on a fresh record with the read model l, at the
// clock now.
func newDeskAt(t *testing.T, l Lists, now time.Time) testDesk {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &engine{}
	d, err := New(Config{Workflows: e, Record: store, Directory: directory.Demo(), Lists: l, Notifications: readModel{},
		Reports: readModel{}, Announcements: readModel{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return testDesk{Desk: d, engine: e, store: store}
}

func osloAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, helpdesk.Oslo)
}

// fold folds events as the record would hold them.
func fold(at time.Time, actor string, events ...helpdesk.Event) helpdesk.Case {
	c := helpdesk.NewCase()
	for i, e := range events {
		c.Apply(e, helpdesk.Metadata{Actor: actor, OccurredAt: at}, int64(i))
	}
	return c
}

const (
	olasAccess = "7d3c5a0e-8f1b-4c2d-9e3f-000000000010"
	karisHire  = "7d3c5a0e-8f1b-4c2d-9e3f-000000000011"
	evasOrder  = "7d3c5a0e-8f1b-4c2d-9e3f-000000000012"
)

func TestTeamShowsTheUnitsPeopleTheirAccessesAndWhoActsNow(t *testing.T) {
	now := osloAt(2026, 3, 2, 10, 0)
	granted := osloAt(2026, 1, 15, 9, 0)
	access := []helpdesk.Event{
		helpdesk.CaseOpened{CaseID: olasAccess, Reference: "BH-2026-000010", Kind: helpdesk.KindESAAccess, Title: "ESA-tilgang for ola: saksbehandler",
			Reporter: "kari", CreatedBy: "kari", Group: "arkiv"},
		helpdesk.AccessRequested{Access: helpdesk.ESAAccess{Employee: "ola", Role: "saksbehandler", Units: []string{"opplaering"},
			AccessCodes: []string{"A", "P"}, Sensitive: true, Manager: "kari", ValidTo: "2026-12-31"}},
	}
	hire := []helpdesk.Event{
		helpdesk.CaseOpened{CaseID: karisHire, Reference: "BH-2026-000011", Kind: helpdesk.KindNewUser, Title: "Ny bruker: Nora Ny, lektor (start 2026-03-16)",
			Reporter: "kari", CreatedBy: "kari", Group: "brukerhjelp"},
		helpdesk.TaskOpened{TaskID: karisHire + ".t1", Kind: helpdesk.TaskFulfilment, Type: "create-account", Group: "brukerhjelp",
			Title: "Opprett konto for Nora Ny", DueAt: osloAt(2026, 3, 13, 7, 30)},
	}
	order := []helpdesk.Event{
		helpdesk.CaseOpened{CaseID: evasOrder, Reference: "BH-2026-000012", Kind: helpdesk.KindOrder, Title: "Lisens", Reporter: "eva", CreatedBy: "eva", Group: "brukerhjelp"},
		helpdesk.TaskOpened{TaskID: evasOrder + ".t1", Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden", Approver: "jon", Fallback: "nina"},
	}
	l := lists{cases: []helpdesk.Case{fold(now, "kari", hire...), fold(now, "eva", order...)}}
	td := newDeskAt(t, l, now)
	td.seed(t, helpdesk.Stream(olasAccess), "kari", granted, access...)
	td.seed(t, helpdesk.Stream(olasAccess), "per", granted, helpdesk.AccessGranted{})
	td.seed(t, helpdesk.Stream(karisHire), "kari", now, hire...)
	td.seed(t, helpdesk.Stream(evasOrder), "eva", now, order...)
	td.seed(t, helpdesk.PersonStream("ola"), "brukerhjelp", granted, helpdesk.PersonEvent{What: "access-granted", CaseID: olasAccess})
	td.seed(t, helpdesk.PersonStream("nora"), "brukerhjelp", now,
		helpdesk.PersonEvent{What: "account-created", CaseID: karisHire, DisplayName: "Nora Ny", Unit: "opplaering", From: "2026-03-16"})
	td.seed(t, helpdesk.PersonStream("eva"), "brukerhjelp", now, helpdesk.PersonEvent{What: "account-disabled", CaseID: evasOrder})
	ctx := context.Background()
	dir := directory.Demo()

	team, err := td.Team(ctx, demoActor(t, dir, "kari", "2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	if len(team.Units) != 1 || team.Units[0].ID != "opplaering" || team.Units[0].Name != "Opplæring" {
		t.Fatalf("kari's units: %+v", team.Units)
	}
	var names []string
	byName := map[string]TeamMember{}
	for _, m := range team.Units[0].People {
		names = append(names, m.Username)
		byName[m.Username] = m
	}
	if !slices.Equal(names, []string{"kari", "ola", "nora"}) {
		t.Errorf("kari's people: got %v, want kari, ola and the new nora", names)
	}
	if n := byName["nora"]; !n.New || n.From != "2026-03-16" || n.DisplayName != "Nora Ny" {
		t.Errorf("the new account: %+v", n)
	}
	ola := byName["ola"]
	if len(ola.Accesses) != 1 {
		t.Fatalf("ola's accesses: %+v", ola.Accesses)
	}
	a := ola.Accesses[0]
	if a.Reference != "BH-2026-000010" || a.Role != "saksbehandler" || !a.Sensitive || a.ValidTo != "2026-12-31" ||
		!a.RecertifyBy.Equal(granted.AddDate(1, 0, 0)) {
		t.Errorf("ola's access: got %+v, want valid to 2026-12-31 and recertified by %s", a, granted.AddDate(1, 0, 0))
	}
	if len(team.Requests) != 1 || team.Requests[0].Reference != "BH-2026-000011" {
		t.Fatalf("kari's open requests: %+v (eva's order is jon's to decide)", team.Requests)
	}
	if got := team.Requests[0].Acting; len(got) != 1 || got[0].Group != "brukerhjelp" || got[0].Task != "Opprett konto for Nora Ny" ||
		!got[0].Due.Equal(osloAt(2026, 3, 13, 7, 30)) {
		t.Errorf("who acts on the new user: %+v", got)
	}

	team, err = td.Team(ctx, demoActor(t, dir, "jon", "2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	var jons []string
	for _, m := range team.Units[0].People {
		jons = append(jons, m.Username)
		if m.Username == "eva" && !m.Disabled {
			t.Error("eva's account was disabled by a departure, the team page does not say so")
		}
	}
	if !slices.Equal(jons, []string{"eva", "jon"}) {
		t.Errorf("jon's people: %v", jons)
	}
	if len(team.Requests) != 1 || team.Requests[0].Reference != "BH-2026-000012" || team.Requests[0].Acting[0].Username != "jon" {
		t.Errorf("jon decides eva's order: %+v", team.Requests)
	}
	if _, err := td.Team(ctx, demoActor(t, dir, "ola", "2026-03-02")); !refusedByPolicy(err, ActionTeam) {
		t.Errorf("ola reads a team: %v", err)
	}
}

func TestActingNow(t *testing.T) {
	at := osloAt(2026, 3, 2, 10, 0)
	opened := helpdesk.CaseOpened{CaseID: "c", Reference: "BH-2026-000001", Kind: helpdesk.KindIncident, Reporter: "ola", Group: "brukerhjelp"}
	for _, tt := range []struct {
		name   string
		events []helpdesk.Event
		want   []Acting
	}{
		{"a new case waits in its group's queue", []helpdesk.Event{opened}, []Acting{{Group: "brukerhjelp"}}},
		{"a claimed case is its assignee's", []helpdesk.Event{opened, helpdesk.CaseClaimed{Assignee: "per"}}, []Acting{{Username: "per"}}},
		{"a question waits for the reporter", []helpdesk.Event{opened, helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.InfoRequested{Question: "Hvilken?"}},
			[]Acting{{Username: "ola"}}},
		{"an escalated approval is the fallback's", []helpdesk.Event{opened,
			helpdesk.TaskOpened{TaskID: "c.t1", Kind: helpdesk.TaskApproval, Title: "Godkjenn", Approver: "kari", Fallback: "nina"},
			helpdesk.TaskEscalated{TaskID: "c.t1", From: "kari", To: "nina"}}, []Acting{{Username: "nina", Task: "Godkjenn"}}},
		{"a resolved case is nobody's", []helpdesk.Event{opened, helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.CaseResolved{Resolution: "ok"}}, []Acting{}},
	} {
		got := ActingNow(fold(at, "per", tt.events...))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
