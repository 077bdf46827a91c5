package helpdesk

import (
	"testing"
	"time"
)

func TestReferences(t *testing.T) {
	if got, want := FormatReference(2026, 42), "BH-2026-000042"; got != want {
		t.Errorf("FormatReference = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		in   string
		year int
		n    uint64
		ok   bool
	}{
		{"BH-2026-000042", 2026, 42, true},
		{"BH-2027-1234567", 2027, 1234567, true},
		{"BH-2026-000000", 0, 0, false},
		{"BH-2026-42", 0, 0, false},
		{"bh-2026-000042", 0, 0, false},
		{"BH-2026-000042x", 0, 0, false},
		{"", 0, 0, false},
	} {
		year, n, ok := ParseReference(tt.in)
		if year != tt.year || n != tt.n || ok != tt.ok {
			t.Errorf("ParseReference(%q) = %d, %d, %v; want %d, %d, %v", tt.in, year, n, ok, tt.year, tt.n, tt.ok)
		}
	}
}

var (
	ola  = Actor{Username: "ola", Roles: []Role{RoleEmployee}}
	per  = Actor{Username: "per", Roles: []Role{RoleEmployee, RoleCaseworker}}
	lise = Actor{Username: "lise", Roles: []Role{RoleEmployee, RoleCaseworker}}
	siri = Actor{Username: "siri", Roles: []Role{RoleAuditor}}
)

func opened() Case {
	c := NewCase()
	req := OpenRequest{Kind: KindIncident, Title: "t", Description: "d"}
	if err := req.Normalize(ola); err != nil {
		panic(err)
	}
	c.Apply(Open("id-1", "BH-2026-000001", req, ola, nil), Metadata{Actor: "ola", OccurredAt: time.Unix(0, 0)}, 0)
	return c
}

func with(c Case, e Event, rev int64) Case {
	c.Apply(e, Metadata{OccurredAt: time.Unix(rev, 0)}, rev)
	return c
}

func TestStepRules(t *testing.T) {
	newCase := opened()
	claimed := with(newCase, CaseClaimed{Assignee: "per"}, 1)
	resolved := with(claimed, CaseResolved{Resolution: "ok"}, 2)
	closed := with(resolved, CaseClosed{Reason: "confirmed"}, 3)
	code := func(err error) ErrorCode {
		if err == nil {
			return ""
		}
		se, ok := AsStepError(err)
		if !ok {
			return "untyped"
		}
		return se.Code
	}
	tests := []struct {
		name string
		err  error
		want ErrorCode
	}{
		{"caseworker claims new case", second(newCase.Claim(per)), ""},
		{"employee claims", second(newCase.Claim(ola)), CodeForbidden},
		{"auditor claims", second(newCase.Claim(siri)), CodeForbidden},
		{"claim a held case", second(claimed.Claim(lise)), CodeConflict},
		{"claim a closed case", second(closed.Claim(lise)), CodeConflict},
		{"assignee resolves", second(claimed.Resolve(per, "fixed")), ""},
		{"other caseworker resolves", second(claimed.Resolve(lise, "fixed")), CodeForbidden},
		{"resolve without text", second(claimed.Resolve(per, "   ")), CodeInvalid},
		{"resolve a new case", second(newCase.Resolve(per, "fixed")), CodeConflict},
		{"resolve twice", second(resolved.Resolve(per, "again")), CodeConflict},
		{"reporter confirms", second(resolved.Confirm(ola)), ""},
		{"caseworker confirms", second(resolved.Confirm(per)), CodeForbidden},
		{"confirm before resolution", second(claimed.Confirm(ola)), CodeConflict},
		{"confirm a closed case", second(closed.Confirm(ola)), CodeConflict},
	}
	for _, tt := range tests {
		if got := code(tt.err); got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, tt.err, tt.want)
		}
	}
	if closed.Status != StatusClosed || closed.Revision != 3 || closed.Assignee != "per" || closed.Resolution != "ok" {
		t.Errorf("folded case = %+v", closed)
	}
}

func second[T any](_ T, err error) error { return err }

func TestOpenDefaultsAndOnBehalfOf(t *testing.T) {
	req := OpenRequest{Kind: KindGuidance, Title: "  Hjelp med Teams ", Description: "Hvordan deler jeg skjermen?", OnBehalfOf: "ola"}
	if err := req.Normalize(per); err != nil {
		t.Fatal(err)
	}
	if req.Priority != PriorityNormal || req.Channel != ChannelPortal || req.Title != "Hjelp med Teams" {
		t.Errorf("normalized = %+v", req)
	}
	ev := Open("id", "BH-2026-000002", req, per, DefaultRoutes())
	if ev.Reporter != "ola" || ev.CreatedBy != "per" || ev.Group != FirstLineGroup {
		t.Errorf("opened = %+v", ev)
	}
	c := NewCase()
	c.Apply(ev, Metadata{}, 0)
	if !ola.CanSee(c) || !per.CanSee(c) || !siri.CanSee(c) || (Actor{Username: "eva", Roles: []Role{RoleEmployee}}).CanSee(c) {
		t.Error("visibility: reporter, creator, caseworkers and auditors see the case; other employees do not")
	}
}

func TestDecodeEventRoundTrip(t *testing.T) {
	e, err := DecodeEvent("CaseClaimed", []byte(`{"assignee":"per"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := opened()
	c.Apply(e, Metadata{}, 1)
	if c.Assignee != "per" || c.Status != StatusInProgress {
		t.Errorf("after decoded claim: %+v", c)
	}
	if _, err := DecodeEvent("CaseExploded", []byte(`{}`)); err == nil {
		t.Error("unknown event type decoded without error")
	}
	if _, err := DecodeEvent("CaseClaimed", []byte(`{"assignee":`)); err == nil {
		t.Error("broken JSON decoded without error")
	}
}

func TestRoutes(t *testing.T) {
	r := DefaultRoutes()
	for service, want := range map[string]string{"ESA": "arkiv", " lisens ": "tjeneste", "skriver": "brukerhjelp", "": "brukerhjelp"} {
		if got := r.Group(service); got != want {
			t.Errorf("Group(%q) = %q, want %q", service, got, want)
		}
	}
	if got := Routes(nil).Group("esa"); got != FirstLineGroup {
		t.Errorf("nil routes send esa to %q, want the first line", got)
	}
}
