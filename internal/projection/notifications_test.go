package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// startNotifying runs a projector as w.start does, with the demo
// directory's groups, so group members are told too.
func (w *world) startNotifying(rm *readmodel.DB, fault func(context.Context, eventstore.RecordedEvent) error) (*Projector, func()) {
	w.t.Helper()
	p, err := New(w.store, rm, Options{
		Logger:       slog.New(slog.NewTextHandler(w.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		MaxRetries:   3,
		RetryInitial: time.Millisecond,
		RetryMax:     5 * time.Millisecond,
		Groups:       directory.Demo(),
		BatchSize:    4,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	p.fault = fault
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			w.t.Errorf("projector Run: %v", err)
		}
	}
	w.t.Cleanup(stop)
	waitFor(w.t, "the projector to run", func() bool { return p.running.Load() })
	return p, stop
}

// notifiedDesk is a help desk's worth of cases, one of each kind of
// notification, and who must be told what: per user, newest first,
// "<kind> <title>".
type notifiedDesk struct {
	incident, order *deskCase
	want            map[string][]string
}

func seedNotified(w *world) notifiedDesk {
	const sys = "brukerhjelp" // the workflows' own actor
	var d notifiedDesk
	due := func() time.Time { return w.clock.Add(time.Hour) }

	// 1. Ola's printer: assigned to Lise, SLA warned, a question, a
	// reminder, the answer, comments both ways and an internal one, the
	// breach, the resolution, and Ola's own confirmation.
	d.incident = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skriveren virker ikke", Description: "Papirstopp",
		Priority: helpdesk.PriorityHigh, Reporter: "ola", CreatedBy: "ola"}).
		then("ola", helpdesk.SLAStarted{Priority: helpdesk.PriorityHigh, ResponseTarget: time.Hour, ResolutionTarget: 8 * time.Hour,
			ResponseDue: due(), ResolutionDue: due().Add(7 * time.Hour)}).
		then("per", helpdesk.CaseAssigned{Assignee: "lise", Group: helpdesk.FirstLineGroup}).
		then(sys, helpdesk.SLAWarned{Clock: helpdesk.ClockResponse, Due: due()}).
		then("lise", helpdesk.SLAResponded{WithinTarget: true}, helpdesk.InfoRequested{Question: "Hvilken skriver?"}, helpdesk.SLAPaused{Used: time.Hour}).
		then(sys, helpdesk.ReplyReminded{Question: "Hvilken skriver?"}).
		then("ola", helpdesk.UserReplied{Body: "Rom 214"}, helpdesk.SLAResumed{ResolutionDue: due()}).
		then("lise", helpdesk.CommentAdded{CommentID: "c1", Body: "Valsen er slitt", Internal: true},
			helpdesk.CommentAdded{CommentID: "c2", Body: "Bestiller ny valse", Internal: false}).
		then("ola", helpdesk.CommentAdded{CommentID: "c3", Body: "Takk", Internal: false}).
		then(sys, helpdesk.SLABreached{Clock: helpdesk.ClockResolution, Due: due()}).
		then("lise", helpdesk.CaseResolved{Resolution: "Byttet valse"}, helpdesk.SLAStopped{Used: 9 * time.Hour}).
		then("ola", helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})

	// 2. Kari's order: the service group reviews, Jon decides the cost,
	// is reminded, it escalates to Nina, who approves; the first line
	// delivers.
	d.order = w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Ny bærbar til Ola", Reporter: "kari", CreatedBy: "kari"}).
		then(sys, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: "tjeneste", Title: "IT-vurdering"}).
		then("lise", helpdesk.TaskCompleted{Outcome: helpdesk.OutcomeApproved, DecidedBy: "lise"}).
		then(sys, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "jon", Fallback: "nina",
			CostNOK: 14000, Title: "Godkjenn kostnaden"})
	d.order.then(sys, helpdesk.TaskReminded{TaskID: helpdesk.TaskID(d.order.id, 2)}).
		then(sys, helpdesk.TaskEscalated{From: "jon", To: "nina"}).
		then("nina", helpdesk.TaskCompleted{Outcome: helpdesk.OutcomeApproved, DecidedBy: "nina"}).
		then(sys, helpdesk.TaskOpened{Kind: helpdesk.TaskFulfilment, Type: "deliver", Group: helpdesk.FirstLineGroup, Title: "Lever maskinen"}).
		then("per", helpdesk.TaskCompleted{Outcome: helpdesk.OutcomeDone, DecidedBy: "per"}, helpdesk.CaseResolved{Resolution: "Levert"})

	// 3. Lise's own order: her group reviews it, but she is not asked.
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Lisens til Lise", Reporter: "lise", CreatedBy: "lise"}).
		then(sys, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "it-review", Group: "tjeneste", Title: "IT-vurdering"})

	// 4. Kari's own order with herself as budget holder: she may not
	// decide it, so she is not asked, nor told it went on to Nina.
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Stol til Kari", Reporter: "kari", CreatedBy: "kari"}).
		then(sys, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "kari", Fallback: "nina", Title: "Godkjenn stolen"},
			helpdesk.TaskEscalated{From: "kari", To: "nina"})

	// 5. Ola's order, refused by Kari.
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindOrder, Title: "Dyr skjerm", Reporter: "ola", CreatedBy: "ola"}).
		then(sys, helpdesk.TaskOpened{Kind: helpdesk.TaskApproval, Type: "cost-approval", Approver: "kari", Fallback: "nina", Title: "Godkjenn skjermen"}).
		then("kari", helpdesk.TaskCompleted{Outcome: helpdesk.OutcomeRejected, Comment: "for dyr", DecidedBy: "kari"}).
		then(sys, helpdesk.CaseRejected{Reason: "Kostnaden er ikke godkjent: for dyr"})

	// 6. Per registers Eva's call, claims it himself, hands it to Arne
	// in the archive group; the breach tells Arne once, though he is
	// both assignee and group; Eva does not answer in time.
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Arkivet er tregt", Channel: helpdesk.ChannelPhone,
		Priority: helpdesk.PriorityNormal, Reporter: "eva", CreatedBy: "per"}).
		then("per", helpdesk.CaseClaimed{Assignee: "per"}, helpdesk.CaseAssigned{Assignee: "per", Group: helpdesk.FirstLineGroup},
			helpdesk.CaseAssigned{Assignee: "arne", Group: "arkiv"}).
		then(sys, helpdesk.SLABreached{Clock: helpdesk.ClockResponse, Due: due()}).
		then("arne", helpdesk.CommentAdded{CommentID: "c1", Body: "Indeksen bygges", Internal: true}, helpdesk.CaseResolved{Resolution: "Ny indeks"}).
		then("eva", helpdesk.CaseReopened{Reason: "Fortsatt tregt"}).
		then("arne", helpdesk.InfoRequested{Question: "Hvilket søk?"}).
		then(sys, helpdesk.CaseClosed{Reason: helpdesk.ClosedNoReply})

	// 7. Kari's ESA access for Ola: granted, then expired.
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindESAAccess, Title: "ESA-tilgang for ola: Saksbehandler", Reporter: "kari", CreatedBy: "kari"}).
		then("kari", helpdesk.AccessRequested{Access: helpdesk.ESAAccess{Employee: "ola", Role: "Saksbehandler", Manager: "kari"}}).
		then("arne", helpdesk.AccessGranted{}).
		then(sys, helpdesk.AccessEnded{Reason: "expired"})

	// 8. Jon's new employee: escalated, then reported not ready.
	var nu helpdesk.NewUserRequest
	nu.Employee.GivenName, nu.Employee.FamilyName, nu.StartDate = "Mari", "Lie", "2026-04-01"
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindNewUser, Title: "Ny bruker: Mari Lie", Reporter: "jon", CreatedBy: "jon"}).
		then("jon", helpdesk.NewUserRequested{Request: nu}).
		then(sys, helpdesk.OnboardingEscalated{Missing: []string{"Bærbar", "Konto"}}).
		then(sys, helpdesk.OnboardingReported{Ready: false, Missing: []string{"Bærbar"}})

	ref := func(n int) string { return helpdesk.FormatReference(2026, uint64(n)) + ": " }
	d.want = map[string][]string{
		"ola": {
			"case-rejected " + ref(5) + "Saken er avslått: Kostnaden er ikke godkjent: for dyr",
			"case-resolved " + ref(1) + "Saken er løst",
			"comment-added " + ref(1) + "Ny kommentar fra saksbehandler",
			"reply-reminder " + ref(1) + "Påminnelse: saken venter på svar fra deg",
			"info-requested " + ref(1) + "Saksbehandleren har et spørsmål til deg",
		},
		"lise": {
			"task-opened " + ref(2) + "Ny oppgave: Lever maskinen",
			"approval-requested " + ref(2) + "Godkjenning venter på gruppen tjeneste: IT-vurdering",
			"sla-breach " + ref(1) + "SLA brutt: løsningsfristen er passert",
			"comment-added " + ref(1) + "Ny kommentar fra innmelder",
			"user-replied " + ref(1) + "Innmelder har svart",
			"sla-warning " + ref(1) + "SLA-varsel: fristen for første svar nærmer seg",
			"case-assigned " + ref(1) + "Saken er tildelt deg",
		},
		"per": {
			"task-opened " + ref(2) + "Ny oppgave: Lever maskinen",
			"sla-breach " + ref(1) + "SLA brutt: løsningsfristen er passert",
			"sla-warning " + ref(1) + "SLA-varsel: fristen for første svar nærmer seg",
		},
		"kari": {
			"access-ended " + ref(7) + "ESA-tilgangen for ola er utløpt",
			"access-granted " + ref(7) + "ESA-tilgangen for ola er gitt",
			"approval-requested " + ref(5) + "Godkjenning venter på deg: Godkjenn skjermen",
			"case-resolved " + ref(2) + "Saken er løst",
		},
		"jon": {
			"onboarding-reported " + ref(8) + "Ikke alt er klart til oppstart for Mari Lie; mangler: Bærbar",
			"onboarding-escalated " + ref(8) + "Oppstarten for Mari Lie er eskalert; mangler: Bærbar, Konto",
			"approval-escalated-away " + ref(2) + "Godkjenningen ble ikke avgjort i tide og er sendt til nina: Godkjenn kostnaden",
			"task-reminder " + ref(2) + "Påminnelse: oppgaven venter på deg: Godkjenn kostnaden",
			"approval-requested " + ref(2) + "Godkjenning venter på deg: Godkjenn kostnaden",
		},
		"nina": {
			"approval-escalated " + ref(4) + "Godkjenning eskalert til deg: Godkjenn stolen",
			"approval-escalated " + ref(2) + "Godkjenning eskalert til deg: Godkjenn kostnaden",
		},
		"eva": {
			"case-closed " + ref(6) + "Saken er lukket fordi vi ikke fikk svar",
			"info-requested " + ref(6) + "Saksbehandleren har et spørsmål til deg",
			"case-resolved " + ref(6) + "Saken er løst",
			"case-received " + ref(6) + "Saken er mottatt",
		},
		"arne": {
			"case-reopened " + ref(6) + "Saken er gjenåpnet",
			"sla-breach " + ref(6) + "SLA brutt: fristen for første svar er passert",
			"case-assigned " + ref(6) + "Saken er tildelt deg",
		},
		"siri": {},
		"tor":  {},
	}
	return d
}

// inbox lists user's notifications, newest first, as "<kind> <title>".
func inbox(t *testing.T, rm *readmodel.DB, user string) []string {
	t.Helper()
	page, err := rm.ListNotifications(context.Background(), readmodel.NotificationFilter{Recipient: user, Limit: readmodel.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, n := range page.Items {
		out = append(out, n.Kind+" "+n.Title)
	}
	return out
}

// allNotifications is every notification of every demo user, in full,
// for comparing read models.
func allNotifications(t *testing.T, rm *readmodel.DB) string {
	t.Helper()
	var b strings.Builder
	for _, u := range directory.Demo().Users() {
		page, err := rm.ListNotifications(context.Background(), readmodel.NotificationFilter{Recipient: u.Username, Limit: readmodel.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s unread=%d\n", u.Username, page.Unread)
		for _, n := range page.Items {
			fmt.Fprintf(&b, "  %+v\n", n)
		}
	}
	return b.String()
}

func checkInboxes(t *testing.T, rm *readmodel.DB, want map[string][]string) {
	t.Helper()
	for _, u := range directory.Demo().Users() {
		if got := inbox(t, rm, u.Username); !slices.Equal(got, want[u.Username]) {
			t.Errorf("%s was told:\n  %s\nwant:\n  %s", u.Username, strings.Join(got, "\n  "), strings.Join(want[u.Username], "\n  "))
		}
	}
}

func TestEachPersonIsToldWhatConcernsThemAndNothingElse(t *testing.T) {
	w := newWorld(t)
	w.startNotifying(w.rm, nil)
	d := seedNotified(w)
	w.caughtUp(w.rm)
	checkInboxes(t, w.rm, d.want)

	// One notification in full: English too, the event's time and id.
	page, err := w.rm.ListNotifications(context.Background(), readmodel.NotificationFilter{Recipient: "ola", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	resolved := page.Items[1]
	evs, err := w.store.ReadStream(context.Background(), d.incident.stream, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ev eventstore.RecordedEvent
	for _, e := range evs {
		if e.Type == (helpdesk.CaseResolved{}).EventType() {
			ev = e
		}
	}
	occurred := w.fold(d.incident).ResolvedAt
	if resolved.ID != NotificationID(ev.ID, "ola") || resolved.EventID != ev.ID.String() || resolved.CaseID != d.incident.id ||
		resolved.CaseReference != "BH-2026-000001" || resolved.Recipient != "ola" || resolved.Read || resolved.ReadAt != nil ||
		resolved.TitleEn != "BH-2026-000001: The case has been resolved" || !resolved.CreatedAt.Equal(occurred) {
		t.Errorf("ola's resolved notification = %+v; want it derived from event %s at %s", resolved, ev.ID, occurred)
	}
	if page.Unread != len(d.want["ola"]) || page.NextCursor == "" {
		t.Errorf("ola's first page: unread %d, next cursor %q; want %d and a cursor", page.Unread, page.NextCursor, len(d.want["ola"]))
	}
}

func TestNoNotificationTwiceAfterRedeliveryCrashOrRebuild(t *testing.T) {
	w := newWorld(t)
	// The first attempt at the SLA warning fails after its notifications
	// were written, before the commit; the retry writes them once.
	var attempts atomic.Int32
	p, stop := w.startNotifying(w.rm, func(_ context.Context, ev eventstore.RecordedEvent) error {
		if ev.Type == (helpdesk.SLAWarned{}).EventType() && attempts.Add(1) == 1 {
			return errors.New("disk full, just this once")
		}
		return nil
	})
	d := seedNotified(w)
	w.caughtUp(w.rm)
	if n := attempts.Load(); n != 2 {
		t.Errorf("the SLA warning was tried %d times, want 2", n)
	}
	checkInboxes(t, w.rm, d.want)

	// Ola reads one; it stays read through everything below.
	page, err := w.rm.ListNotifications(context.Background(), readmodel.NotificationFilter{Recipient: "ola", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	readAt := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	if _, err := w.rm.MarkNotificationRead(context.Background(), "ola", page.Items[0].ID, readAt); err != nil {
		t.Fatal(err)
	}
	live := allNotifications(t, w.rm)

	// Redelivery of the whole record, as a subscription from 0 would.
	evs, err := w.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := p.handleCase(toMessage(ev)); err != nil {
			t.Fatalf("redelivering %s at %d: %v", ev.Type, ev.Position, err)
		}
	}
	if got := allNotifications(t, w.rm); got != live {
		t.Errorf("redelivery changed the notifications\ngot:\n%s\nwant:\n%s", got, live)
	}
	stop()

	// A rebuild because the read model's version changed: notifications
	// are dropped and written again with the same ids, and the read flag
	// is kept.
	w.rm.Close()
	readmodeltest.Exec(t, readmodeltest.DSN(t, w.rmPath), `UPDATE meta SET value = '0-old' WHERE key = 'version'`)
	rebuilt := w.openReadModel(w.rmPath)
	if rebuilt.Rebuilt() == "" {
		t.Fatal("the read model of another version was kept, want it rebuilt")
	}
	if got := inbox(t, rebuilt, "ola"); len(got) != 0 {
		t.Fatalf("after the drop ola still has %v", got)
	}
	w.startNotifying(rebuilt, nil)
	w.caughtUp(rebuilt)
	if got := allNotifications(t, rebuilt); got != live {
		t.Errorf("the rebuilt notifications differ from the live ones\nrebuilt:\n%s\nlive:\n%s", got, live)
	}

	// A read model built from nothing (readmodel.db deleted) has the
	// same notifications, all unread: the read flag is what it loses.
	fresh := w.openReadModel(w.rmPath + ".fresh")
	w.startNotifying(fresh, nil)
	w.caughtUp(fresh)
	checkInboxes(t, fresh, d.want)
	if page, err := fresh.ListNotifications(context.Background(), readmodel.NotificationFilter{Recipient: "ola", UnreadOnly: true}); err != nil ||
		len(page.Items) != len(d.want["ola"]) {
		t.Errorf("a read model built from scratch: ola has %d unread (%v), want all %d", len(page.Items), err, len(d.want["ola"]))
	}
}

func TestAStopInsideTheTransactionLeavesNoNotificationBehind(t *testing.T) {
	w := newWorld(t)
	entered := make(chan eventstore.RecordedEvent, 1)
	_, stop := w.startNotifying(w.rm, func(ctx context.Context, ev eventstore.RecordedEvent) error {
		if ev.Type != (helpdesk.CaseResolved{}).EventType() {
			return nil
		}
		select {
		case entered <- ev:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	})
	d := seedNotified(w)
	select {
	case <-entered:
	case <-t.Context().Done():
		t.Fatal("test ended before the resolution was projected")
	}
	stop()
	if got := inbox(t, w.rm, "ola"); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, NoteCaseResolved) }) {
		t.Errorf("ola was told of a resolution that did not commit: %v", got)
	}
	w.startNotifying(w.rm, nil)
	w.caughtUp(w.rm)
	checkInboxes(t, w.rm, d.want)
}

// TestWhoIsTold holds the rules one event at a time.
func TestWhoIsTold(t *testing.T) {
	groups := directory.Demo()
	base := helpdesk.Case{ID: "c", Reference: "BH-2026-000042", Kind: helpdesk.KindIncident, Status: helpdesk.StatusInProgress,
		Reporter: "ola", CreatedBy: "ola", Assignee: "per", Group: helpdesk.FirstLineGroup}
	withTask := func(c helpdesk.Case, tk helpdesk.Task) helpdesk.Case {
		tk.ID, tk.CaseID, tk.Status = "c.t1", "c", helpdesk.TaskStatusOpen
		c.Tasks = []helpdesk.Task{tk}
		return c
	}
	tests := []struct {
		name          string
		before, after helpdesk.Case
		e             helpdesk.Event
		actor         string
		want          []string
	}{
		{"a claim is the caseworker's own", base, base, helpdesk.CaseClaimed{Assignee: "per"}, "per", nil},
		{"assigned to oneself", base, base, helpdesk.CaseAssigned{Assignee: "per"}, "per", nil},
		{"assigned by another to the one who holds it", base, base, helpdesk.CaseAssigned{Assignee: "per", Group: "arkiv"}, "lise", nil},
		{"assigned to a group only", base, base, helpdesk.CaseAssigned{Group: "arkiv"}, "per", nil},
		{"assigned to another", base, base, helpdesk.CaseAssigned{Assignee: "lise"}, "per", []string{"lise case-assigned"}},
		{"opened by the reporter", base, base, helpdesk.CaseOpened{}, "ola", nil},
		{"opened for the reporter", base, base, helpdesk.CaseOpened{}, "per", []string{"ola case-received"}},
		{"opened by the reporter by mail: a receipt", base, base, helpdesk.CaseOpened{Channel: helpdesk.ChannelEmail}, "ola", []string{"ola case-received"}},
		{"an internal comment", base, base, helpdesk.CommentAdded{Internal: true}, "lise", nil},
		{"a public comment by a caseworker", base, base, helpdesk.CommentAdded{}, "lise", []string{"ola comment-added"}},
		{"a public comment by the assignee", base, base, helpdesk.CommentAdded{}, "per", []string{"ola comment-added"}},
		{"a public comment by the reporter", base, base, helpdesk.CommentAdded{}, "ola", []string{"per comment-added"}},
		{"a comment by the reporter on an unassigned case", base, func() helpdesk.Case { c := base; c.Assignee = ""; return c }(),
			helpdesk.CommentAdded{}, "ola", nil},
		{"the reporter closes", base, base, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed}, "ola", nil},
		{"closed when nobody reopened", base, base, helpdesk.CaseClosed{Reason: helpdesk.ClosedReopenExpired}, "brukerhjelp", []string{"ola case-closed"}},
		{"a cancellation tells nobody", base, base, helpdesk.CaseCancelled{}, "ola", nil},
		{"an SLA warning without an assignee", base, func() helpdesk.Case { c := base; c.Assignee = ""; return c }(),
			helpdesk.SLAWarned{Clock: helpdesk.ClockResolution}, "brukerhjelp", []string{"lise sla-warning", "per sla-warning"}},
		{"an SLA breach held outside the group", base, func() helpdesk.Case { c := base; c.Assignee = "arne"; return c }(),
			helpdesk.SLABreached{Clock: helpdesk.ClockResolution}, "brukerhjelp", []string{"arne sla-breach", "lise sla-breach", "per sla-breach"}},
		{"a fulfilment task without a group goes to the case's group", base, withTask(base, helpdesk.Task{Kind: helpdesk.TaskFulfilment, Title: "Kast"}),
			helpdesk.TaskOpened{TaskID: "c.t1"}, "brukerhjelp", []string{"lise task-opened", "per task-opened"}},
		{"a fulfilment task opened by a member", base, withTask(base, helpdesk.Task{Kind: helpdesk.TaskFulfilment, Group: "tjeneste", Title: "Sett opp"}),
			helpdesk.TaskOpened{TaskID: "c.t1"}, "lise", nil},
		{"an attestation is for the reporter", base, withTask(base, helpdesk.Task{Kind: helpdesk.TaskApproval, Approver: "ola", Attestation: true, Title: "Bekreft"}),
			helpdesk.TaskOpened{TaskID: "c.t1"}, "brukerhjelp", []string{"ola approval-requested"}},
		{"a reminder after escalation goes to the fallback", base,
			withTask(base, helpdesk.Task{Kind: helpdesk.TaskApproval, Approver: "kari", Fallback: "nina", Escalated: true, Title: "Godkjenn"}),
			helpdesk.TaskReminded{TaskID: "c.t1"}, "brukerhjelp", []string{"nina task-reminder"}},
		{"a task the case does not have", base, base, helpdesk.TaskReminded{TaskID: "c.t9"}, "brukerhjelp", nil},
		{"a completed task tells nobody", base, withTask(base, helpdesk.Task{Kind: helpdesk.TaskApproval, Approver: "kari", Title: "Godkjenn"}),
			helpdesk.TaskCompleted{TaskID: "c.t1", Outcome: helpdesk.OutcomeApproved}, "kari", nil},
		{"onboarding ready", base, base, helpdesk.OnboardingReported{Ready: true}, "brukerhjelp", []string{"ola onboarding-reported"}},
		{"an SLA start tells nobody", base, base, helpdesk.SLAStarted{}, "ola", nil},
	}
	for _, tt := range tests {
		got := []string{}
		for _, n := range notesFor(tt.before, tt.after, tt.e, helpdesk.Metadata{Actor: tt.actor}, groups) {
			got = append(got, n.to+" "+n.kind)
		}
		if !slices.Equal(got, append([]string{}, tt.want...)) {
			t.Errorf("%s: told %v, want %v", tt.name, got, tt.want)
		}
	}

	// A task's notes name it, so the mail links to its decision page;
	// other notes name none.
	approval := withTask(base, helpdesk.Task{Kind: helpdesk.TaskApproval, Approver: "kari", Fallback: "nina", Title: "Godkjenn"})
	for _, e := range []helpdesk.Event{helpdesk.TaskOpened{TaskID: "c.t1"}, helpdesk.TaskReminded{TaskID: "c.t1"}, helpdesk.TaskEscalated{TaskID: "c.t1", From: "kari", To: "nina"}} {
		notes := notesFor(base, approval, e, helpdesk.Metadata{Actor: "brukerhjelp"}, groups)
		if len(notes) == 0 {
			t.Errorf("%s told nobody", e.EventType())
		}
		for _, n := range notes {
			if n.task != "c.t1" {
				t.Errorf("%s to %s names task %q, want c.t1", e.EventType(), n.to, n.task)
			}
		}
	}
	for _, n := range notesFor(base, base, helpdesk.CommentAdded{}, helpdesk.Metadata{Actor: "lise"}, groups) {
		if n.task != "" {
			t.Errorf("a comment names task %q", n.task)
		}
	}

	// Without a directory, only people named on the case are told.
	got := notesFor(base, base, helpdesk.SLABreached{Clock: helpdesk.ClockResponse}, helpdesk.Metadata{Actor: "brukerhjelp"}, nil)
	if len(got) != 1 || got[0].to != "per" {
		t.Errorf("a breach without a directory told %v, want the assignee only", got)
	}
	// Long free text is clipped, on one line.
	long := strings.Repeat("for dyrt ", 50) + "\nslutt"
	for _, n := range notesFor(base, base, helpdesk.CaseRejected{Reason: long}, helpdesk.Metadata{Actor: "brukerhjelp"}, groups) {
		if r := []rune(n.nb); len(r) > maxDetail+len("Saken er avslått: ") || strings.Contains(n.nb, "\n") || !strings.HasSuffix(n.nb, "…") {
			t.Errorf("a long reason gives %q (%d characters)", n.nb, len(r))
		}
	}
}
