package helpdesk

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/brukerhjelp/brukerhjelp/internal/usertext"
)

// hostile are texts that must never be stored in a one-line field; each
// would spoof or break how a title, a name or a mail header is shown.
var hostile = map[string]string{
	"invalid UTF-8":      "Skriver\xffen",
	"RLO override":       "faktura\u202Efdp.exe",
	"zero-width space":   "ev\u200Ba",
	"BEL":                "ding\a",
	"ESC":                "\x1b[2J",
	"NUL":                "a\x00",
	"CR LF (header cut)": "x\r\nBcc: alle@fylke.example",
	"tab":                "a\tb",
}

// refusedAs checks err is an invalid-input refusal naming field.
func refusedAs(t *testing.T, what string, err error, field string) {
	t.Helper()
	se, ok := AsStepError(err)
	if !ok || se.Code != CodeInvalid || se.Field != field || se.Message == "" || se.English == "" {
		t.Errorf("%s: got %v (%+v), want invalid naming %q in both languages", what, err, se, field)
	}
}

const today = "2026-12-01"

// TestEveryRequestRefusesHostileTextInEveryOneLineField: the class, not
// one request: every one-line field of every kind of request a door
// normalises refuses every hostile text, naming the field.
func TestEveryRequestRefusesHostileTextInEveryOneLineField(t *testing.T) {
	cat := Catalog{"laptop-standard": {ID: "laptop-standard", Name: "PC", PriceNOK: 1}}
	cost := int64(10)
	type probe struct {
		field string
		run   func(bad string) error
	}
	probes := []probe{}
	open := func(field string, set func(*OpenRequest, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			r := OpenRequest{Kind: KindIncident, Title: "t", Description: "d"}
			set(&r, bad)
			return r.Normalize(per)
		}})
	}
	open("title", func(r *OpenRequest, s string) { r.Title = s })
	open("service", func(r *OpenRequest, s string) { r.Service = s })
	open("onBehalfOf", func(r *OpenRequest, s string) { r.OnBehalfOf = s })
	open("announcement", func(r *OpenRequest, s string) { r.Announcement = s })
	order := func(field string, set func(*OrderRequest, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			r := OrderRequest{Title: "t", CostCenter: "opplaering", Items: []OrderItem{{Description: "ting", EstimatedCostNOK: &cost, Quantity: 1}}}
			set(&r, bad)
			_, err := r.Price(cat, func(string) bool { return true })
			return err
		}})
	}
	order("title", func(r *OrderRequest, s string) { r.Title = s })
	order("costCenter", func(r *OrderRequest, s string) { r.CostCenter = s })
	order("items[0].description", func(r *OrderRequest, s string) { r.Items[0].Description = s })
	esa := func(field string, set func(*ESARequest, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			r := ESARequest{Employee: "ola", Role: "Saksbehandler", Units: []string{"a"}, AccessCodes: []string{"A"}, Justification: "j"}
			set(&r, bad)
			return r.Normalize(today)
		}})
	}
	esa("employee", func(r *ESARequest, s string) { r.Employee = s })
	esa("role", func(r *ESARequest, s string) { r.Role = s })
	esa("units[0]", func(r *ESARequest, s string) { r.Units[0] = s })
	esa("accessCodes[0]", func(r *ESARequest, s string) { r.AccessCodes[0] = s })
	dep := func(field string, set func(*DepartureRequest, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			r := DepartureRequest{Employee: "ola", LastWorkingDay: "2026-12-20"}
			set(&r, bad)
			return r.Normalize(today)
		}})
	}
	dep("employee", func(r *DepartureRequest, s string) { r.Employee = s })
	dep("mailboxForwardTo", func(r *DepartureRequest, s string) { r.MailboxForwardTo = s })
	nu := func(field string, set func(*NewUserRequest, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			r := NewUserRequest{Unit: "opplaering", JobTitle: "Lektor", StartDate: "2026-12-20", Software: []string{"x"},
				ESAAccess: &NewUserESA{Role: "r", Units: []string{"u"}, AccessCodes: []string{"A"}}}
			r.Employee.GivenName, r.Employee.FamilyName = "Kjell", "Lærer"
			set(&r, bad)
			return r.Normalize(today, cat)
		}})
	}
	nu("employee.givenName", func(r *NewUserRequest, s string) { r.Employee.GivenName = s })
	nu("employee.familyName", func(r *NewUserRequest, s string) { r.Employee.FamilyName = s })
	nu("unit", func(r *NewUserRequest, s string) { r.Unit = s })
	nu("jobTitle", func(r *NewUserRequest, s string) { r.JobTitle = s })
	nu("software[0]", func(r *NewUserRequest, s string) { r.Software[0] = s })
	nu("esaAccess.role", func(r *NewUserRequest, s string) { r.ESAAccess.Role = s })
	nu("esaAccess.units[0]", func(r *NewUserRequest, s string) { r.ESAAccess.Units[0] = s })
	ann := func(field string, set func(*AnnouncementRequest, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			r := AnnouncementRequest{Kind: AnnouncementOutage, Title: "t", StartsAt: "2026-12-01T08:00:00Z", Services: []string{"esa"}}
			set(&r, bad)
			_, _, err := r.NormalizeAt(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			return err
		}})
	}
	ann("title", func(r *AnnouncementRequest, s string) { r.Title = s })
	ann("services[0]", func(r *AnnouncementRequest, s string) { r.Services[0] = s })
	step := func(name, field string, set func(*StepText, string)) {
		probes = append(probes, probe{field, func(bad string) error {
			st := StepText{Assignee: "per"}
			set(&st, bad)
			return st.Normalize(name)
		}})
	}
	step(StepAssign, "assignee", func(st *StepText, s string) { st.Assignee = s })
	step(StepAssign, "group", func(st *StepText, s string) { st.Group = s })
	step(StepLink, "announcement", func(st *StepText, s string) { st.Announcement = s })
	probes = append(probes, probe{"output", func(bad string) error {
		r := CompleteRequest{Outcome: OutcomeDone, Output: bad}
		return r.Normalize()
	}})

	for _, p := range probes {
		for name, bad := range hostile {
			refusedAs(t, p.field+" with "+name, p.run(bad), p.field)
		}
	}
}

// TestMultiLineTextKeepsLinesButRefusesSpoofing: descriptions, comments
// and bodies keep newlines and tabs (CR LF becomes LF) and refuse the
// rest of the hostile texts.
func TestMultiLineTextKeepsLinesButRefusesSpoofing(t *testing.T) {
	type probe struct {
		field string
		run   func(s string) (string, error)
	}
	probes := []probe{
		{"description", func(s string) (string, error) {
			r := OpenRequest{Kind: KindGuidance, Title: "t", Description: s}
			return r.Description, r.Normalize(ola)
		}},
		{"justification", func(s string) (string, error) {
			r := ESARequest{Employee: "ola", Role: "r", Units: []string{"a"}, AccessCodes: []string{"A"}, Justification: s}
			err := r.Normalize(today)
			return r.Justification, err
		}},
		{"body", func(s string) (string, error) {
			r := AnnouncementRequest{Kind: AnnouncementOutage, Title: "t", Body: s, StartsAt: "2026-12-01T08:00:00Z"}
			_, _, err := r.NormalizeAt(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			return r.Body, err
		}},
		{"comment", func(s string) (string, error) {
			r := CompleteRequest{Outcome: OutcomeDone, Comment: s}
			err := r.Normalize()
			return r.Comment, err
		}},
	}
	for _, st := range []struct{ step, field string }{{StepComment, "body"}, {StepReply, "body"}, {StepRequestInfo, "question"},
		{StepResolve, "resolution"}, {StepReopen, "reason"}, {StepCancel, "reason"}, {StepResolveOutage, "comment"}} {
		probes = append(probes, probe{st.step + " " + st.field, func(s string) (string, error) {
			x := StepText{Body: s, Question: s, Resolution: s, Reason: s, Comment: s}
			err := x.Normalize(st.step)
			return map[string]string{"body": x.Body, "question": x.Question, "resolution": x.Resolution, "reason": x.Reason, "comment": x.Comment}[st.field], err
		}})
	}
	for _, p := range probes {
		got, err := p.run("Hei,\r\n\tskriveren er død.\r\nMvh Ola")
		if want := "Hei,\n\tskriveren er død.\nMvh Ola"; err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", p.field, got, err, want)
		}
		field := p.field
		if i := strings.LastIndexByte(field, ' '); i >= 0 {
			field = field[i+1:]
		}
		for name, bad := range hostile {
			if name == "CR LF (header cut)" || name == "tab" || name == "zero-width space" {
				continue // line breaks, tabs and writing aids belong in multi-line text
			}
			_, err := p.run("Hei " + bad)
			refusedAs(t, p.field+" with "+name, err, field)
		}
	}
}

// TestStepFieldsAreBoundedBeforeTheyTravel: a 900 KB field is refused by
// the domain's limit where the door builds the request.
func TestStepFieldsAreBoundedBeforeTheyTravel(t *testing.T) {
	huge := strings.Repeat("x", 900_000)
	for _, tc := range []struct {
		step, field string
		st          StepText
	}{
		{StepComment, "body", StepText{Body: huge}},
		{StepReply, "body", StepText{Body: huge}},
		{StepRequestInfo, "question", StepText{Question: huge}},
		{StepResolve, "resolution", StepText{Resolution: huge}},
		{StepReopen, "reason", StepText{Reason: strings.Repeat("x", MaxReason+1)}},
		{StepCancel, "reason", StepText{Reason: huge}},
		{StepAssign, "assignee", StepText{Assignee: huge}},
		{StepLink, "announcement", StepText{Announcement: huge}},
		{StepResolveOutage, "comment", StepText{Comment: huge}},
		{StepComment, "body", StepText{Body: " \n\t "}},
		{StepAssign, "assignee", StepText{}},
	} {
		refusedAs(t, tc.step, tc.st.Normalize(tc.step), tc.field)
	}
	r := CompleteRequest{Outcome: OutcomeDone, Output: strings.Repeat("x", MaxOutput+1)}
	refusedAs(t, "complete-task output", r.Normalize(), "output")
	ok := StepText{Body: strings.Repeat("æ", MaxComment)}
	if err := ok.Normalize(StepComment); err != nil {
		t.Errorf("a comment of exactly %d characters: %v", MaxComment, err)
	}
}

// TestDatesHaveBoundsPerField: year 0, the past and the far future are
// refused for every date a request names.
func TestDatesHaveBoundsPerField(t *testing.T) {
	esa := func(from, to string) error {
		r := ESARequest{Employee: "ola", Role: "r", Units: []string{"a"}, AccessCodes: []string{"A"}, Justification: "j", ValidFrom: from, ValidTo: to}
		return r.Normalize(today)
	}
	nu := func(start, end string) error {
		r := NewUserRequest{Unit: "u", JobTitle: "j", StartDate: start, EndDate: end}
		r.Employee.GivenName, r.Employee.FamilyName = "a", "b"
		return r.Normalize(today, nil)
	}
	dep := func(d string) error {
		r := DepartureRequest{Employee: "ola", LastWorkingDay: d}
		return r.Normalize(today)
	}
	for _, tc := range []struct {
		what  string
		err   error
		field string
	}{
		{"validFrom year 0", esa("0000-01-01", ""), "validFrom"},
		{"validFrom yesterday", esa("2026-11-30", ""), "validFrom"},
		{"validFrom in two years", esa("2028-12-01", ""), "validFrom"},
		{"validTo in the past", esa("", "2026-11-30"), "validTo"},
		{"validTo before validFrom", esa("2027-01-10", "2027-01-09"), "validTo"},
		{"validTo in year 9999", esa("", "9999-12-31"), "validTo"},
		{"startDate year 0", nu("0000-01-01", ""), "startDate"},
		{"startDate in the past", nu("2026-11-30", ""), "startDate"},
		{"startDate in two years", nu("2028-12-02", ""), "startDate"},
		{"endDate before startDate", nu("2026-12-10", "2026-12-09"), "endDate"},
		{"endDate in year 2200", nu("2026-12-10", "2200-01-01"), "endDate"},
		{"lastWorkingDay yesterday", dep("2026-11-30"), "lastWorkingDay"},
		{"lastWorkingDay in year 3000", dep("3000-01-01"), "lastWorkingDay"},
		{"lastWorkingDay not a date", dep("2026-02-30"), "lastWorkingDay"},
	} {
		refusedAs(t, tc.what, tc.err, tc.field)
	}
	for what, err := range map[string]error{
		"validFrom today, validTo in four years":   esa(today, "2030-11-30"),
		"validTo without validFrom":                esa("", "2027-06-30"),
		"startDate in a year, endDate three later": nu("2027-12-01", "2030-12-01"),
		"lastWorkingDay today":                     dep(today),
	} {
		if err != nil {
			t.Errorf("%s: refused: %v", what, err)
		}
	}

	now := time.Date(2026, 12, 1, 9, 0, 0, 0, Oslo)
	ann := func(starts, ends string) error {
		r := AnnouncementRequest{Kind: AnnouncementOutage, Title: "t", StartsAt: starts, EndsAt: ends}
		_, _, err := r.NormalizeAt(now)
		return err
	}
	refusedAs(t, "startsAt year 0", ann("0000-01-01T00:00:00Z", ""), "startsAt")
	refusedAs(t, "startsAt two months ago", ann("2026-10-01T08:00:00+02:00", ""), "startsAt")
	refusedAs(t, "startsAt in 2030", ann("2030-01-01T08:00:00+01:00", ""), "startsAt")
	refusedAs(t, "a window already over", ann("2026-11-30T08:00:00+01:00", "2026-11-30T09:00:00+01:00"), "endsAt")
	refusedAs(t, "endsAt a year after startsAt", ann("2026-12-01T08:00:00+01:00", "2027-12-01T08:00:00+01:00"), "endsAt")
	if err := ann("2026-11-20T08:00:00+01:00", "2026-12-02T08:00:00+01:00"); err != nil {
		t.Errorf("an outage registered 11 days late: %v", err)
	}
}

// TestTaskOutputFollowsTheTasksRule: the username of "create the
// account" must be well-formed and not reserved; approvals take no
// output; other fulfilment tasks take a note.
func TestTaskOutputFollowsTheTasksRule(t *testing.T) {
	create := Task{Kind: TaskFulfilment, Type: TaskTypeCreateAccount}
	again := Task{Kind: TaskFulfilment, Type: TaskTypeCreateAccount + "-again"}
	for _, bad := range []string{"", "Eva", "kjell lærer", "ø", "k", "1kjell", "kjell..l", "kjell.", "-kjell", "brukerhjelp", "brukerhjelp2",
		"postmaster", "root", strings.Repeat("a", MaxUsername+1), "eva@fylke.example"} {
		for _, task := range []Task{create, again} {
			refusedAs(t, task.Type+" output "+bad, task.CheckOutput(CompleteRequest{Outcome: OutcomeDone, Output: bad}), "output")
		}
	}
	for _, good := range []string{"kjell", "kjell.laerer", "kari-nordmann2", "ab"} {
		if err := create.CheckOutput(CompleteRequest{Outcome: OutcomeDone, Output: good}); err != nil {
			t.Errorf("username %q refused: %v", good, err)
		}
	}
	if err := create.CheckOutput(CompleteRequest{Outcome: OutcomeFailed, Output: "AD var nede"}); err != nil {
		t.Errorf("a failed account task with a note: %v", err)
	}
	approval := Task{Kind: TaskApproval, Type: "cost-approval"}
	refusedAs(t, "approval with output", approval.CheckOutput(CompleteRequest{Outcome: OutcomeApproved, Output: "eva"}), "output")
	grant := Task{Kind: TaskFulfilment, Type: "esa-grant"}
	if err := grant.CheckOutput(CompleteRequest{Outcome: OutcomeDone, Output: "Rolle satt i ESA"}); err != nil {
		t.Errorf("a note on a fulfilment task: %v", err)
	}
	c := NewCase()
	c.Tasks = []Task{{ID: "x.t1", Kind: TaskFulfilment, Type: TaskTypeCreateAccount}}
	refusedAs(t, "CheckTaskInput", c.CheckTaskInput("x.t1", CompleteRequest{Outcome: OutcomeDone, Output: "Eva\r\n"}), "output")
	refusedAs(t, "taken", UsernameTaken("eva"), "output")
}

// FuzzNormalizeText: whatever a door is sent as a title and description,
// Normalize either refuses it naming one of the two fields, or stores
// valid NFC text with nothing usertext refuses (no line break in the
// title).
func FuzzNormalizeText(f *testing.F) {
	for _, s := range []string{"Skriveren virker ikke", "faktura\u202Efdp.exe", "x\r\nBcc: y", "\xff\xfe", "A\u030A", "ding\a", "\u200B", " "} {
		f.Add(s, "Beskrivelse\r\nlinje 2")
		f.Add("Tittel", s)
	}
	f.Fuzz(func(t *testing.T, title, description string) {
		r := OpenRequest{Kind: KindIncident, Title: title, Description: description}
		err := r.Normalize(ola)
		if err != nil {
			se, ok := AsStepError(err)
			if !ok || se.Code != CodeInvalid || (se.Field != "title" && se.Field != "description") {
				t.Fatalf("Normalize(%q, %q): %v (%+v)", title, description, err, se)
			}
			return
		}
		for field, v := range map[string]string{"title": r.Title, "description": r.Description} {
			shape := usertext.Block
			if field == "title" {
				shape = usertext.Line
			}
			if v == "" || !utf8.ValidString(v) || !norm.NFC.IsNormalString(v) {
				t.Fatalf("%s stored as %q", field, v)
			}
			for _, c := range v {
				if !usertext.Allowed(c, shape) || c == '\r' {
					t.Fatalf("%s stored %U: %q", field, c, v)
				}
			}
		}
	})
}
