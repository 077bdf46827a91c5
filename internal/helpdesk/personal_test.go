package helpdesk

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestEveryEventTypeDeclaresItsPersonalData: a new event type cannot
// forget to say what in it is personal (the record would store its text
// unencrypted), and every declared path names a string field the type
// really has (a typo would leave the field in clear).
func TestEveryEventTypeDeclaresItsPersonalData(t *testing.T) {
	for _, typ := range EventTypes() {
		paths, ok := PersonalFields(typ)
		if !ok {
			t.Errorf("%s is registered but declares no personal fields (declarePersonal next to its register)", typ)
			continue
		}
		ev, err := DecodeEvent(typ, []byte("{}"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if kind := fieldKind(reflect.TypeOf(ev), strings.Split(p, ".")); kind != reflect.String {
				t.Errorf("%s declares %q personal, which is a %v field, not a string", typ, p, kind)
			}
		}
	}
	if _, ok := PersonalFields("NoSuchEvent"); ok {
		t.Error("an unknown type has a declaration")
	}
}

// fieldKind follows a declared path through t's JSON names.
func fieldKind(t reflect.Type, path []string) reflect.Kind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if len(path) == 0 {
		return t.Kind()
	}
	name, array := strings.CutSuffix(path[0], "[]")
	if t.Kind() != reflect.Struct {
		return reflect.Invalid
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag != name {
			continue
		}
		ft := f.Type
		if array {
			if ft.Kind() != reflect.Slice {
				return reflect.Invalid
			}
			ft = ft.Elem()
		}
		return fieldKind(ft, path[1:])
	}
	return reflect.Invalid
}

func TestPersonalDataOfACaseIsWhatPeopleWrote(t *testing.T) {
	for typ, want := range map[string][]string{
		"CaseOpened":       {"title", "description", "attachments[].name", "attachments[].sha256"},
		"CommentAdded":     {"body", "attachments[].name", "attachments[].sha256"},
		"NewUserRequested": {"request.employee.givenName", "request.employee.familyName", "request.jobTitle"},
		"SLAStarted":       {},
		"CaseClaimed":      {}, // the assignee is a username: an identifier, kept
	} {
		if got, _ := PersonalFields(typ); !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Errorf("PersonalFields(%s) = %v, want %v", typ, got, want)
		}
	}
	if got := KeyScope(LegalHoldStream("c1")); got != Stream("c1") {
		t.Errorf("a hold's key scope is %q, want the case's", got)
	}
	if got := KeyScope(PersonStream("ola")); got != "person-ola" {
		t.Errorf("KeyScope(person-ola) = %q", got)
	}
}

func TestTheErasureIsOnTheCase(t *testing.T) {
	c := with(with(opened(), CaseClosed{Reason: ClosedConfirmed}, 1), PersonalDataErased{Rule: "incident-guidance-2y", Basis: "b", BasisEn: "be"}, 2)
	if c.Erasure == nil || c.Erasure.Rule != "incident-guidance-2y" || c.Revision != 2 {
		t.Errorf("erasure folded as %+v (revision %d)", c.Erasure, c.Revision)
	}
	b, _ := json.Marshal(opened())
	if strings.Contains(string(b), "erasure") {
		t.Errorf("a case never erased shows an erasure: %s", b)
	}
}

func TestLegalHolds(t *testing.T) {
	c := opened()
	h := NoLegalHold()
	if _, err := h.SetHold(c, " "); err == nil {
		t.Error("a hold without a reason was set")
	}
	set, err := h.SetHold(c, "Klagesak hos Sivilombudet")
	if err != nil || set.CaseID != c.ID || set.Reference != c.Reference {
		t.Fatalf("SetHold = %+v, %v", set, err)
	}
	h.Apply(set, Metadata{Actor: "dina", OccurredAt: time.Unix(100, 0)}, 0)
	if !h.Active || h.SetBy != "dina" || h.Revision != 0 {
		t.Errorf("hold = %+v", h)
	}
	if _, err := h.SetHold(c, "igjen"); err == nil {
		t.Error("a second hold on a held case was set")
	}
	lift, err := h.LiftHold(c, "Saken er avgjort")
	if err != nil {
		t.Fatal(err)
	}
	h.Apply(lift, Metadata{Actor: "dina", OccurredAt: time.Unix(200, 0)}, 1)
	if h.Active || h.LiftedBy != "dina" {
		t.Errorf("lifted hold = %+v", h)
	}
	if _, err := h.LiftHold(c, "igjen"); err == nil {
		t.Error("a hold that is not active was lifted")
	}
}

func TestRetention(t *testing.T) {
	p := DefaultRetention()
	if err := p.Validate(); err != nil {
		t.Fatalf("the default policy: %v", err)
	}
	closedAt := time.Date(2024, 3, 1, 10, 0, 0, 0, Oslo)
	ended := func(k Kind) Case {
		c := opened()
		c.Kind, c.Status, c.ClosedAt = k, StatusClosed, closedAt
		return c
	}
	open := opened()
	held := NoLegalHold()
	held.Active, held.Reason = true, "Tvist"
	erased := ended(KindIncident)
	erased.Erasure = &Erasure{Rule: "request"}
	day := 24 * time.Hour
	twoYears := time.Date(2026, 3, 1, 10, 0, 0, 0, Oslo)
	tests := []struct {
		name           string
		c              Case
		hold           LegalHold
		now            time.Time
		due, onRequest string // "erase", or the Kept code
	}{
		{"an incident a day short of two years", ended(KindIncident), NoLegalHold(), twoYears.Add(-day), KeptRetention, "erase"},
		{"an incident two years after it closed", ended(KindIncident), NoLegalHold(), twoYears, "erase", "erase"},
		{"guidance like incidents", ended(KindGuidance), NoLegalHold(), twoYears, "erase", "erase"},
		{"an open incident", open, NoLegalHold(), twoYears.AddDate(5, 0, 0), KeptOpen, KeptOpen},
		{"a held incident", ended(KindIncident), held, twoYears.AddDate(5, 0, 0), KeptLegalHold, KeptLegalHold},
		{"an erased incident", erased, NoLegalHold(), twoYears, KeptErased, KeptErased},
		{"an order after two years: bookkeeping keeps it", ended(KindOrder), NoLegalHold(), twoYears, KeptRetention, KeptRetention},
		{"an order after five years", ended(KindOrder), NoLegalHold(), twoYears.AddDate(3, 0, 0), "erase", "erase"},
		{"an access decision after two years", ended(KindESAAccess), NoLegalHold(), twoYears, KeptRetention, KeptRetention},
		{"a departure after five years", ended(KindDeparture), NoLegalHold(), twoYears.AddDate(3, 0, 0), "erase", "erase"},
	}
	code := func(d RetentionDecision) string {
		if d.Erase {
			return "erase"
		}
		return d.Kept
	}
	for _, tt := range tests {
		due, req := p.Due(tt.c, tt.hold, tt.now), p.OnRequest(tt.c, tt.hold, tt.now)
		if code(due) != tt.due || code(req) != tt.onRequest {
			t.Errorf("%s: due %s, on request %s; want %s, %s", tt.name, code(due), code(req), tt.due, tt.onRequest)
		}
		if due.Basis == "" || due.BasisEn == "" || req.Basis == "" || req.BasisEn == "" {
			t.Errorf("%s: a decision without its basis: %+v %+v", tt.name, due, req)
		}
	}
	if d := p.Due(ended(KindOrder), NoLegalHold(), twoYears); !d.Until.Equal(time.Date(2029, 3, 1, 10, 0, 0, 0, Oslo)) || d.Rule != "order-5y" {
		t.Errorf("an order is kept until %v by %s, want 2029-03-01 by order-5y", d.Until, d.Rule)
	}
	if d := p.OnRequest(ended(KindIncident), NoLegalHold(), twoYears.AddDate(-1, 0, 0)); d.Rule != RuleRequest {
		t.Errorf("an incident erased on request under rule %q, want %q", d.Rule, RuleRequest)
	}
}

func TestRetentionPolicyValidation(t *testing.T) {
	p := DefaultRetention()
	p.Rules = p.Rules[1:]
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "no rule for kind incident") {
		t.Errorf("a policy without incidents: %v", err)
	}
	p = DefaultRetention()
	p.Rules[1].Kinds = append(p.Rules[1].Kinds, KindIncident)
	p.Rules[2].Years = 0
	err = p.Validate()
	if err == nil || !strings.Contains(err.Error(), "already has rule") || !strings.Contains(err.Error(), "not both 0") {
		t.Errorf("a policy with a kind twice and a rule of no period: %v", err)
	}
}
