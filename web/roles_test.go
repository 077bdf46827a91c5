package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// Handler tests of the pages of managers, approvers, operations, the
// service owner and the auditor (issue #16), on a real record and desk
// with the case engine and the read model stood in for: what a user sees,
// and what reaches the engine (or does not).

// engine stands in for Temporal: it remembers what it was asked.
type rolesEngine struct {
	mu       sync.Mutex
	started  []workflows.CaseInput
	updates  []string
	steps    []workflows.StepInput
	announce []workflows.AnnouncementInput
}

func (e *rolesEngine) StartCase(_ context.Context, in workflows.CaseInput) (workflows.CaseView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = append(e.started, in)
	return workflows.CaseView{RequestHash: in.RequestHash, Case: helpdesk.Case{ID: in.CaseID, Reference: "BH-2026-000099", Reporter: in.Actor.Username}}, nil
}

func (e *rolesEngine) UpdateCase(_ context.Context, caseID, update, _ string, in workflows.StepInput) (workflows.CaseView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.updates = append(e.updates, update+" "+caseID)
	e.steps = append(e.steps, in)
	return workflows.CaseView{Case: helpdesk.Case{ID: caseID}}, nil
}

func (e *rolesEngine) StartAnnouncement(_ context.Context, in workflows.AnnouncementInput) (workflows.AnnouncementView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.announce = append(e.announce, in)
	return workflows.AnnouncementView{RequestHash: in.RequestHash, Announcement: helpdesk.Announcement{ID: in.AnnouncementID}}, nil
}

func (e *rolesEngine) UpdateAnnouncement(_ context.Context, id, update string, _ workflows.AnnouncementStepInput) (workflows.AnnouncementView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.updates = append(e.updates, update+" "+id)
	return workflows.AnnouncementView{Announcement: helpdesk.Announcement{ID: id}}, nil
}

func (e *rolesEngine) asked() ([]workflows.CaseInput, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.started), slices.Clone(e.updates)
}

// readModel stands in for the read model: the lists of what the record
// holds, filtered as the real one filters.
type readModel struct {
	store *sqlitestore.Store
	tasks []readmodel.TaskItem
}

func (m *readModel) cases() []helpdesk.Case {
	evs, _ := m.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{StreamPrefixes: []string{"case-"}})
	byStream := map[string][]eventstore.RecordedEvent{}
	var order []string
	for _, e := range evs {
		if _, ok := byStream[e.Stream]; !ok {
			order = append(order, e.Stream)
		}
		byStream[e.Stream] = append(byStream[e.Stream], e)
	}
	var out []helpdesk.Case
	for _, s := range order {
		c := helpdesk.NewCase()
		for _, e := range byStream[s] {
			ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
			if err != nil {
				continue
			}
			var md helpdesk.Metadata
			json.Unmarshal(e.Metadata, &md)
			c.Apply(ev, md, int64(e.Revision))
		}
		out = append(out, c)
	}
	return out
}

func (m *readModel) ListCases(_ context.Context, f readmodel.Filter) (readmodel.Page, error) {
	var p readmodel.Page
	for _, c := range m.cases() {
		v := f.Visibility
		approves := slices.ContainsFunc(c.Tasks, func(t helpdesk.Task) bool { return t.Approver == v.User })
		if (f.Status != "" && c.Status != f.Status) || (!v.All && c.Reporter != v.User && !approves) {
			continue
		}
		p.Items = append(p.Items, readmodel.CaseSummary{ID: c.ID, Reference: c.Reference, Kind: c.Kind, Status: c.Status, Title: c.Title, Reporter: c.Reporter})
	}
	return p, nil
}

func (m *readModel) ListTasks(_ context.Context, f readmodel.TaskFilter) ([]readmodel.TaskItem, error) {
	var out []readmodel.TaskItem
	for _, t := range m.tasks {
		if f.For == nil || t.Approver == f.For.Username || slices.Contains(f.For.Deputising, t.Approver) || slices.Contains(f.For.Groups, t.Group) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *readModel) ListNotifications(context.Context, readmodel.NotificationFilter) (readmodel.NotificationPage, error) {
	return readmodel.NotificationPage{}, nil
}

func (m *readModel) MarkNotificationRead(context.Context, string, string, time.Time) (readmodel.Notification, error) {
	return readmodel.Notification{}, readmodel.ErrNoNotification
}

func (m *readModel) FillKPI(_ context.Context, b *kpi.Builder) error {
	for _, c := range m.cases() {
		if c.CreatedAt.Before(b.To()) {
			b.Add(c)
		}
	}
	return nil
}

func (m *readModel) ListAnnouncements(_ context.Context, f readmodel.AnnouncementFilter) ([]helpdesk.Announcement, error) {
	evs, _ := m.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{StreamPrefixes: []string{helpdesk.AnnouncementStreamPrefix}})
	byID := map[string]*helpdesk.Announcement{}
	var order []string
	for _, e := range evs {
		id := strings.TrimPrefix(e.Stream, helpdesk.AnnouncementStreamPrefix)
		a, ok := byID[id]
		if !ok {
			n := helpdesk.NewAnnouncement()
			a, byID[id] = &n, &n
			order = append(order, id)
		}
		ev, err := helpdesk.DecodeAnnouncementEvent(e.Type, e.Data)
		if err != nil {
			continue
		}
		var md helpdesk.Metadata
		json.Unmarshal(e.Metadata, &md)
		a.Apply(ev, md, int64(e.Revision))
	}
	var out []helpdesk.Announcement
	for _, id := range order {
		if a := byID[id]; f.Active == nil || a.ActiveAt(f.At) == *f.Active {
			out = append(out, *a)
		}
	}
	return out, nil
}

// AnnouncementIDs finds announcements by their reference (DRIFT-…).
func (m *readModel) AnnouncementIDs(ctx context.Context, ref string) ([]string, error) {
	all, err := m.ListAnnouncements(ctx, readmodel.AnnouncementFilter{})
	var ids []string
	for _, a := range all {
		if a.Reference == ref {
			ids = append(ids, a.ID)
		}
	}
	return ids, err
}

// rolesWorld is a harness with a desk on a real record.
type rolesWorld struct {
	*harness
	engine *rolesEngine
	store  *sqlitestore.Store
	rm     *readModel
	path   string
}

func newRolesWorld(t *testing.T) *rolesWorld {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	store, err := sqlitestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w := &rolesWorld{engine: &rolesEngine{}, store: store, rm: &readModel{store: store}, path: path}
	w.harness = newHarness(t, func(c *Config) {
		dk, err := desk.New(desk.Config{Workflows: w.engine, Record: store, Directory: c.Directory, Lists: w.rm, Notifications: w.rm,
			Reports: w.rm, Announcements: w.rm, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		c.Desk, c.Store = dk, store
	})
	return w
}

// seed appends events to a stream as actor at at, as the workflows do.
func (w *rolesWorld) seed(stream, actor string, at time.Time, events ...helpdesk.Event) {
	w.t.Helper()
	ctx := context.Background()
	var data []eventstore.EventData
	for _, e := range events {
		b, _ := json.Marshal(e)
		m, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: at})
		data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: m})
	}
	exp := eventstore.NoStream()
	if evs, err := w.store.ReadStream(ctx, stream, 0, 0); err == nil {
		exp = eventstore.Exact(uint64(len(evs) - 1))
	}
	if _, err := w.store.Append(ctx, stream, exp, data...); err != nil {
		w.t.Fatal(err)
	}
}

// openCase seeds a case with its reference.
func (w *rolesWorld) openCase(id, ref string, at time.Time, opened helpdesk.CaseOpened, more ...helpdesk.Event) {
	w.t.Helper()
	// Reference n of a year is the n-th allocation on the year's stream.
	year, n, ok := helpdesk.ParseReference(ref)
	if !ok {
		w.t.Fatalf("bad reference %s", ref)
	}
	evs, _ := w.store.ReadStream(context.Background(), helpdesk.ReferenceStream(year), 0, 0)
	for i := uint64(len(evs)) + 1; i < n; i++ {
		w.seed(helpdesk.ReferenceStream(year), "brukerhjelp", at, helpdesk.ReferenceAllocated{CaseID: uuid.NewString(), Reference: helpdesk.FormatReference(year, i)})
	}
	w.seed(helpdesk.ReferenceStream(year), "brukerhjelp", at, helpdesk.ReferenceAllocated{CaseID: id, Reference: ref})
	opened.CaseID, opened.Reference = id, ref
	actor := opened.CreatedBy
	if actor == "" {
		actor = opened.Reporter
	}
	w.seed(helpdesk.Stream(id), actor, at, append([]helpdesk.Event{opened}, more...)...)
}

func oslo(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, helpdesk.Oslo)
}

// postFrom sends a form from page p (its CSRF token) to path.
func (b *browser) postFrom(p answer, path string, form url.Values) answer {
	b.h.t.Helper()
	form.Set("csrf", csrf(b.h.t, p))
	return b.do(http.MethodPost, path, form)
}

const (
	olaAccessCase = "5a5a5a5a-0000-4000-8000-000000000001"
	olaOrderCase  = "5a5a5a5a-0000-4000-8000-000000000002"
	olaFault      = "5a5a5a5a-0000-4000-8000-000000000003"
	outage        = "5b5b5b5b-0000-4000-8000-000000000001"
)

func TestTeamPageShowsThePeopleTheirAccessesAndWhoActsNow(t *testing.T) {
	w := newRolesWorld(t)
	granted := oslo(2025, 2, 1, 10, 0)
	w.openCase(olaAccessCase, "BH-2025-000001", granted, helpdesk.CaseOpened{Kind: helpdesk.KindESAAccess, Title: "ESA-tilgang for ola: saksbehandler",
		Reporter: "kari", CreatedBy: "kari", Group: "arkiv"},
		helpdesk.AccessRequested{Access: helpdesk.ESAAccess{Employee: "ola", Role: "saksbehandler", Units: []string{"opplaering"},
			AccessCodes: []string{"A", "P"}, Sensitive: true, Manager: "kari", ValidTo: "2026-06-30"}},
		helpdesk.AccessGranted{})
	w.seed(helpdesk.PersonStream("ola"), "brukerhjelp", granted, helpdesk.PersonEvent{What: "access-granted", CaseID: olaAccessCase})
	w.openCase(olaOrderCase, "BH-2026-000002", w.clock.now(), helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Ny skjerm",
		Reporter: "kari", CreatedBy: "kari", Group: "brukerhjelp"},
		helpdesk.TaskOpened{TaskID: olaOrderCase + ".t1", Kind: helpdesk.TaskApproval, Type: "it-review", Group: "tjeneste", Title: "IT-vurdering"})

	kari := w.browser()
	kari.signIn("kari")
	p := kari.get("/team")
	expect(t, p, http.StatusOK, `href="/team" aria-current="page"`, "Ola Nordmann", `data-access="BH-2025-000001"`, "ESA: saksbehandler",
		`data-color="warning">P <span class="bh-mark">(sensitiv)</span>`, "Gyldig til og med", `datetime="2026-06-30"`,
		"Bekreftes senest", `datetime="2026-02-01"`, "(snart)", `data-request="BH-2026-000002"`,
		"gruppen Tjenesteforvaltning: IT-vurdering", `href="/cases/new?kind=esa-access&amp;employee=ola"`)
	if strings.Contains(p.body, "Eva Hansen") {
		t.Error("kari's team shows eva, who is in jon's unit")
	}
	// English, and nobody but managers.
	kari.lang = "en"
	expect(t, kari.get("/team"), http.StatusOK, "My team", "Confirm by", "group Service management: IT-vurdering")
	ola := w.browser()
	ola.signIn("ola")
	if p := ola.get("/team"); p.status != http.StatusForbidden {
		t.Errorf("ola's /team: %d, want 403", p.status)
	}
	if strings.Contains(ola.get("/").body, `href="/team"`) {
		t.Error("ola's menu has My team")
	}
}

func TestNewUserFormSaysWhatHappensWhenAndOpensTheCase(t *testing.T) {
	w := newRolesWorld(t) // Monday 12 January 2026, 09:00
	kari := w.browser()
	kari.signIn("kari")
	form := kari.get("/cases/new?kind=new-user&startDate=2026-01-19")
	expect(t, form, http.StatusOK, `name="employee.givenName"`, `name="employee.familyName"`, `name="jobTitle"`, `name="startDate"`,
		`name="endDate"`, `name="equipment" value="laptop-standard"`, `name="software" value="office-standard"`, `name="esaAccess.role"`,
		`name="esaAccess.units" value="opplaering"`, `name="esaAccess.accessCodes"`, `<option value="opplaering" selected>Opplæring</option>`,
		"Dette skjer når den nye starter mandag 19. januar 2026",
		"Klart innen <strong data-field=\"when\"><time datetime=\"2026-01-16\">fredag 16. januar 2026</time>",
		`<time datetime="2026-01-14">onsdag 14. januar 2026</time>`)
	// Without a date, the plan is an example for the earliest start with
	// the full preparation time: Friday, escalated Tuesday 13 January 07:30.
	expect(t, kari.get("/cases/new?kind=new-user"), http.StatusOK, "Slik går det, for eksempel med oppstart fredag 16. januar 2026")

	// Empty required fields are all listed at once; nothing is opened.
	bad := kari.postFrom(form, "/cases/new?kind=new-user", url.Values{"unit": {"opplaering"}, "esaAccess.role": {"saksbehandler"}})
	expect(t, bad, http.StatusBadRequest, "Det er noe du må rette", `href="#field-employee.givenName"`, `href="#field-employee.familyName"`,
		`href="#field-jobTitle"`, `href="#field-startDate"`, `href="#field-esaAccess.units"`, "Skriv minst én tilgangskode",
		`aria-invalid="true"`, `<details class="ds-details" data-field="esa" open>`)
	if started, _ := w.engine.asked(); len(started) != 0 {
		t.Fatalf("a form with errors opened %d cases", len(started))
	}
	// A start date the desk refuses lands beside its field.
	past := kari.postFrom(form, "/cases/new?kind=new-user", url.Values{"employee.givenName": {"Nora"}, "employee.familyName": {"Ny"},
		"jobTitle": {"Lektor"}, "unit": {"opplaering"}, "startDate": {"2026-01-02"}})
	expect(t, past, http.StatusBadRequest, `id="field-startDate-error"`)

	ok := kari.postFrom(form, "/cases/new?kind=new-user", url.Values{"employee.givenName": {"Nora"}, "employee.familyName": {"Ny"},
		"jobTitle": {"Lektor"}, "unit": {"opplaering"}, "startDate": {"2026-01-19"}, "equipment": {"laptop-standard", "headset"},
		"software": {"office-standard", "Visio, Adobe Acrobat"}, "esaAccess.role": {"saksbehandler"}, "esaAccess.units": {"opplaering"},
		"esaAccess.accessCodes": {"A, U"}})
	if ok.status != http.StatusSeeOther || ok.header.Get("Location") != "/cases/BH-2026-000099" {
		t.Fatalf("opening the new user: %d to %q\n%s", ok.status, ok.header.Get("Location"), ok.body)
	}
	started, _ := w.engine.asked()
	if len(started) != 1 || started[0].NewUser == nil {
		t.Fatalf("the engine was asked %+v", started)
	}
	req := started[0].NewUser.Request
	if req.Employee.GivenName != "Nora" || req.Employee.FamilyName != "Ny" || req.StartDate != "2026-01-19" ||
		!slices.Equal(req.Equipment, []string{"laptop-standard", "headset"}) || !slices.Equal(req.Software, []string{"office-standard", "Visio", "Adobe Acrobat"}) ||
		req.ESAAccess == nil || !slices.Equal(req.ESAAccess.AccessCodes, []string{"A", "U"}) || started[0].NewUser.ESA == nil ||
		started[0].NewUser.ESA.Owner != "arne" {
		t.Errorf("the new user asked for: %+v, ESA %+v", req, started[0].NewUser.ESA)
	}
	// Only a manager may.
	ola := w.browser()
	ola.signIn("ola")
	if p := ola.get("/cases/new?kind=new-user"); p.status != http.StatusForbidden {
		t.Errorf("ola's new-user form: %d", p.status)
	}
}

func TestESAAndDepartureFormsPickFromTheTeam(t *testing.T) {
	w := newRolesWorld(t)
	kari := w.browser()
	kari.signIn("kari")
	form := kari.get("/cases/new?kind=esa-access&employee=ola&accessCodes=A+p")
	expect(t, form, http.StatusOK, `<option value="ola" selected>Ola Nordmann (Opplæring)</option>`, `name="units" value="samferdsel"`,
		"Sensitive koder, som krever en andre godkjenning: P, PERS.", "Kodene P er sensitive: Nina Tjenesteeier må godkjenne dem i tillegg.",
		"Arne Dahl (systemeier for ESA) godkjenner eller avslår.", `name="justification"`, `name="validFrom"`, `name="validTo"`)
	if strings.Contains(form.body, `value="eva"`) {
		t.Error("kari may pick eva, who is in jon's unit")
	}
	p := kari.postFrom(form, "/cases/new?kind=esa-access", url.Values{"employee": {"ola"}, "role": {"saksbehandler"}, "units": {"opplaering"},
		"accessCodes": {"A P"}, "justification": {"Skal behandle elevsaker"}, "validTo": {"2026-12-31"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("asking for ola's access: %d\n%s", p.status, p.body)
	}
	// Someone else's employee is refused by the desk, beside the field.
	p = kari.postFrom(form, "/cases/new?kind=esa-access", url.Values{"employee": {"eva"}, "role": {"saksbehandler"}, "units": {"opplaering"},
		"accessCodes": {"A"}, "justification": {"x"}})
	expect(t, p, http.StatusForbidden, "bare en leder for enheten samferdsel")

	dep := kari.get("/cases/new?kind=departure&employee=ola&lastWorkingDay=2026-01-30")
	expect(t, dep, http.StatusOK, "Dette skjer når Ola Nordmann slutter", `datetime="2026-01-30T16:00:00&#43;01:00"`, `name="mailboxForwardTo"`,
		`name="returnEquipment" value="true" checked`)
	p = kari.postFrom(dep, "/cases/new?kind=departure", url.Values{"employee": {"ola"}, "lastWorkingDay": {"2026-01-30"}, "mailboxForwardTo": {"kari"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("ola's departure: %d\n%s", p.status, p.body)
	}
	started, _ := w.engine.asked()
	if len(started) != 2 || started[0].ESA == nil || !started[0].ESA.Access.Sensitive || !slices.Equal(started[0].ESA.Access.AccessCodes, []string{"A", "P"}) ||
		started[1].Departure == nil || started[1].Departure.Request.MailboxForwardTo != "kari" || started[1].Departure.Request.ReturnEquipment {
		t.Errorf("the engine was asked %+v", started)
	}
}

func TestApprovalsInboxDecidesOnlyByPostAndNeedsAReasonToReject(t *testing.T) {
	w := newRolesWorld(t)
	opened := oslo(2026, 1, 9, 14, 0) // Friday
	w.openCase(olaOrderCase, "BH-2026-000002", opened, helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Adobe Acrobat",
		Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"},
		helpdesk.OrderPlaced{Order: helpdesk.Order{CostCenter: "opplaering", TotalNOK: 4500, NonStandardNOK: 4500,
			Lines: []helpdesk.OrderLine{{Description: "Adobe Acrobat Pro", Quantity: 1, UnitCostNOK: 4500}}}},
		helpdesk.TaskOpened{TaskID: olaOrderCase + ".t1", Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden",
			Approver: "kari", Fallback: "nina", CostNOK: 4500})
	task := olaOrderCase + ".t1"
	w.rm.tasks = []readmodel.TaskItem{{ID: task, CaseID: olaOrderCase, Kind: helpdesk.TaskApproval, Approver: "kari"}}

	kari := w.browser()
	kari.signIn("kari")
	inbox := kari.get("/tasks")
	expect(t, inbox, http.StatusOK, `href="/tasks/`+task+`"`, "Godkjenn kostnaden", "4\u00a0500\u00a0kr", "Ola Nordmann",
		`data-field="deadline"><time datetime="2026-01-16T14:00:00&#43;01:00">`, `data-field="escalate"><time datetime="2026-01-13T14:00:00&#43;01:00">`)
	page := kari.get("/tasks/" + task)
	expect(t, page, http.StatusOK, `action="/tasks/`+task+`/complete"`, `name="outcome" value="approved"`, `name="outcome" value="rejected"`,
		`name="comment"`, "Adobe Acrobat Pro", "utenom katalogen")
	if _, updates := w.engine.asked(); len(updates) != 0 {
		t.Fatalf("opening the inbox and the task decided something: %v", updates)
	}

	// Rejecting without a reason: told beside the field, nothing decided.
	p := kari.postFrom(page, "/tasks/"+task+"/complete", url.Values{"outcome": {"rejected"}, "comment": {" "}})
	expect(t, p, http.StatusBadRequest, `id="field-comment-error"`, "skriv hvorfor du avslår", `href="#field-comment"`)
	if _, updates := w.engine.asked(); len(updates) != 0 {
		t.Fatalf("a rejection without a reason reached the engine: %v", updates)
	}
	// Without the CSRF token: refused before anything.
	if p := kari.do(http.MethodPost, "/tasks/"+task+"/complete", url.Values{"outcome": {"approved"}}); p.status != http.StatusForbidden {
		t.Errorf("a decision without its token: %d", p.status)
	}
	p = kari.postFrom(page, "/tasks/"+task+"/complete", url.Values{"outcome": {"rejected"}, "comment": {"Ikke budsjett i år"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/tasks?decided="+url.QueryEscape(task) {
		t.Fatalf("the rejection: %d to %q", p.status, p.header.Get("Location"))
	}
	w.engine.mu.Lock()
	steps := slices.Clone(w.engine.steps)
	w.engine.mu.Unlock()
	if len(steps) != 1 || steps[0].TaskID != task || steps[0].Completion.Outcome != "rejected" || steps[0].Completion.Comment != "Ikke budsjett i år" {
		t.Errorf("the engine was asked %+v", steps)
	}

	// Ola may not decide his own order; eva cannot even see it.
	ola := w.browser()
	ola.signIn("ola")
	expect(t, ola.get("/tasks/"+task), http.StatusOK, "Du kan se oppgaven, men ikke avgjøre den.")
	eva := w.browser()
	eva.signIn("eva")
	if p := eva.get("/tasks/" + task); p.status != http.StatusNotFound {
		t.Errorf("eva opens kari's task: %d", p.status)
	}
}

func TestADeputyDecidesOnBehalfOfTheApprover(t *testing.T) {
	w := newRolesWorld(t)
	w.clock.advance(oslo(2026, 12, 22, 10, 0).Sub(w.clock.now())) // jon stands in for kari
	w.openCase(olaOrderCase, "BH-2026-000002", w.clock.now(), helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Adobe Acrobat",
		Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"},
		helpdesk.TaskOpened{TaskID: olaOrderCase + ".t1", Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden",
			Approver: "kari", Fallback: "nina", CostNOK: 4500})
	w.rm.tasks = []readmodel.TaskItem{{ID: olaOrderCase + ".t1", CaseID: olaOrderCase, Kind: helpdesk.TaskApproval, Approver: "kari"}}
	jon := w.browser()
	jon.signIn("jon")
	expect(t, jon.get("/tasks"), http.StatusOK, "På vegne av Kari Olsen")
	expect(t, jon.get("/tasks/"+olaOrderCase+".t1"), http.StatusOK, "Du avgjør som stedfortreder på vegne av Kari Olsen")
}

func TestOperationsAnnounceAndResolveAnOutage(t *testing.T) {
	w := newRolesWorld(t)
	now := w.clock.now()
	w.seed(helpdesk.AnnouncementStream(outage), "tor", now.Add(-time.Hour),
		helpdesk.Publish(outage, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage, Title: "ESA er nede", TitleEn: "ESA is down",
			Services: []string{"ESA"}}, now.Add(-time.Hour), nil),
		helpdesk.CaseLinkedToAnnouncement{CaseID: olaFault, Reference: "BH-2026-000003", Reporter: "ola"})

	tor := w.browser()
	tor.signIn("tor")
	list := tor.get("/announcements")
	expect(t, list, http.StatusOK, "Akkurat nå", "Driftsavbrudd: ESA er nede", `action="/announcements"`, `name="kind" value="outage" checked`,
		`name="title"`, `name="titleEn"`, `name="body"`, `name="bodyEn"`, `type="datetime-local" id="field-startsAt" name="startsAt" value="2026-01-12T09:00"`,
		`name="endsAt"`, `name="services"`)
	// Maintenance needs an end: told beside the field.
	p := tor.postFrom(list, "/announcements", url.Values{"kind": {"maintenance"}, "title": {"Oppgradering"}, "startsAt": {"2026-01-14T16:00"}})
	expect(t, p, http.StatusBadRequest, `id="field-endsAt-error"`, "vedlikehold må ha endsAt")
	p = tor.postFrom(list, "/announcements", url.Values{"kind": {"maintenance"}, "title": {"Oppgradering av ESA"}, "titleEn": {"ESA upgrade"},
		"startsAt": {"2026-01-14T16:00"}, "endsAt": {"2026-01-14T20:00"}, "services": {"ESA, Visma"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/announcements/") {
		t.Fatalf("publishing: %d to %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	w.engine.mu.Lock()
	in := w.engine.announce
	w.engine.mu.Unlock()
	if len(in) != 1 || !in[0].StartsAt.Equal(oslo(2026, 1, 14, 16, 0)) || in[0].EndsAt == nil || !in[0].EndsAt.Equal(oslo(2026, 1, 14, 20, 0)) ||
		in[0].Request.TitleEn != "ESA upgrade" || !slices.Equal(in[0].Request.Services, []string{"ESA", "Visma"}) {
		t.Errorf("the announcement asked for: %+v", in)
	}

	one := tor.get("/announcements/" + outage)
	expect(t, one, http.StatusOK, `data-field="linkedCount" data-value="1"`, `href="/cases/BH-2026-000003"`, `action="/announcements/`+outage+`/resolve"`)
	p = tor.postFrom(one, "/announcements/"+outage+"/resolve", url.Values{"comment": {"Databasen er startet på nytt"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/announcements/"+outage {
		t.Fatalf("resolving: %d to %q", p.status, p.header.Get("Location"))
	}
	if _, updates := w.engine.asked(); !slices.Contains(updates, workflows.UpdateResolveOutage+" "+outage) {
		t.Errorf("the engine was asked %v", updates)
	}

	// Employees read it, in their language, with no form and no case list.
	ola := w.browser()
	ola.signIn("ola")
	ola.lang = "en"
	p = ola.get("/announcements")
	expect(t, p, http.StatusOK, "Outage: ESA is down")
	if strings.Contains(p.body, `action="/announcements"`) {
		t.Error("ola is offered the form")
	}
	if p := ola.get("/announcements/" + outage); strings.Contains(p.body, "BH-2026-000003") || strings.Contains(p.body, "/resolve") {
		t.Error("ola sees the linked cases or the resolve form")
	}
	if p := ola.postFrom(list, "/announcements", url.Values{"kind": {"outage"}, "title": {"x"}, "startsAt": {"2026-01-12T09:00"}}); p.status != http.StatusForbidden {
		t.Errorf("ola publishes: %d", p.status)
	}
}

// dataValue finds the data-value of the element matching attrs on page p.
func dataValue(t *testing.T, body, attrs string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(attrs) + `[^>]*data-value="([^"]*)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s with a data-value on the page", attrs)
	}
	return m[1]
}

func TestKPIDashboardDrawsTheReportWithItsFigures(t *testing.T) {
	w := newRolesWorld(t)
	start := oslo(2026, 1, 5, 9, 0)
	due := start.Add(4 * time.Hour)
	w.openCase(olaFault, "BH-2026-000003", start, helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skriveren", Priority: helpdesk.PriorityHigh,
		Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"},
		helpdesk.SLAStarted{Priority: helpdesk.PriorityHigh, ResponseTarget: time.Hour, ResolutionTarget: 8*time.Hour + 30*time.Minute,
			ResponseDue: due, ResolutionDue: due.Add(4 * time.Hour)})
	w.seed(helpdesk.Stream(olaFault), "per", start.Add(30*time.Minute), helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.SLAResponded{WithinTarget: true})
	w.seed(helpdesk.Stream(olaFault), "per", start.Add(2*time.Hour), helpdesk.CaseResolved{Resolution: "Byttet toner"},
		helpdesk.SLAStopped{Used: 2 * time.Hour, WithinTarget: true})

	nina := w.browser()
	nina.signIn("nina")
	p := nina.get("/reports/kpi?from=2026-01-01&to=2026-01-11")
	expect(t, p, http.StatusOK, `<svg xmlns="http://www.w3.org/2000/svg"`, `role="img" aria-labelledby="chart-weekly-title chart-weekly-desc"`,
		`<title id="chart-backlog-title">`, `<desc id="chart-response-priority-desc">Median og 90-persentil i timer: Høy: median 0,50 t, 90-persentil 0,50 t (saker: 1).</desc>`,
		`data-table="compliance-group"`, `href="/reports/kpi.csv?from=`)
	for attrs, want := range map[string]string{
		`data-kpi="total.opened"`:   "1",
		`data-kpi="total.resolved"`: "1",
		`data-kpi="total.backlog"`:  "0",
	} {
		if got := dataValue(t, p.body, attrs); got != want {
			t.Errorf("%s: got %s, want %s", attrs, got, want)
		}
	}
	table := p.body[strings.Index(p.body, `data-table="response-priority"`):]
	if got := dataValue(t, table, `<td class="bh-num" data-series="median"`); got != "0.5" {
		t.Errorf("the response median of high priority: %s, want 0.5", got)
	}
	table = p.body[strings.Index(p.body, `data-table="weekly"`):]
	if !strings.Contains(table, `data-row="2026-01-05" data-from="2026-01-05T00:00:00&#43;01:00" data-to="2026-01-12T00:00:00&#43;01:00"`) {
		t.Errorf("the weekly table has no row for the week of 5 January:\n%s", table[:min(len(table), 2000)])
	}
	// A bad date is said beside its field.
	expect(t, nina.get("/reports/kpi?from=1.1.2026"), http.StatusBadRequest, `id="field-from-error"`)
	csv := nina.get("/reports/kpi.csv?from=2026-01-01&to=2026-01-11")
	if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(csv.body, "dimension,key,from,to,opened") {
		t.Errorf("the CSV: %d %v\n%s", csv.status, csv.header, csv.body)
	}
	ola := w.browser()
	ola.signIn("ola")
	if p := ola.get("/reports/kpi"); p.status != http.StatusForbidden {
		t.Errorf("ola's dashboard: %d", p.status)
	}
}

func TestAuditorReplaysACaseSeesTheChainAndWritesNothing(t *testing.T) {
	w := newRolesWorld(t)
	start := oslo(2026, 1, 5, 9, 0)
	w.openCase(olaFault, "BH-2026-000003", start, helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skriveren", Priority: helpdesk.PriorityNormal,
		Reporter: "ola", CreatedBy: "per", Group: "brukerhjelp", Channel: helpdesk.ChannelPhone},
		helpdesk.SLAStarted{Priority: helpdesk.PriorityNormal, ResponseTarget: 4 * time.Hour, ResolutionTarget: 25*time.Hour + 30*time.Minute,
			ResponseDue: start.Add(4 * time.Hour), ResolutionDue: start.Add(50 * time.Hour)})
	w.seed(helpdesk.Stream(olaFault), "per", start.Add(time.Hour), helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.SLAResponded{WithinTarget: true})
	w.seed(helpdesk.Stream(olaFault), "per", start.Add(3*time.Hour), helpdesk.CaseResolved{Resolution: "Byttet toner"}, helpdesk.SLAStopped{Used: 3 * time.Hour})

	siri := w.browser()
	siri.signIn("siri")
	p := siri.get("/audit/cases/BH-2026-000003")
	expect(t, p, http.StatusOK, `data-field="verify" data-value="ok"`, `data-field="status" data-value="resolved"`, "Saken ble løst",
		"På vegne av Ola Nordmann", `name="step" min="0" max="5" value="5"`, `data-chart="sla"`, "Frist for første svar", `data-state="running"`)
	// The slider's step goes to the moment of that event.
	step := siri.get("/audit/cases/BH-2026-000003?step=3")
	if step.status != http.StatusSeeOther || !strings.Contains(step.header.Get("Location"), "asOf=2026-01-05T10%3A00%3A00%2B01%3A00") {
		t.Fatalf("the slider at step 3: %d to %q", step.status, step.header.Get("Location"))
	}
	then := siri.get(step.header.Get("Location"))
	expect(t, then, http.StatusOK, `data-field="status" data-value="in-progress"`, "Saken slik den var", `data-revision="4" data-type="CaseResolved" data-after="true"`)
	// The browser's date-and-time field, in Oslo time, before anything.
	expect(t, siri.get("/audit/cases/BH-2026-000003?asOf=2026-01-05T08:00"), http.StatusNotFound, `id="field-asOf-error"`)

	// Every page of the auditor's has no form that writes but signing out.
	for _, path := range []string{"/audit", "/audit?verify=all", "/audit/reads", "/audit/cases/BH-2026-000003", "/reports/kpi", "/announcements"} {
		page := siri.get(path)
		if n := strings.Count(page.body, `method="post"`); n != 1 {
			t.Errorf("%s offers %d forms that post; only signing out may", path, n)
		}
	}
	expect(t, siri.get("/audit?verify=all"), http.StatusOK, `data-field="verifyAll" data-value="ok"`)
	w.clock.advance(time.Minute) // the reads were recorded at the moment before
	reads := siri.get("/audit/reads")
	expect(t, reads, http.StatusOK, "Historikk", "Tilstand på et tidspunkt", "SLA forklart", "Kontroll av alt", `href="/audit/cases/BH-2026-000003"`)

	// The export's period is when the events were recorded: today.
	today := time.Now().In(helpdesk.Oslo).Format(time.DateOnly)
	export := siri.get("/audit/export?from=" + today + "&to=" + today)
	if export.status != http.StatusOK || !strings.Contains(export.header.Get("Content-Disposition"), `filename="brukerhjelp-`+today+"-"+today+`.jsonl"`) {
		t.Fatalf("the export: %d %v", export.status, export.header)
	}
	lines := strings.Split(strings.TrimSpace(export.body), "\n")
	for _, l := range lines {
		var e struct{ Stream string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("the export has a line that is no JSON: %q", l)
		}
	}
	if len(lines) < 7 {
		t.Errorf("the export holds %d events, want the case's 6 and its reference", len(lines))
	}
	expect(t, siri.get("/audit/export?from=5.1.2026"), http.StatusBadRequest, `id="field-from-error"`)

	// Someone changes an event behind the record's back: the chain breaks
	// there, and the page says so at that revision.
	db, err := sql.Open("sqlite", w.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE events SET data = ? WHERE stream = ? AND revision = 4`, `{"resolution":"Ingenting galt"}`, helpdesk.Stream(olaFault)); err != nil {
		t.Fatal(err)
	}
	p = siri.get("/audit/cases/BH-2026-000003")
	expect(t, p, http.StatusOK, `data-field="verify" data-value="4"`, "Hash-kjeden brytes ved revisjon 4", `data-revision="4" data-type="CaseResolved" data-bad="true"`,
		"Kjeden brytes her")

	ola := w.browser()
	ola.signIn("ola")
	if p := ola.get("/audit"); p.status != http.StatusForbidden {
		t.Errorf("ola's /audit: %d", p.status)
	}
}

var _ = directory.Demo
