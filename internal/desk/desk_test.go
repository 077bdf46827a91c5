package desk

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// engine is a case engine that records what it is asked and answers as
// if every step went through; the policy is what these tests exercise,
// the workflows have tests of their own.
type engine struct {
	mu    sync.Mutex
	calls []string
}

func (e *engine) note(what string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, what)
}

func (e *engine) reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = nil
}

func (e *engine) taken() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

func (e *engine) StartCase(_ context.Context, in workflows.CaseInput) (workflows.CaseView, error) {
	e.note("start " + in.CaseID)
	return workflows.CaseView{RequestHash: in.RequestHash, Case: helpdesk.Case{ID: in.CaseID, Reporter: in.Actor.Username}}, nil
}

func (e *engine) UpdateCase(_ context.Context, caseID, update, _ string, in workflows.StepInput) (workflows.CaseView, error) {
	e.note(update + " " + caseID)
	return workflows.CaseView{Case: helpdesk.Case{ID: caseID, Reporter: "ola"}}, nil
}

func (e *engine) StartAnnouncement(_ context.Context, in workflows.AnnouncementInput) (workflows.AnnouncementView, error) {
	e.note("announce " + in.AnnouncementID)
	return workflows.AnnouncementView{RequestHash: in.RequestHash, Announcement: helpdesk.Announcement{ID: in.AnnouncementID}}, nil
}

func (e *engine) UpdateAnnouncement(_ context.Context, id, update string, _ workflows.AnnouncementStepInput) (workflows.AnnouncementView, error) {
	e.note(update + " " + id)
	return workflows.AnnouncementView{Announcement: helpdesk.Announcement{ID: id}}, nil
}

// readModel is an empty read model: every list is empty.
type readModel struct{}

func (readModel) ListCases(context.Context, readmodel.Filter) (readmodel.Page, error) {
	return readmodel.Page{}, nil
}
func (readModel) ListTasks(context.Context, readmodel.TaskFilter) ([]readmodel.TaskItem, error) {
	return nil, nil
}
func (readModel) ListNotifications(context.Context, readmodel.NotificationFilter) (readmodel.NotificationPage, error) {
	return readmodel.NotificationPage{}, nil
}
func (readModel) MarkNotificationRead(context.Context, string, string, time.Time) (readmodel.Notification, error) {
	return readmodel.Notification{}, readmodel.ErrNoNotification
}
func (readModel) FillKPI(context.Context, *kpi.Builder) error { return nil }
func (readModel) ListAnnouncements(context.Context, readmodel.AnnouncementFilter) ([]helpdesk.Announcement, error) {
	return nil, nil
}
func (readModel) AnnouncementIDs(context.Context, string) ([]string, error) { return nil, nil }

type testDesk struct {
	*Desk
	engine *engine
	store  *sqlitestore.Store
}

func newTestDesk(t *testing.T) testDesk {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &engine{}
	rm := readModel{}
	d, err := New(Config{Workflows: e, Record: store, Directory: directory.Demo(),
		Lists: rm, Notifications: rm, Reports: rm, Announcements: rm, Attachments: &attachments.Store{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	return testDesk{Desk: d, engine: e, store: store}
}

// seed appends events to a stream as actor.
func (td testDesk) seed(t *testing.T, stream, actor string, at time.Time, events ...helpdesk.Event) {
	t.Helper()
	ctx := context.Background()
	var data []eventstore.EventData
	for _, e := range events {
		b, _ := json.Marshal(e)
		m, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: at})
		data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: m})
	}
	exp := eventstore.NoStream()
	if evs, err := td.store.ReadStream(ctx, stream, 0, 0); err == nil {
		exp = eventstore.Exact(uint64(len(evs) - 1))
	}
	if _, err := td.store.Append(ctx, stream, exp, data...); err != nil {
		t.Fatal(err)
	}
}

// The world the policy test acts on: ola's open incident, an active
// outage, and a task for kari on ola's order.
const (
	olasCase   = "7d3c5a0e-8f1b-4c2d-9e3f-000000000001"
	olasRef    = "BH-2026-000001"
	olasOrder  = "7d3c5a0e-8f1b-4c2d-9e3f-000000000002"
	outageID   = "0a0a0a0a-0000-4000-8000-000000000001"
	olasTaskID = olasOrder + ".t1"
)

func seedWorld(t *testing.T, td testDesk) {
	t.Helper()
	now := time.Now()
	td.seed(t, helpdesk.ReferenceStream(2026), "brukerhjelp", now,
		helpdesk.ReferenceAllocated{CaseID: olasCase, Reference: olasRef},
		helpdesk.ReferenceAllocated{CaseID: olasOrder, Reference: "BH-2026-000002"})
	td.seed(t, helpdesk.Stream(olasCase), "ola", now, helpdesk.CaseOpened{CaseID: olasCase, Reference: olasRef,
		Kind: helpdesk.KindIncident, Title: "Skriveren", Description: "virker ikke", Priority: helpdesk.PriorityNormal,
		Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"})
	td.seed(t, helpdesk.Stream(olasOrder), "ola", now, helpdesk.CaseOpened{CaseID: olasOrder, Reference: "BH-2026-000002",
		Kind: helpdesk.KindOrder, Title: "Lisens", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"},
		helpdesk.TaskOpened{TaskID: olasTaskID, Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn kostnaden", Approver: "kari", Fallback: "nina"})
	td.seed(t, helpdesk.AnnouncementStream(outageID), "tor", now.Add(-time.Hour),
		helpdesk.Publish(outageID, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage, Title: "ESA er nede"}, now.Add(-time.Hour), nil))
}

// probes take every action the policy knows through the desk, with inputs
// good enough to get past the policy.
func probes() map[Action]func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
	type probe = func(ctx context.Context, d *Desk, a helpdesk.Actor) error
	openCase := func(n NewCase) probe {
		return func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.OpenCase(ctx, a, n)
			return err
		}
	}
	incident := helpdesk.OpenRequest{Title: "Skjermen flimrer", Description: "Siden i morges"}
	return map[Action]probe{
		ActionMe: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			u, _ := d.Directory().User(a.Username)
			_, err := d.Me(a, u)
			return err
		},
		ActionListCases: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ListCases(ctx, a, CaseFilter{})
			return err
		},
		ActionReadCase: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Case(ctx, a, olasRef)
			return err
		},
		ActionCreateCase: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.OpenCase(ctx, a, NewCase{Kind: "complaint"})
			return err
		},
		ActionCreate(helpdesk.KindIncident):  openCase(NewCase{Kind: helpdesk.KindIncident, Incident: &incident}),
		ActionCreate(helpdesk.KindGuidance):  openCase(NewCase{Kind: helpdesk.KindGuidance, Incident: &incident}),
		ActionCreate(helpdesk.KindOrder):     openCase(NewCase{Kind: helpdesk.KindOrder, Order: &helpdesk.OrderRequest{Title: "Hodesett", CostCenter: "opplaering", Items: []helpdesk.OrderItem{{CatalogItem: "headset", Quantity: 1}}}}),
		ActionCreate(helpdesk.KindNewUser):   openCase(NewCase{Kind: helpdesk.KindNewUser, NewUser: &helpdesk.NewUserRequest{}}),
		ActionCreate(helpdesk.KindESAAccess): openCase(NewCase{Kind: helpdesk.KindESAAccess, ESA: &helpdesk.ESARequest{}}),
		ActionCreate(helpdesk.KindDeparture): openCase(NewCase{Kind: helpdesk.KindDeparture, Departure: &helpdesk.DepartureRequest{}}),
		ActionClaim: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Claim(ctx, a, olasRef)
			return err
		},
		ActionAssign: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Assign(ctx, a, olasRef, Assignment{Group: "tjeneste"})
			return err
		},
		ActionLink: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Link(ctx, a, olasRef, outageID)
			return err
		},
		ActionComment: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Comment(ctx, a, olasRef, Note{Body: "hei"})
			return err
		},
		ActionRequest: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.RequestInfo(ctx, a, olasRef, "Hvilken skriver?")
			return err
		},
		ActionReply: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Reply(ctx, a, olasRef, "Den i 3. etasje", nil)
			return err
		},
		ActionResolve: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Resolve(ctx, a, olasRef, "Byttet toner")
			return err
		},
		ActionConfirm: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Confirm(ctx, a, olasRef)
			return err
		},
		ActionReopen: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Reopen(ctx, a, olasRef, "Virker ikke")
			return err
		},
		ActionCancel: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Cancel(ctx, a, olasRef, "Løste seg")
			return err
		},
		ActionHistory: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.History(ctx, a, olasRef)
			return err
		},
		ActionCaseState: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, _, err := d.CaseAsOf(ctx, a, olasRef, time.Time{})
			return err
		},
		ActionSLA: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ExplainSLA(ctx, a, olasRef)
			return err
		},
		ActionVerifyCase: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.VerifyCase(ctx, a, olasRef)
			return err
		},
		ActionVerifyAll: func(ctx context.Context, d *Desk, a helpdesk.Actor) error { _, err := d.VerifyAll(ctx, a); return err },
		ActionAuditExport: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Export(ctx, a, time.Time{}, time.Time{})
			return err
		},
		ActionAuditReads: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.AuditReads(ctx, a, Period{})
			return err
		},
		ActionListTasks: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ListTasks(ctx, a, "")
			return err
		},
		ActionComplete: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.CompleteTask(ctx, a, olasTaskID, helpdesk.CompleteRequest{Outcome: "approved"})
			return err
		},
		ActionListAnnouncements: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ListAnnouncements(ctx, a, AnnouncementFilter{})
			return err
		},
		ActionReadAnnouncement: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Announcement(ctx, a, outageID)
			return err
		},
		ActionCreateAnnouncement: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Announce(ctx, a, NewAnnouncement{Request: helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage,
				Title: "Nettet er nede", StartsAt: time.Now().Add(time.Hour).Format(time.RFC3339)}})
			return err
		},
		ActionResolveAnnouncement: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ResolveOutage(ctx, a, outageID, "Oppe igjen")
			return err
		},
		ActionNotifications: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ListNotifications(ctx, a, NotificationFilter{})
			return err
		},
		ActionReadNotification: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.MarkNotificationRead(ctx, a, uuid.NewString())
			return err
		},
		ActionKPI: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.KPIReport(ctx, a, Period{})
			return err
		},
		ActionTeam: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.Team(ctx, a)
			return err
		},
		ActionUploadAttachment: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.UploadAttachment(ctx, a, "logg.txt", strings.NewReader("feil 42\n"))
			return err
		},
		ActionPersonData: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.PersonData(ctx, a, a.Username)
			return err
		},
		ActionFindPeople: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.FindPeople(ctx, a, "ola")
			return err
		},
		ActionErasePerson: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.ErasePerson(ctx, a, "ola")
			return err
		},
		ActionLegalHold: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.SetLegalHold(ctx, a, olasRef, "Klage til Sivilombudet")
			return err
		},
		ActionTemporalCodec: func(ctx context.Context, d *Desk, a helpdesk.Actor) error {
			_, err := d.TemporalCodec(ctx, a, "default")
			return err
		},
	}
}

// refusedByPolicy reports whether err is the policy's refusal of act.
func refusedByPolicy(err error, act Action) bool {
	e, ok := AsError(err)
	return ok && e.Kind == Forbidden && strings.Contains(e.English, "("+string(act)+")")
}

// TestEveryDoorGetsThePolicyFromTheDesk takes every action the policy
// knows, as every demo user, through the desk itself: it is refused
// exactly where the table refuses, and a refused action reaches neither
// the case engine nor the record.
func TestEveryDoorGetsThePolicyFromTheDesk(t *testing.T) {
	ps := probes()
	for _, act := range Actions() {
		if ps[act] == nil {
			t.Errorf("the policy has %s, which no desk method here takes: add a probe", act)
		}
	}
	dir := directory.Demo()
	ctx := context.Background()
	for _, name := range demoUsers {
		td := newTestDesk(t)
		seedWorld(t, td)
		for act, probe := range ps {
			td.engine.reset()
			before, err := td.store.ReadAll(ctx, 0, 0, eventstore.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := dir.User(name)
			actor, err := td.Actor(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			err = probe(ctx, td.Desk, actor)
			want := !Allowed(actor, act)
			if got := refusedByPolicy(err, act); got != want {
				t.Errorf("%s takes %s: %v; refused by the policy = %v, want %v", name, act, err, got, want)
			}
			if !want {
				continue
			}
			if calls := td.engine.taken(); len(calls) > 0 {
				t.Errorf("%s's refused %s reached the case engine: %v", name, act, calls)
			}
			after, _ := td.store.ReadAll(ctx, 0, 0, eventstore.Filter{})
			if len(after) != len(before) {
				t.Errorf("%s's refused %s changed the record: %d events, were %d", name, act, len(after), len(before))
			}
		}
	}
}

// TestStepsReachTheEngineOnlyForWhomTheCaseIsVisible: a step on a case the
// actor may not see is NotFound, as if it did not exist, and the workflow
// is never asked.
func TestStepsReachTheEngineOnlyForWhomTheCaseIsVisible(t *testing.T) {
	td := newTestDesk(t)
	seedWorld(t, td)
	ctx := context.Background()
	dir := directory.Demo()
	actor := func(name string) helpdesk.Actor {
		u, _ := dir.User(name)
		a, err := td.Actor(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if _, err := td.Comment(ctx, actor("eva"), olasRef, Note{Body: "hei"}); !IsKind(err, NotFound) {
		t.Errorf("eva comments on ola's case: %v, want NotFound", err)
	}
	if _, err := td.Case(ctx, actor("eva"), olasCase); !IsKind(err, NotFound) {
		t.Errorf("eva reads ola's case: %v, want NotFound", err)
	}
	if calls := td.engine.taken(); len(calls) != 0 {
		t.Fatalf("the engine was asked %v", calls)
	}
	if _, err := td.Comment(ctx, actor("ola"), olasRef, Note{Body: "hei"}); err != nil {
		t.Fatalf("ola comments on his own case: %v", err)
	}
	if calls := td.engine.taken(); len(calls) != 1 || calls[0] != workflows.UpdateComment+" "+olasCase {
		t.Errorf("the engine was asked %v, want one comment on %s", calls, olasCase)
	}
}

// TestADisabledAccountCannotAct: a departure that took effect disables the
// account; the desk refuses it as Unauthenticated, whatever the door.
func TestADisabledAccountCannotAct(t *testing.T) {
	td := newTestDesk(t)
	td.seed(t, helpdesk.PersonStream("eva"), "brukerhjelp", time.Now(), helpdesk.PersonEvent{What: "account-disabled", CaseID: olasCase})
	u, _ := directory.Demo().User("eva")
	if _, err := td.Actor(context.Background(), u); !IsKind(err, Unauthenticated) {
		t.Errorf("eva after her departure: %v, want Unauthenticated", err)
	}
	u, _ = directory.Demo().User("ola")
	if a, err := td.Actor(context.Background(), u); err != nil || a.Username != "ola" {
		t.Errorf("ola: %+v, %v", a, err)
	}
}

// TestBadInputIsRefusedBeforeItTravels: what the domain's rules refuse in
// a step (an over-long or control-character field, an assignee outside
// the named group, output a task does not take) is Invalid naming the
// field, and never reaches the case engine.
func TestBadInputIsRefusedBeforeItTravels(t *testing.T) {
	td := newTestDesk(t)
	seedWorld(t, td)
	ctx := context.Background()
	dir := directory.Demo()
	actor := func(name string) helpdesk.Actor {
		u, _ := dir.User(name)
		a, err := td.Actor(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name  string
		take  func() error
		field string
	}{
		{"a 900 KB comment", func() error {
			_, err := td.Comment(ctx, actor("ola"), olasRef, Note{Body: strings.Repeat("x", 900<<10)})
			return err
		}, "body"},
		{"a bell in a reason", func() error { _, err := td.Cancel(ctx, actor("ola"), olasRef, "nei\a"); return err }, "reason"},
		{"a bidirectional override in a question", func() error {
			_, err := td.RequestInfo(ctx, actor("per"), olasRef, "Hvilken \u202eskriver?")
			return err
		}, "question"},
		{"per assigned to arkiv, which he is not in", func() error {
			_, err := td.Assign(ctx, actor("lise"), olasRef, Assignment{Assignee: "per", Group: "arkiv"})
			return err
		}, "assignee"},
		{"output on an approval", func() error {
			_, err := td.CompleteTask(ctx, actor("kari"), olasTaskID, helpdesk.CompleteRequest{Outcome: "approved", Output: "eva"})
			return err
		}, "output"},
		{"an announcement starting in year 0", func() error {
			_, err := td.Announce(ctx, actor("tor"), NewAnnouncement{Request: helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage,
				Title: "Nede", StartsAt: "0000-01-01T00:00:00Z"}})
			return err
		}, "startsAt"},
	}
	for _, tt := range tests {
		err := tt.take()
		if e, ok := AsError(err); !ok || e.Kind != Invalid || e.Field != tt.field {
			t.Errorf("%s: %v, want Invalid naming %s", tt.name, err, tt.field)
		}
	}
	if calls := td.engine.taken(); len(calls) != 0 {
		t.Errorf("refused input reached the engine: %v", calls)
	}
}
