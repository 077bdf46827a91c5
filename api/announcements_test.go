package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// seedEvents appends events to a stream as the workflows would.
func seedEvents(t *testing.T, ts testServer, stream, actor string, at time.Time, events ...helpdesk.Event) {
	t.Helper()
	var data []eventstore.EventData
	for _, e := range events {
		b, _ := json.Marshal(e)
		m, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: at})
		data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: m})
	}
	evs, _ := ts.store.ReadStream(context.Background(), stream, 0, 0)
	exp := eventstore.NoStream()
	if len(evs) > 0 {
		exp = eventstore.Exact(uint64(len(evs) - 1))
	}
	if _, err := ts.store.Append(context.Background(), stream, exp, data...); err != nil {
		t.Fatal(err)
	}
}

// Announcements on the record: an active outage, a resolved one and a
// maintenance window.
const (
	activeOutage   = "0a0a0a0a-0000-4000-8000-000000000001"
	resolvedOutage = "0b0b0b0b-0000-4000-8000-000000000002"
	maintenance    = "0c0c0c0c-0000-4000-8000-000000000003"
)

func seedAnnouncements(t *testing.T, ts testServer) {
	t.Helper()
	now := time.Now()
	outage := func(id, title string) helpdesk.AnnouncementPublished {
		return helpdesk.Publish(id, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage, Title: title}, now.Add(-time.Hour), nil)
	}
	seedEvents(t, ts, helpdesk.AnnouncementStream(activeOutage), "tor", now.Add(-time.Hour), outage(activeOutage, "ESA er nede"),
		helpdesk.CaseLinkedToAnnouncement{CaseID: "c1", Reference: "BH-2026-000001", Reporter: "eva"})
	seedEvents(t, ts, helpdesk.AnnouncementStream(resolvedOutage), "tor", now.Add(-time.Hour), outage(resolvedOutage, "Nettet var nede"),
		helpdesk.OutageResolved{Comment: "ok"})
	end := now.Add(3 * time.Hour)
	seedEvents(t, ts, helpdesk.AnnouncementStream(maintenance), "tor", now.Add(-time.Hour),
		helpdesk.Publish(maintenance, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementMaintenance, Title: "Oppgradering"}, now.Add(time.Hour), &end))
}

func TestAnnouncementRequestsRefusedBeforeAnyWorkflow(t *testing.T) {
	ts := newServerWith(t, nil)
	seedAnnouncements(t, ts)
	const js = "application/json"
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	later := time.Now().Add(50 * time.Hour).UTC().Format(time.RFC3339)
	post := func(user, body string) call {
		return call{method: "POST", path: "/api/v1/announcements", token: "dev:" + user, contentType: js, body: body}
	}
	ok := `{"kind":"outage","title":"ESA er nede","startsAt":"` + future + `"}`
	tests := []struct {
		name   string
		call   call
		status int
		field  string
	}{
		{"employee", post("ola", ok), 403, ""},
		{"caseworker", post("per", ok), 403, ""},
		{"auditor", post("siri", ok), 403, ""},
		{"missing kind", post("tor", `{"title":"x","startsAt":"`+future+`"}`), 400, "kind"},
		{"bad kind", post("tor", `{"kind":"rumour","title":"x","startsAt":"`+future+`"}`), 400, "kind"},
		{"missing title", post("tor", `{"kind":"outage","startsAt":"`+future+`"}`), 400, "title"},
		{"title too long", post("tor", `{"kind":"outage","title":"`+strings.Repeat("å", 201)+`","startsAt":"`+future+`"}`), 400, "title"},
		{"English title too long", post("tor", `{"kind":"outage","title":"x","titleEn":"`+strings.Repeat("a", 201)+`","startsAt":"`+future+`"}`), 400, "titleEn"},
		{"English title over two lines", post("tor", `{"kind":"outage","title":"x","titleEn":"ESA\nis down","startsAt":"`+future+`"}`), 400, "titleEn"},
		{"missing startsAt", post("tor", `{"kind":"outage","title":"x"}`), 400, "startsAt"},
		{"startsAt not RFC 3339", post("tor", `{"kind":"outage","title":"x","startsAt":"i morgen"}`), 400, "startsAt"},
		{"endsAt before startsAt", post("tor", `{"kind":"outage","title":"x","startsAt":"`+later+`","endsAt":"`+future+`"}`), 400, "endsAt"},
		{"maintenance without endsAt", post("tor", `{"kind":"maintenance","title":"x","startsAt":"`+future+`"}`), 400, "endsAt"},
		{"maintenance already over", post("tor", `{"kind":"maintenance","title":"x","startsAt":"2020-01-01T08:00:00Z","endsAt":"2020-01-01T09:00:00Z"}`), 400, "endsAt"},
		{"empty service", post("tor", `{"kind":"outage","title":"x","startsAt":"`+future+`","services":[" "]}`), 400, "services"},
		{"unknown field", post("tor", `{"kind":"outage","title":"x","startsAt":"`+future+`","severity":"high"}`), 400, "severity"},
		{"wrong type", post("tor", `{"kind":"outage","title":"x","startsAt":"`+future+`","services":"esa"}`), 400, "services"},
		{"not JSON", call{method: "POST", path: "/api/v1/announcements", token: "dev:tor", contentType: "text/plain", body: "x"}, 415, ""},

		{"unknown announcement", call{method: "GET", path: "/api/v1/announcements/" + uuid.NewString(), token: "dev:ola"}, 404, ""},
		{"not an id", call{method: "GET", path: "/api/v1/announcements/DROP", token: "dev:ola"}, 404, ""},
		{"list with a bad active", call{method: "GET", path: "/api/v1/announcements?active=yes", token: "dev:ola"}, 400, "active"},
		{"list with an unknown parameter", call{method: "GET", path: "/api/v1/announcements?kind=outage", token: "dev:ola"}, 400, "kind"},

		{"employee resolves", call{method: "POST", path: "/api/v1/announcements/" + activeOutage + "/resolve", token: "dev:ola"}, 403, ""},
		{"resolve twice", call{method: "POST", path: "/api/v1/announcements/" + resolvedOutage + "/resolve", token: "dev:tor"}, 409, ""},
		{"resolve maintenance", call{method: "POST", path: "/api/v1/announcements/" + maintenance + "/resolve", token: "dev:tor"}, 409, ""},
		{"resolve unknown", call{method: "POST", path: "/api/v1/announcements/" + uuid.NewString() + "/resolve", token: "dev:tor"}, 404, ""},
		{"resolve with unknown field", call{method: "POST", path: "/api/v1/announcements/" + activeOutage + "/resolve", token: "dev:tor", contentType: js, body: `{"reason":"x"}`}, 400, "reason"},

		{"link on create to an unknown outage", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js,
			body: `{"kind":"incident","title":"ESA","description":"nede","announcement":"` + uuid.NewString() + `"}`}, 400, "announcement"},
		{"link on create to a resolved outage", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js,
			body: `{"kind":"incident","title":"ESA","description":"nede","announcement":"` + resolvedOutage + `"}`}, 400, "announcement"},
		{"link on create to maintenance", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js,
			body: `{"kind":"incident","title":"ESA","description":"nede","announcement":"` + maintenance + `"}`}, 400, "announcement"},
		{"link on create to garbage", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: js,
			body: `{"kind":"incident","title":"ESA","description":"nede","announcement":"x"}`}, 400, "announcement"},
		{"employee links by step", call{method: "POST", path: "/api/v1/cases/BH-2026-000001/link", token: "dev:ola", contentType: js,
			body: `{"announcement":"` + activeOutage + `"}`}, 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.call.do(t, ts.Server)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			var p Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("not a problem: %s", body)
			}
			if p.Field != tc.field {
				t.Errorf("field = %q, want %q (%s)", p.Field, tc.field, p.Detail)
			}
		})
	}
	// Nothing was recorded by the refusals.
	if _, err := ts.store.ReadStream(context.Background(), helpdesk.AnnouncementStream(activeOutage), 2, 0); err != nil {
		t.Fatal(err)
	}
	evs, _ := ts.store.ReadStream(context.Background(), helpdesk.AnnouncementStream(resolvedOutage), 0, 0)
	if len(evs) != 2 {
		t.Errorf("the resolved outage has %d events, want 2", len(evs))
	}
}

func TestGetAnnouncementShowsLinkedCasesOnlyToStaff(t *testing.T) {
	ts := newServerWith(t, func(c *serverConfig) { c.Announcements = seeded() })
	seedAnnouncements(t, ts)
	for user, want := range map[string]int{"ola": 0, "per": 1, "tor": 1} {
		// By its UUID, and by its reference.
		path := "/api/v1/announcements/" + activeOutage
		if user != "per" {
			path = "/api/v1/announcements/" + helpdesk.AnnouncementReference(activeOutage)
		}
		resp, body := call{method: "GET", path: path, token: "dev:" + user}.do(t, ts.Server)
		var a helpdesk.Announcement
		if resp.StatusCode != 200 || json.Unmarshal(body, &a) != nil {
			t.Fatalf("%s: %d %s", user, resp.StatusCode, body)
		}
		if a.Status != helpdesk.AnnouncementActive || a.Kind != helpdesk.AnnouncementOutage || a.LinkedCount != 1 || len(a.LinkedCases) != want {
			t.Errorf("%s sees %+v, want %d linked cases listed", user, a, want)
		}
	}
}

type fakeAnnouncements struct {
	got readmodel.AnnouncementFilter
	out []helpdesk.Announcement
}

func (f *fakeAnnouncements) ListAnnouncements(_ context.Context, filter readmodel.AnnouncementFilter) ([]helpdesk.Announcement, error) {
	f.got = filter
	return f.out, nil
}

// AnnouncementIDs finds the ids behind a reference among those listed,
// as the read model does.
func (f *fakeAnnouncements) AnnouncementIDs(_ context.Context, ref string) ([]string, error) {
	var ids []string
	for _, a := range f.out {
		if helpdesk.AnnouncementReference(a.ID) == ref {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

// seeded is the read model's view of seedAnnouncements' announcements.
func seeded() *fakeAnnouncements {
	return &fakeAnnouncements{out: []helpdesk.Announcement{{ID: activeOutage}, {ID: resolvedOutage}, {ID: maintenance}}}
}

func TestListAnnouncementsActive(t *testing.T) {
	fake := &fakeAnnouncements{out: []helpdesk.Announcement{{ID: activeOutage, Kind: helpdesk.AnnouncementOutage,
		LinkedCases: []helpdesk.LinkedCase{{ID: "c1", Reporter: "eva"}}, LinkedCount: 1}}}
	ts := newServerWith(t, func(c *serverConfig) { c.Announcements = fake })
	resp, body := call{method: "GET", path: "/api/v1/announcements?active=true&limit=5", token: "dev:ola"}.do(t, ts.Server)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if fake.got.Active == nil || !*fake.got.Active || fake.got.Limit != 5 || time.Since(fake.got.At) > time.Minute {
		t.Errorf("filter = %+v", fake.got)
	}
	var list announcementList
	if err := json.Unmarshal(body, &list); err != nil || len(list.Items) != 1 || len(list.Items[0].LinkedCases) != 0 || list.Items[0].LinkedCount != 1 {
		t.Errorf("ola got %s", body)
	}
}

func TestLinkOnCreateAndByStepReachTheWorkflow(t *testing.T) {
	mc := &mocks.Client{}
	ts := newServerWith(t, func(c *serverConfig) { c.Temporal = mc; c.Announcements = seeded() })
	seedAnnouncements(t, ts)
	want := helpdesk.AnnouncementLink{ID: activeOutage, Reference: helpdesk.AnnouncementReference(activeOutage), Title: "ESA er nede"}

	// On create: the case workflow starts with the outage it is linked to.
	body := `{"kind":"incident","title":"ESA","description":"nede","announcement":"` + activeOutage + `"}`
	sum := sha256.Sum256([]byte(body))
	// An incident starts its own type, IncidentWorkflow.
	var started workflows.IncidentWorkflowInput
	mc.On("NewWithStartWorkflowOperation", mock.Anything, workflows.IncidentWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { started = args.Get(2).(workflows.IncidentWorkflowInput) }).Return(nil).Once()
	created := &mocks.WorkflowUpdateHandle{}
	created.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.CaseView) = workflows.CaseView{RequestHash: hex.EncodeToString(sum[:]),
			Case: helpdesk.Case{ID: started.CaseID, Reference: "BH-2026-000001", Reporter: "ola", Announcement: started.Announcement}}
	}).Return(nil)
	mc.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(created, nil).Once()
	resp, b := call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "application/json", body: body}.do(t, ts.Server)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	if started.Announcement == nil || *started.Announcement != want {
		t.Errorf("the workflow was started with %+v, want %+v", started.Announcement, want)
	}
	var c helpdesk.Case
	if err := json.Unmarshal(b, &c); err != nil || c.Announcement == nil || c.Announcement.ID != activeOutage {
		t.Errorf("the created case shows %s", b)
	}

	// By step: a caseworker links an existing case.
	caseID := uuid.NewString()
	seedEvents(t, ts, helpdesk.Stream(caseID), "eva", time.Now(), helpdesk.CaseOpened{CaseID: caseID, Reference: "BH-2026-000002",
		Kind: helpdesk.KindIncident, Title: "ESA", Reporter: "eva", CreatedBy: "eva", Group: "brukerhjelp"})
	var step workflows.StepInput
	var opts client.UpdateWorkflowOptions
	linked := &mocks.WorkflowUpdateHandle{}
	linked.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		*args.Get(1).(*workflows.CaseView) = workflows.CaseView{Case: helpdesk.Case{ID: caseID, Reporter: "eva", Announcement: step.Announcement}}
	}).Return(nil)
	mc.On("UpdateWorkflow", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		opts = args.Get(1).(client.UpdateWorkflowOptions)
		step = opts.Args[0].(workflows.StepInput)
	}).Return(linked, nil).Once()
	// The outage is named by its reference (DRIFT-…), as people know it.
	resp, b = call{method: "POST", path: "/api/v1/cases/" + caseID + "/link", token: "dev:per", contentType: "application/json",
		body: `{"announcement":"` + strings.ToLower(want.Reference) + `"}`}.do(t, ts.Server)
	if resp.StatusCode != 200 {
		t.Fatalf("link: %d %s", resp.StatusCode, b)
	}
	if opts.WorkflowID != workflows.WorkflowID(caseID) || opts.UpdateName != workflows.UpdateLink || step.Announcement == nil || *step.Announcement != want {
		t.Errorf("update %s on %s with %+v", opts.UpdateName, opts.WorkflowID, step.Announcement)
	}
	mc.AssertExpectations(t)
}
