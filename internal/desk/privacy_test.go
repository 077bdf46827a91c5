package desk

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// eraser is an erasure engine that records what it is asked and erases
// every item (the workflow and its activity have tests of their own).
type eraser struct{ asked []workflows.ErasureInput }

func (e *eraser) Erase(_ context.Context, in workflows.ErasureInput) ([]activities.EraseOutput, error) {
	e.asked = append(e.asked, in)
	out := make([]activities.EraseOutput, len(in.Items))
	for i, it := range in.Items {
		out[i] = activities.EraseOutput{Item: it, Erased: true, Events: 2, Fields: []string{"CaseOpened.title"}}
	}
	return out, nil
}

// index is the read model's answer to whose cases are whose.
type index map[string][]string

func (ix index) CasesConcerning(_ context.Context, username string) ([]string, error) {
	return ix[username], nil
}

const (
	olasOld         = "7d3c5a0e-8f1b-4c2d-9e3f-000000000003" // ended a year ago
	olasHeld        = "7d3c5a0e-8f1b-4c2d-9e3f-000000000004" // ended, under legal hold
	olasEndedAccess = "7d3c5a0e-8f1b-4c2d-9e3f-000000000005" // an access of his, ended
)

// privacyDesk is the policy test's world with ola's history in it.
func privacyDesk(t *testing.T) (testDesk, *eraser) {
	t.Helper()
	td := newTestDesk(t)
	seedWorld(t, td)
	now := time.Now()
	long := now.AddDate(-3, 0, 0)
	td.seed(t, helpdesk.Stream(olasCase), "per", now, helpdesk.CommentAdded{CommentID: "c1", Body: "Ola virker sliten", Internal: true})
	td.seed(t, helpdesk.Stream(olasOld), "ola", now.AddDate(-1, 0, 0), helpdesk.CaseOpened{CaseID: olasOld, Reference: "BH-2023-000007", Kind: helpdesk.KindIncident,
		Title: "Gammel sak", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"}, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	td.seed(t, helpdesk.Stream(olasHeld), "ola", long, helpdesk.CaseOpened{CaseID: olasHeld, Reference: "BH-2023-000008", Kind: helpdesk.KindGuidance,
		Title: "Omstridt sak", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"}, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	td.seed(t, helpdesk.LegalHoldStream(olasHeld), "dina", now, helpdesk.LegalHoldSet{CaseID: olasHeld, Reason: "Klage"})
	td.seed(t, helpdesk.Stream(olasEndedAccess), "kari", long, helpdesk.CaseOpened{CaseID: olasEndedAccess, Reference: "BH-2023-000009", Kind: helpdesk.KindESAAccess,
		Title: "ESA-tilgang for ola", Reporter: "kari", CreatedBy: "kari", Group: "arkiv"},
		helpdesk.AccessRequested{Access: helpdesk.ESAAccess{Employee: "ola", Role: "saksbehandler"}}, helpdesk.AccessEnded{Reason: "revoked"})
	e := &eraser{}
	td.Desk.erasure = e
	td.Desk.people = index{"ola": {olasCase, olasOrder, olasOld, olasHeld, olasEndedAccess}}
	return td, e
}

func actorOf(t *testing.T, td testDesk, name string) helpdesk.Actor {
	t.Helper()
	u, _ := directory.Demo().User(name)
	a, err := td.Actor(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAPersonSeesTheirOwnData: ola gets everything held about him but
// the caseworkers' internal notes; dina gets it all; eva gets nothing of
// his; the read is on the record.
func TestAPersonSeesTheirOwnData(t *testing.T) {
	td, _ := privacyDesk(t)
	ctx := context.Background()
	own, err := td.PersonData(ctx, actorOf(t, td, "ola"), "ola")
	if err != nil {
		t.Fatal(err)
	}
	if own.Directory == nil || own.Directory.DisplayName != "Ola Nordmann" || len(own.Cases) != 5 {
		t.Fatalf("ola's data: directory %+v, %d cases", own.Directory, len(own.Cases))
	}
	byRef := map[string]PersonCase{}
	for _, c := range own.Cases {
		byRef[c.Case.Reference] = c
	}
	if c := byRef[olasRef]; len(c.Case.Comments) != 0 || c.Retention.Kept != helpdesk.KeptOpen {
		t.Errorf("ola's open case shows him %d comments (an internal one?), retention %+v", len(c.Case.Comments), c.Retention)
	}
	if c := byRef["BH-2023-000009"]; !slices.Equal(c.Roles, []string{CaseRoleSubject}) {
		t.Errorf("the access about ola has roles %v", c.Roles)
	}
	if c := byRef["BH-2023-000008"]; !c.LegalHold.Active || c.OnRequest.Kept != helpdesk.KeptLegalHold {
		t.Errorf("the held case: hold %+v, on request %+v", c.LegalHold, c.OnRequest)
	}
	if c := byRef["BH-2023-000007"]; !c.OnRequest.Erase || c.Retention.Kept != helpdesk.KeptRetention || c.Retention.Until.IsZero() {
		t.Errorf("the year-old case: on request %+v, retention %+v; want erasable now, else kept until a date", c.OnRequest, c.Retention)
	}
	all, err := td.PersonData(ctx, actorOf(t, td, "dina"), "ola")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all.Cases {
		if c.Case.ID == olasCase && (len(c.Case.Comments) != 1 || !c.Case.Comments[0].Internal) {
			t.Errorf("dina does not see the internal note: %+v", c.Case.Comments)
		}
	}
	if _, err := td.PersonData(ctx, actorOf(t, td, "eva"), "ola"); !IsKind(err, Forbidden) {
		t.Errorf("eva asks for ola's data: %v, want Forbidden", err)
	}
	if _, err := td.PersonData(ctx, actorOf(t, td, "dina"), "nobody"); !IsKind(err, NotFound) {
		t.Errorf("dina asks for nobody's data: %v, want NotFound", err)
	}
	reads, _ := td.store.ReadAll(ctx, 0, 0, eventstore.Filter{StreamPrefixes: []string{"auditlog-"}})
	var whats []string
	for _, r := range reads {
		var ar audit.AuditRead
		json.Unmarshal(r.Data, &ar)
		whats = append(whats, ar.Actor+":"+ar.What+":"+ar.Query)
	}
	if !slices.Contains(whats, "ola:person-data:username=ola") || !slices.Contains(whats, "dina:person-data:username=ola") {
		t.Errorf("the reads on the record: %v", whats)
	}
}

// TestErasingAPersonSaysWhatWasKept: dina's erasure of ola erases only
// what the law allows — the ended incident — and says why the rest stays:
// an open case, bookkeeping, a legal hold, an access decision.
func TestErasingAPersonSaysWhatWasKept(t *testing.T) {
	td, e := privacyDesk(t)
	ctx := context.Background()
	rep, err := td.ErasePerson(ctx, actorOf(t, td, "dina"), "ola")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.asked) != 1 || len(e.asked[0].Items) != 1 || e.asked[0].Items[0].CaseID != olasOld || e.asked[0].By != "dina" ||
		e.asked[0].Items[0].Rule != helpdesk.RuleRequest {
		t.Fatalf("the erasure engine was asked %+v", e.asked)
	}
	if len(rep.Erased) != 1 || rep.Erased[0].Reference != "BH-2023-000007" {
		t.Errorf("erased: %+v", rep.Erased)
	}
	kept := map[string]string{}
	for _, k := range rep.Kept {
		kept[k.Reference] = k.Kept
		if k.Basis == "" || k.BasisEn == "" {
			t.Errorf("%s kept without a reason: %+v", k.Reference, k)
		}
	}
	want := map[string]string{olasRef: helpdesk.KeptOpen, "BH-2026-000002": helpdesk.KeptOpen,
		"BH-2023-000008": helpdesk.KeptLegalHold, "BH-2023-000009": helpdesk.KeptRetention}
	for ref, why := range want {
		if kept[ref] != why {
			t.Errorf("%s kept as %q, want %q (all kept: %v)", ref, kept[ref], why, kept)
		}
	}
	for _, k := range rep.Kept {
		if k.Reference == "BH-2023-000009" && (k.Until.IsZero() || k.Rule != "access-decisions-5y") {
			t.Errorf("the access decision is kept without saying until when: %+v", k)
		}
	}
	if _, err := td.ErasePerson(ctx, actorOf(t, td, "dina"), "nobody"); !IsKind(err, NotFound) {
		t.Errorf("erasing nobody: %v, want NotFound", err)
	}
}

// TestLegalHolds: dina holds a case and lifts it; each is on the record
// in the case's hold stream; a second hold is a conflict; without a
// reason it is invalid.
func TestLegalHolds(t *testing.T) {
	td, _ := privacyDesk(t)
	ctx := context.Background()
	dina := actorOf(t, td, "dina")
	h, err := td.SetLegalHold(ctx, dina, olasRef, "Innsynskrav fra advokat")
	if err != nil || !h.LegalHold.Active || h.LegalHold.SetBy != "dina" || h.Reference != olasRef {
		t.Fatalf("SetLegalHold = %+v, %v", h, err)
	}
	if _, err := td.SetLegalHold(ctx, dina, olasRef, "igjen"); !IsKind(err, Conflict) {
		t.Errorf("a second hold: %v, want Conflict", err)
	}
	if _, err := td.LiftLegalHold(ctx, dina, olasRef, " "); !IsKind(err, Invalid) {
		t.Errorf("lifting without a reason: %v, want Invalid", err)
	}
	if h, err = td.LiftLegalHold(ctx, dina, olasRef, "Saken er avgjort"); err != nil || h.LegalHold.Active {
		t.Fatalf("LiftLegalHold = %+v, %v", h, err)
	}
	evs, err := td.store.ReadStream(ctx, helpdesk.LegalHoldStream(olasCase), 0, 0)
	if err != nil || len(evs) != 2 || evs[0].Type != "LegalHoldSet" || evs[1].Type != "LegalHoldLifted" ||
		!strings.Contains(string(evs[0].Data), "Innsynskrav") {
		t.Errorf("the hold stream: %d events, %v", len(evs), err)
	}
	if _, err := td.SetLegalHold(ctx, dina, "BH-2026-999999", "x"); !IsKind(err, NotFound) {
		t.Errorf("holding no case: %v, want NotFound", err)
	}
}

func TestDinaFindsPeople(t *testing.T) {
	td, _ := privacyDesk(t)
	got, err := td.FindPeople(context.Background(), actorOf(t, td, "dina"), "NORD")
	if err != nil || len(got) != 1 || got[0].Username != "ola" {
		t.Errorf("FindPeople(NORD) = %+v, %v", got, err)
	}
	if _, err := td.FindPeople(context.Background(), actorOf(t, td, "dina"), strings.Repeat("x", 101)); !IsKind(err, Invalid) {
		t.Errorf("a long search: %v", err)
	}
	_ = readmodel.MaxLimit
}
