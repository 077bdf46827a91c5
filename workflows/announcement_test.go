package workflows_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

const announcementID = "3f2a9c01-7d4e-4b8a-9c1d-2e5f6a7b8c9d"

var tor = helpdesk.Actor{Username: "tor", Roles: []helpdesk.Role{helpdesk.RoleOperations}}

func announcementInput(kind helpdesk.AnnouncementKind, starts time.Time, ends *time.Time) workflows.AnnouncementInput {
	return workflows.AnnouncementInput{
		AnnouncementID: announcementID,
		Request:        helpdesk.AnnouncementRequest{Kind: kind, Title: "ESA er nede", Body: "Vi jobber med saken."},
		StartsAt:       starts,
		EndsAt:         ends,
		Actor:          tor,
	}
}

// announcementEvents is the announcement's record: types and times.
func (f *fixture) announcementEvents(t *testing.T) []recorded {
	t.Helper()
	evs, err := f.store.ReadStream(t.Context(), helpdesk.AnnouncementStream(announcementID), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]recorded, len(evs))
	for i, e := range evs {
		var m helpdesk.Metadata
		if err := json.Unmarshal(e.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		out[i] = recorded{Type: e.Type, At: m.OccurredAt, Data: e.Data}
	}
	return out
}

func (f *fixture) resolveOutage(after time.Duration, in workflows.AnnouncementStepInput, out *announcementOutcome) {
	f.env.RegisterDelayedCallback(func() {
		f.env.UpdateWorkflow(workflows.UpdateResolveOutage, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { out.err, out.rejected = err, true },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				out.err, out.succeeded = err, err == nil
				if v != nil {
					out.view = v.(workflows.AnnouncementView)
				}
			},
		}, in)
	}, after)
}

type announcementOutcome struct {
	view      workflows.AnnouncementView
	err       error
	rejected  bool
	succeeded bool
}

func TestMaintenanceTimeline(t *testing.T) {
	tests := []struct {
		name                   string
		published, starts      time.Time
		window                 time.Duration
		wantReminder           time.Time // zero: no reminder
		wantStatusAtPublishing helpdesk.AnnouncementStatus
	}{
		{
			// Monday after a weekend: reminded Friday morning.
			name:      "over a weekend",
			published: oslo(11, 24, 9, 0, 0), starts: oslo(11, 30, 18, 0, 0), window: 4 * time.Hour,
			wantReminder: oslo(11, 27, 7, 30, 0),
		},
		{
			// Tuesday after Easter: Maundy Thursday, Good Friday, the
			// weekend and Easter Monday are closed; reminded Wednesday.
			name:      "over Easter",
			published: oslo(3, 30, 10, 0, 0), starts: oslo(4, 7, 8, 0, 0), window: 2 * time.Hour,
			wantReminder: oslo(4, 1, 7, 30, 0),
		},
		{
			// Posted after the reminder would have gone: no reminder.
			name:      "posted late",
			published: oslo(11, 27, 9, 0, 0), starts: oslo(11, 30, 18, 0, 0), window: time.Hour,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.env.SetStartTime(tc.published)
			ends := tc.starts.Add(tc.window)
			var mid helpdesk.Announcement
			f.env.RegisterDelayedCallback(func() {
				v, err := f.env.QueryWorkflow(workflows.QueryAnnouncement)
				if err != nil {
					t.Error(err)
					return
				}
				var view workflows.AnnouncementView
				if err := v.Get(&view); err != nil {
					t.Error(err)
				}
				mid = view.Announcement
			}, tc.starts.Add(tc.window/2).Sub(tc.published))

			f.env.ExecuteWorkflow(workflows.AnnouncementWorkflow, announcementInput(helpdesk.AnnouncementMaintenance, tc.starts, &ends))

			if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
				t.Fatalf("completed %v, error %v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
			}
			want := []recorded{{Type: "AnnouncementPublished", At: tc.published}}
			if !tc.wantReminder.IsZero() {
				want = append(want, recorded{Type: "AnnouncementReminded", At: tc.wantReminder})
			}
			want = append(want, recorded{Type: "AnnouncementStarted", At: tc.starts}, recorded{Type: "AnnouncementEnded", At: ends})
			got := f.announcementEvents(t)
			if len(got) != len(want) {
				t.Fatalf("events = %v, want %v", got, want)
			}
			for i := range want {
				if got[i].Type != want[i].Type || !got[i].At.Equal(want[i].At) {
					t.Errorf("event %d = %s at %v, want %s at %v", i, got[i].Type, got[i].At.In(helpdesk.Oslo), want[i].Type, want[i].At)
				}
			}
			if mid.Status != helpdesk.AnnouncementActive || !mid.ActiveAt(tc.starts.Add(tc.window/2)) {
				t.Errorf("during the window: status %q", mid.Status)
			}
			var final helpdesk.Announcement
			if err := f.env.GetWorkflowResult(&final); err != nil {
				t.Fatal(err)
			}
			if final.Status != helpdesk.AnnouncementDone || final.Reference != "DRIFT-3F2A9C01" {
				t.Errorf("final: status %q reference %q, want done DRIFT-3F2A9C01", final.Status, final.Reference)
			}
		})
	}
}

// seedCase records a case directly: opened, linked to the outage, and
// then the events given (e.g. resolved and closed).
func seedCase(t *testing.T, f *fixture, id, reporter string, more ...helpdesk.Event) {
	t.Helper()
	events := append([]helpdesk.Event{
		helpdesk.CaseOpened{CaseID: id, Reference: "BH-2026-0000" + id[:2], Kind: helpdesk.KindIncident, Title: "ESA svarer ikke",
			Reporter: reporter, CreatedBy: reporter, Group: "brukerhjelp"},
		helpdesk.LinkedToAnnouncement{AnnouncementID: announcementID, Reference: "DRIFT-3F2A9C01", Title: "ESA er nede"},
	}, more...)
	var data []eventstore.EventData
	for _, e := range events {
		b, _ := json.Marshal(e)
		data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: []byte(`{"actor":"` + reporter + `"}`)})
	}
	if _, err := f.store.Append(t.Context(), helpdesk.Stream(id), eventstore.NoStream(), data...); err != nil {
		t.Fatal(err)
	}
}

func TestOutageResolvesLinkedOpenCasesOnly(t *testing.T) {
	f := newFixture(t)
	openID, closedID, lateID := "11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002", "33333333-0000-4000-8000-000000000003"
	seedCase(t, f, openID, "ola")
	seedCase(t, f, closedID, "eva", helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.CaseResolved{Resolution: "Omstart"}, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	seedCase(t, f, lateID, "kari")

	var signalled []string
	var sig workflows.OutageResolvedSignal
	f.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", workflows.SignalOutageResolved, mock.Anything).
		Return(nil).Run(func(args mock.Arguments) {
		signalled = append(signalled, args.String(1))
		sig = args.Get(4).(workflows.OutageResolvedSignal)
	})
	link := func(after time.Duration, id, reporter string) {
		f.env.RegisterDelayedCallback(func() {
			f.env.SignalWorkflow(workflows.SignalLinkCase, workflows.LinkCaseSignal{CaseID: id, Reference: "BH-" + id[:2], Reporter: reporter})
		}, after)
	}
	link(10*time.Minute, openID, "ola")
	link(20*time.Minute, closedID, "eva")
	link(21*time.Minute, openID, "ola") // a repeated signal is recorded once
	var employee, bel, resolved announcementOutcome
	f.resolveOutage(time.Hour, workflows.AnnouncementStepInput{Actor: ola}, &employee)
	// A comment with a control character is refused by the workflow's
	// own validator, whichever door sent it.
	f.resolveOutage(90*time.Minute, workflows.AnnouncementStepInput{Actor: tor, Comment: "Løst\a"}, &bel)
	f.resolveOutage(2*time.Hour, workflows.AnnouncementStepInput{Actor: tor, Comment: "Databasen er startet på nytt."}, &resolved)

	f.env.ExecuteWorkflow(workflows.AnnouncementWorkflow, announcementInput(helpdesk.AnnouncementOutage, oslo(11, 24, 8, 30, 0), nil))
	if !bel.rejected || details(t, bel.err).Field != "comment" {
		t.Errorf("a comment with BEL: rejected %v, %v", bel.rejected, bel.err)
	}

	if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
		t.Fatalf("completed %v, error %v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
	}
	if employee.succeeded || errorCode(t, employee.err) != helpdesk.CodeForbidden {
		t.Errorf("an employee resolving: %v, want forbidden", employee.err)
	}
	if !resolved.succeeded || resolved.view.Announcement.Status != helpdesk.AnnouncementResolved {
		t.Fatalf("resolve: %v, status %q", resolved.err, resolved.view.Announcement.Status)
	}
	// Only the open case is told; the closed one is left alone.
	if want := []string{workflows.WorkflowID(openID)}; !slices.Equal(signalled, want) {
		t.Errorf("signalled %v, want %v", signalled, want)
	}
	if sig.Announcement.ID != announcementID || sig.Announcement.Reference != "DRIFT-3F2A9C01" || sig.Comment != "Databasen er startet på nytt." {
		t.Errorf("signal = %+v", sig)
	}
	var types []string
	for _, e := range f.announcementEvents(t) {
		types = append(types, e.Type)
	}
	want := []string{"AnnouncementPublished", "CaseLinkedToAnnouncement", "CaseLinkedToAnnouncement", "OutageResolved"}
	if !slices.Equal(types, want) {
		t.Errorf("events = %v, want %v", types, want)
	}
	var final helpdesk.Announcement
	if err := f.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.LinkedCount != 2 || final.LinkedCases[0].Reporter != "ola" || final.Resolution != "Databasen er startet på nytt." {
		t.Errorf("final = %+v", final)
	}
}

func TestOutageContinuesAsNewWhenHistoryGrows(t *testing.T) {
	f := newFixture(t)
	in := announcementInput(helpdesk.AnnouncementOutage, oslo(11, 24, 8, 0, 0), nil)
	in.LinksPerRun = 5
	var ids []string
	for i := range 12 {
		id := uuid.NewSHA1(uuid.NameSpaceOID, []byte{byte(i)}).String()
		ids = append(ids, id)
		f.env.RegisterDelayedCallback(func() {
			f.env.SignalWorkflow(workflows.SignalLinkCase, workflows.LinkCaseSignal{CaseID: id, Reference: "BH-x", Reporter: "ola"})
		}, time.Duration(i+1)*time.Minute)
	}
	f.env.ExecuteWorkflow(workflows.AnnouncementWorkflow, in)
	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow error %v, want continue-as-new", err)
	}

	// The next run rebuilds the announcement from the record and goes on.
	g := newFixtureOn(t, f.store)
	in.Continued = true
	var resolved announcementOutcome
	g.resolveOutage(time.Minute, workflows.AnnouncementStepInput{Actor: tor}, &resolved)
	g.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", workflows.SignalOutageResolved, mock.Anything).Return(nil).Maybe()
	g.env.ExecuteWorkflow(workflows.AnnouncementWorkflow, in)
	if err := g.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !resolved.succeeded {
		t.Fatalf("resolve after continue-as-new: %v", resolved.err)
	}
	a := resolved.view.Announcement
	var got []string
	for _, l := range a.LinkedCases {
		got = append(got, l.ID)
	}
	// Links that arrived before the run ended are on the record; none is
	// lost or doubled.
	if len(got) == 0 || !slices.Equal(got, ids[:len(got)]) {
		t.Errorf("linked after continue-as-new = %v, want a prefix of %v", got, ids)
	}
	if a.Status != helpdesk.AnnouncementResolved || a.Revision != int64(len(got)+1) {
		t.Errorf("status %q revision %d with %d links", a.Status, a.Revision, len(got))
	}
}

func linkedInput() workflows.CaseInput {
	in := input()
	in.Request.Title, in.Request.Description = "ESA svarer ikke", "Får ikke logget inn i ESA."
	return in
}

var outage = helpdesk.AnnouncementLink{ID: announcementID, Reference: "DRIFT-3F2A9C01", Title: "ESA er nede"}

func TestCaseLinkedOnCreationResolvesWithItsOutage(t *testing.T) {
	f := newFixture(t)
	var told workflows.LinkCaseSignal
	f.env.OnSignalExternalWorkflow(mock.Anything, workflows.AnnouncementWorkflowID(announcementID), "", workflows.SignalLinkCase, mock.Anything).
		Return(nil).Once().Run(func(args mock.Arguments) { told = args.Get(4).(workflows.LinkCaseSignal) })
	f.env.RegisterDelayedCallback(func() {
		f.env.SignalWorkflow(workflows.SignalOutageResolved, workflows.OutageResolvedSignal{Announcement: outage, Comment: "Databasen er startet på nytt."})
	}, time.Hour)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, 2*time.Hour)
	in := linkedInput()
	in.Announcement = &outage
	f.run(in)

	if told.CaseID != caseID || told.Reporter != "ola" || told.Reference != "BH-2026-000001" {
		t.Errorf("the outage was told %+v", told)
	}
	evs := f.events(t)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []string{"CaseOpened", "SLAStarted", "LinkedToAnnouncement", "CaseResolved", "SLAStopped"}
	if !slices.Equal(types, want) {
		t.Fatalf("events = %v, want %v", types, want)
	}
	var res helpdesk.CaseResolved
	_ = json.Unmarshal(evs[3].Data, &res)
	if !strings.Contains(res.Resolution, "DRIFT-3F2A9C01") || !strings.Contains(res.Resolution, "Databasen er startet på nytt.") {
		t.Errorf("resolution %q does not name the outage and its comment", res.Resolution)
	}
	if !evs[3].At.Equal(oslo(11, 24, 10, 0, 0)) {
		t.Errorf("resolved at %v, want when the outage was resolved", evs[3].At)
	}
}

func TestLinkStepAndResolvedCaseLeftAlone(t *testing.T) {
	f := newFixture(t)
	f.env.OnSignalExternalWorkflow(mock.Anything, workflows.AnnouncementWorkflowID(announcementID), "", workflows.SignalLinkCase, mock.Anything).
		Return(nil).Once()
	var employee, linked, twice, claimed, resolved outcome
	f.step(time.Minute, workflows.UpdateLink, workflows.StepInput{Actor: ola, Announcement: &outage}, &employee)
	f.step(2*time.Minute, workflows.UpdateLink, workflows.StepInput{Actor: per, Announcement: &outage}, &linked)
	f.step(3*time.Minute, workflows.UpdateLink, workflows.StepInput{Actor: per, Announcement: &outage}, &twice)
	f.step(4*time.Minute, workflows.UpdateClaim, workflows.StepInput{Actor: per}, &claimed)
	f.step(5*time.Minute, workflows.UpdateResolve, workflows.StepInput{Actor: per, Resolution: "Lokal feil, ikke driftsavbruddet."}, &resolved)
	// The outage is resolved after the caseworker resolved the case.
	f.env.RegisterDelayedCallback(func() {
		f.env.SignalWorkflow(workflows.SignalOutageResolved, workflows.OutageResolvedSignal{Announcement: outage})
	}, time.Hour)
	f.env.RegisterDelayedCallback(func() { f.env.CancelWorkflow() }, 2*time.Hour)
	f.run(linkedInput())

	if employee.succeeded || errorCode(t, employee.err) != helpdesk.CodeForbidden {
		t.Errorf("employee link: %v, want forbidden", employee.err)
	}
	if !linked.succeeded || linked.view.Case.Announcement == nil || linked.view.Case.Announcement.Reference != "DRIFT-3F2A9C01" {
		t.Fatalf("link: %v, case %+v", linked.err, linked.view.Case.Announcement)
	}
	if twice.succeeded || errorCode(t, twice.err) != helpdesk.CodeConflict {
		t.Errorf("second link: %v, want conflict", twice.err)
	}
	if !resolved.succeeded {
		t.Fatalf("resolve: %v", resolved.err)
	}
	var types []string
	for _, e := range f.events(t) {
		types = append(types, e.Type)
	}
	want := []string{"CaseOpened", "SLAStarted", "LinkedToAnnouncement", "CaseClaimed", "SLAResponded", "CaseResolved", "SLAStopped"}
	if !slices.Equal(types, want) {
		t.Errorf("events = %v, want %v (the resolved case is left alone)", types, want)
	}
}
