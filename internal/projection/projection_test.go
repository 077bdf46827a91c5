package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// Dates the demo directory's actors are taken on: an ordinary day, and a
// day Jon stands in for Kari.
const (
	ordinaryDay  = "2026-03-02"
	christmasDay = "2026-12-24"
)

func actor(t *testing.T, username, date string) helpdesk.Actor {
	t.Helper()
	dir := directory.Demo()
	u, ok := dir.User(username)
	if !ok {
		t.Fatalf("no demo user %q", username)
	}
	return dir.ActorOn(u, date)
}

func refs(items []readmodel.CaseSummary) []string {
	out := []string{}
	for _, c := range items {
		out = append(out, strings.TrimPrefix(c.Reference, "BH-2026-00000"))
	}
	return out
}

func taskNames(w *world, d desk, items []readmodel.TaskItem) []string {
	names := map[string]string{}
	for name, c := range map[string]*deskCase{"printer": d.printer, "outlook": d.outlook, "vpn": d.vpn, "laptop": d.laptop,
		"monitor": d.monitor, "screen": d.screen, "ownReview": d.ownReview, "ownApproval": d.ownApproval} {
		names[c.id] = name
	}
	out := []string{}
	for _, t := range items {
		_, n, _ := strings.Cut(t.ID, ".")
		out = append(out, names[t.CaseID]+"."+n)
	}
	return out
}

func list(t *testing.T, rm *readmodel.DB, f readmodel.Filter) []string {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = readmodel.MaxLimit
	}
	page, err := rm.ListCases(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return refs(page.Items)
}

func TestListsShowEachUserWhatTheyMaySee(t *testing.T) {
	w := newWorld(t)
	d := seedDesk(w) // before the projector starts: it catches up
	w.start(w.rm, nil)
	w.caughtUp(w.rm)
	all := readmodel.Visibility{All: true}

	// References 1..8 are printer, outlook, vpn, laptop, monitor, screen,
	// ownReview, ownApproval; the printer was touched last.
	visible := []struct {
		user, date string
		want       []string
	}{
		{"per", ordinaryDay, []string{"1", "8", "7", "6", "5", "4", "3", "2"}},
		{"siri", ordinaryDay, []string{"1", "8", "7", "6", "5", "4", "3", "2"}},
		{"ola", ordinaryDay, []string{"1", "5", "3"}},
		{"eva", ordinaryDay, []string{"6", "2"}},       // she reported the screen, Per registered it
		{"kari", ordinaryDay, []string{"8", "5", "4"}}, // hers, and the one she approves
		{"jon", ordinaryDay, []string{"4"}},
		{"jon", christmasDay, []string{"8", "5", "4"}}, // standing in for Kari
		{"nina", ordinaryDay, []string{"5"}},           // fallback of an escalated approval
		{"tor", ordinaryDay, []string{}},
	}
	for _, tt := range visible {
		got := list(t, w.rm, readmodel.Filter{Visibility: readmodel.VisibleTo(actor(t, tt.user, tt.date))})
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s on %s sees %v, want %v", tt.user, tt.date, got, tt.want)
		}
	}

	filters := []struct {
		name string
		f    readmodel.Filter
		want []string
	}{
		{"closed", readmodel.Filter{Status: helpdesk.StatusClosed, Visibility: all}, []string{"3"}},
		{"awaiting approval", readmodel.Filter{Status: helpdesk.StatusAwaitingApproval, Visibility: all}, []string{"8", "7", "5", "4"}},
		{"held by per", readmodel.Filter{Assignee: "per", Visibility: all}, []string{"1", "6"}},
		{"guidance", readmodel.Filter{Kind: helpdesk.KindGuidance, Visibility: all}, []string{"2"}},
		{"reported by ola", readmodel.Filter{Reporter: "ola", Visibility: all}, []string{"1", "5", "3"}},
		{"ola's closed", readmodel.Filter{Reporter: "ola", Status: helpdesk.StatusClosed, Visibility: all}, []string{"3"}},
		{"another group", readmodel.Filter{Group: "arkiv", Visibility: all}, []string{}},
		{"q in title", readmodel.Filter{Q: "outlook", Visibility: all}, []string{"2"}},
		{"q in description, any case", readmodel.Filter{Q: "SIGNATUR", Visibility: all}, []string{"2"}},
		{"q folds æøå", readmodel.Filter{Q: "æøå", Visibility: all}, []string{"6"}},
		{"q on the reference", readmodel.Filter{Q: "bh-2026-000003", Visibility: all}, []string{"3"}},
		{"q has no wildcards", readmodel.Filter{Q: "%", Visibility: all}, []string{}},
		{"q only within what one sees", readmodel.Filter{Q: "outlook", Visibility: readmodel.VisibleTo(actor(t, "ola", ordinaryDay))}, []string{}},
	}
	for _, tt := range filters {
		if got := list(t, w.rm, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}

	// Three pages of three, following nextCursor.
	var pages [][]string
	cursor := ""
	for range 5 {
		page, err := w.rm.ListCases(context.Background(), readmodel.Filter{Limit: 3, Cursor: cursor, Visibility: all})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, refs(page.Items))
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if got, want := fmt.Sprint(pages), "[[1 8 7] [6 5 4] [3 2]]"; got != want {
		t.Errorf("pages of 3 = %s, want %s", got, want)
	}

	page, err := w.rm.ListCases(context.Background(), readmodel.Filter{Q: "skriveren", Visibility: all})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("printer case: %v, %v", page.Items, err)
	}
	p := page.Items[0]
	if p.Status != helpdesk.StatusInProgress || p.Assignee != "per" || p.Priority != helpdesk.PriorityHigh ||
		p.SLA == nil || p.SLA.ResponseDue == nil || p.SLA.ResponseBreached || p.Revision != w.fold(d.printer).Revision {
		t.Errorf("printer case = %+v (sla %+v), want in progress with per, high, an SLA running, at the stream's last revision", p, p.SLA)
	}

	load, err := w.rm.OpenCaseLoad(context.Background(), []string{"per", "lise", "arne"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(load), "map[arne:0 lise:0 per:2]"; got != want {
		t.Errorf("open case load = %s, want %s", got, want)
	}

	tasks := []struct {
		user, date string
		want       []string
	}{
		{"per", ordinaryDay, []string{"screen.t1", "screen.t2"}},
		{"lise", ordinaryDay, []string{"monitor.t2", "screen.t1", "screen.t2"}}, // not the review of her own order
		{"arne", ordinaryDay, []string{"screen.t2", "screen.t3"}},
		{"jon", ordinaryDay, []string{"laptop.t2"}},
		{"jon", christmasDay, []string{"laptop.t2", "monitor.t1"}}, // for Kari, but not Kari's own order
		{"kari", ordinaryDay, []string{"monitor.t1"}},
		{"nina", ordinaryDay, []string{"monitor.t1"}}, // escalated to her; the laptop's was not
		{"ola", ordinaryDay, []string{}},
		{"siri", ordinaryDay, []string{}},
	}
	for _, tt := range tasks {
		a := actor(t, tt.user, tt.date)
		items, err := w.rm.ListTasks(context.Background(), readmodel.TaskFilter{OpenOnly: true, For: &a})
		if err != nil {
			t.Fatal(err)
		}
		if got := taskNames(w, d, items); !slices.Equal(got, tt.want) {
			t.Errorf("%s on %s may act on %v, want %v", tt.user, tt.date, got, tt.want)
		}
	}
	lise := actor(t, "lise", ordinaryDay)
	for _, ref := range []string{d.screen.ref, d.screen.id} {
		items, err := w.rm.ListTasks(context.Background(), readmodel.TaskFilter{Case: ref, OpenOnly: true, For: &lise})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := taskNames(w, d, items), []string{"screen.t1", "screen.t2"}; !slices.Equal(got, want) {
			t.Errorf("lise's tasks of case %s = %v, want %v", ref, got, want)
		}
	}

	st, err := w.rm.Stats(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if st.Ignored != 8 || st.Skipped != 0 || st.Poisoned != 0 || st.Position != w.lastPos {
		t.Errorf("stats = %+v, want the 8 reference events ignored, nothing skipped or poisoned, at %d", st, w.lastPos)
	}
}

// TestListsAgreeWithTheDomain checks the queries against the domain's own
// rules, for every demo user: a case is listed exactly when
// helpdesk.Actor.CanSee says so, and a task exactly when the caller can
// see its case and helpdesk.Case.CompleteTask would let them complete it.
func TestListsAgreeWithTheDomain(t *testing.T) {
	w := newWorld(t)
	d := seedDesk(w)
	w.start(w.rm, nil)
	w.caughtUp(w.rm)
	cases := []*deskCase{d.printer, d.outlook, d.vpn, d.laptop, d.monitor, d.screen, d.ownReview, d.ownApproval}
	folded := make([]helpdesk.Case, len(cases))
	for i, c := range cases {
		folded[i] = w.fold(c)
	}
	for _, date := range []string{ordinaryDay, christmasDay} {
		for _, u := range directory.Demo().Users() {
			a := actor(t, u.Username, date)
			var wantCases, wantTasks []string
			for _, c := range folded {
				if !a.CanSee(c) {
					continue
				}
				wantCases = append(wantCases, c.ID)
				for _, tk := range c.Tasks {
					outcome := helpdesk.OutcomeApproved
					if tk.Kind == helpdesk.TaskFulfilment {
						outcome = helpdesk.OutcomeDone
					}
					if _, err := c.CompleteTask(a, tk.ID, helpdesk.CompleteRequest{Outcome: outcome}); err == nil {
						wantTasks = append(wantTasks, tk.ID)
					}
				}
			}
			page, err := w.rm.ListCases(context.Background(), readmodel.Filter{Limit: readmodel.MaxLimit, Visibility: readmodel.VisibleTo(a)})
			if err != nil {
				t.Fatal(err)
			}
			var gotCases []string
			for _, c := range page.Items {
				gotCases = append(gotCases, c.ID)
			}
			items, err := w.rm.ListTasks(context.Background(), readmodel.TaskFilter{OpenOnly: true, For: &a})
			if err != nil {
				t.Fatal(err)
			}
			var gotTasks []string
			for _, tk := range items {
				gotTasks = append(gotTasks, tk.ID)
			}
			slices.Sort(gotCases)
			slices.Sort(wantCases)
			slices.Sort(gotTasks)
			slices.Sort(wantTasks)
			if !slices.Equal(gotCases, wantCases) {
				t.Errorf("%s on %s: listed cases %v, CanSee allows %v", u.Username, date, gotCases, wantCases)
			}
			if !slices.Equal(gotTasks, wantTasks) {
				t.Errorf("%s on %s: listed tasks %v, CompleteTask allows %v", u.Username, date, gotTasks, wantTasks)
			}
		}
	}
}

// everything renders what every demo user sees, for comparing read models.
func everything(t *testing.T, rm *readmodel.DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	for _, date := range []string{ordinaryDay, christmasDay} {
		for _, u := range directory.Demo().Users() {
			a := actor(t, u.Username, date)
			page, err := rm.ListCases(ctx, readmodel.Filter{Limit: readmodel.MaxLimit, Visibility: readmodel.VisibleTo(a)})
			if err != nil {
				t.Fatal(err)
			}
			tasks, err := rm.ListTasks(ctx, readmodel.TaskFilter{OpenOnly: true, For: &a})
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s\n", u.Username, date)
			_ = enc.Encode(page)
			_ = enc.Encode(tasks)
		}
	}
	all, err := rm.ListTasks(ctx, readmodel.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	load, err := rm.OpenCaseLoad(ctx, []string{"per", "lise", "arne"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := rm.Stats(ctx, Cases)
	if err != nil {
		t.Fatal(err)
	}
	_ = enc.Encode(all)
	_ = enc.Encode(load)
	_ = enc.Encode(st)
	return b.String()
}

func TestRebuildFromScratchEqualsTheLiveReadModel(t *testing.T) {
	w := newWorld(t)
	_, stop := w.start(w.rm, nil)
	d := seedDesk(w) // while the projector runs: live delivery
	w.caughtUp(w.rm)
	d.outlook.then("lise", helpdesk.CaseClaimed{Assignee: "lise"}, helpdesk.InfoRequested{Question: "Hvilken versjon?"}, helpdesk.SLAPaused{})
	w.caughtUp(w.rm)
	live := everything(t, w.rm)
	stop()

	// Delete readmodel.db as an operator would, and start again.
	w.rm.Close()
	readmodeltest.Remove(t, readmodeltest.DSN(t, w.rmPath))
	rebuiltRM := w.openReadModel(w.rmPath)
	w.start(rebuiltRM, nil)
	w.caughtUp(rebuiltRM)
	if rebuilt := everything(t, rebuiltRM); rebuilt != live {
		t.Errorf("the rebuilt read model differs from the live one\nrebuilt:\n%s\nlive:\n%s", rebuilt, live)
	}

	// And a second read model, built beside it at the same time, agrees.
	other := w.openReadModel(filepath.Join(t.TempDir(), "other.db"))
	w.start(other, nil)
	w.caughtUp(other)
	if got := everything(t, other); got != live {
		t.Errorf("a read model built beside the first differs\ngot:\n%s\nwant:\n%s", got, live)
	}
}

// vpnReopened reports how the vpn case's reopen count and status read.
func vpnState(t *testing.T, rm *readmodel.DB) (int, helpdesk.Status) {
	t.Helper()
	page, err := rm.ListCases(context.Background(), readmodel.Filter{Q: "vpn faller ut", Visibility: readmodel.Visibility{All: true}})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("vpn case: %v, %v", page.Items, err)
	}
	return page.Items[0].Reopened, page.Items[0].Status
}

// caseEvents counts the events of case streams appended so far.
func caseEvents(t *testing.T, w *world) int64 {
	t.Helper()
	evs, err := w.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{StreamPrefixes: []string{caseStreamPrefix}})
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(evs))
}

func TestAFailureBeforeCommitIsRetriedAndAppliedOnce(t *testing.T) {
	w := newWorld(t)
	var attempts atomic.Int32
	w.start(w.rm, func(_ context.Context, ev eventstore.RecordedEvent) error {
		if ev.Type == (helpdesk.CaseReopened{}).EventType() && attempts.Add(1) == 1 {
			return errors.New("disk full, just this once")
		}
		return nil
	})
	seedDesk(w)
	w.caughtUp(w.rm)

	if n := attempts.Load(); n != 2 {
		t.Errorf("the reopen was tried %d times, want 2 (a failure, then the retry)", n)
	}
	if reopened, status := vpnState(t, w.rm); reopened != 1 || status != helpdesk.StatusClosed {
		t.Errorf("vpn case: reopened %d, status %s; want reopened once and closed", reopened, status)
	}
	st, err := w.rm.Stats(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if want := caseEvents(t, w); st.Applied != want || st.Poisoned != 0 {
		t.Errorf("stats = %+v, want %d applied and nothing poisoned", st, want)
	}
}

func TestAStopMidTransactionResumesWithoutDoubleCounting(t *testing.T) {
	w := newWorld(t)
	entered := make(chan eventstore.RecordedEvent, 1)
	// The first projector "crashes" inside the reopen's transaction: the
	// case row is written, the checkpoint not yet, and it never commits.
	_, stop := w.start(w.rm, func(ctx context.Context, ev eventstore.RecordedEvent) error {
		if ev.Type != (helpdesk.CaseReopened{}).EventType() {
			return nil
		}
		select {
		case entered <- ev:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	})
	seedDesk(w)
	var reopen eventstore.RecordedEvent
	select {
	case reopen = <-entered:
	case <-t.Context().Done():
		t.Fatal("test ended before the reopen was projected")
	}
	stop()

	cp, err := w.rm.Checkpoint(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if cp >= reopen.Position {
		t.Fatalf("checkpoint %d after a stop inside the transaction of %d, want before it", cp, reopen.Position)
	}
	if reopened, status := vpnState(t, w.rm); reopened != 0 || status != helpdesk.StatusResolved {
		t.Errorf("after the stop: vpn reopened %d, status %s; want the state before the reopen (0, resolved)", reopened, status)
	}

	w.start(w.rm, nil)
	w.caughtUp(w.rm)
	if reopened, status := vpnState(t, w.rm); reopened != 1 || status != helpdesk.StatusClosed {
		t.Errorf("after resuming: vpn reopened %d, status %s; want once, closed", reopened, status)
	}
	st, err := w.rm.Stats(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if want := caseEvents(t, w); st.Applied != want {
		t.Errorf("applied %d case events, want %d: none twice, none lost", st.Applied, want)
	}
}

func TestRedeliveredEventsChangeNothing(t *testing.T) {
	w := newWorld(t)
	p, _ := w.start(w.rm, nil)
	seedDesk(w)
	w.caughtUp(w.rm)
	before := everything(t, w.rm)

	// Deliver the whole record again, as a subscription opened from 0
	// would.
	evs, err := w.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := p.handleCase(toMessage(ev)); err != nil {
			t.Fatalf("redelivering %s at %d: %v", ev.Type, ev.Position, err)
		}
	}
	if after := everything(t, w.rm); after != before {
		t.Errorf("redelivery changed the read model\nafter:\n%s\nbefore:\n%s", after, before)
	}
	if reopened, _ := vpnState(t, w.rm); reopened != 1 {
		t.Errorf("vpn reopened %d times after redelivery, want 1", reopened)
	}
}

func TestPoisonedEventsAreRecordedNotDropped(t *testing.T) {
	w := newWorld(t)
	var panicked atomic.Bool
	p, stop := w.start(w.rm, func(_ context.Context, ev eventstore.RecordedEvent) error {
		var c helpdesk.CaseClaimed
		if ev.Type == c.EventType() && json.Unmarshal(ev.Data, &c) == nil && c.Assignee == "arne" {
			panicked.Store(true)
			panic("a bug in a handler")
		}
		return nil
	})
	broken := w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Ødelagt", Description: "x", Reporter: "ola", CreatedBy: "ola"})
	bad := broken.raw("CaseClaimed", []byte(`{"assignee": 42}`), []byte(`{"actor":"per","occurredAt":"2026-03-02T10:00:00Z","correlationId":"corr-42"}`))
	broken.then("per", helpdesk.CaseResolved{Resolution: "?"})
	buggy := w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Utløser feil", Description: "y", Reporter: "eva", CreatedBy: "eva"}).
		then("arne", helpdesk.CaseClaimed{Assignee: "arne"})
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Helt vanlig", Description: "z", Reporter: "eva", CreatedBy: "eva"}).
		then("per", helpdesk.CaseClaimed{Assignee: "per"})
	w.caughtUp(w.rm)

	poisoned, err := w.rm.Poisoned(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range poisoned {
		got = append(got, fmt.Sprintf("%s@%d", strings.TrimPrefix(e.Stream, caseStreamPrefix)[:4], e.Revision))
	}
	want := []string{broken.id[:4] + "@1", broken.id[:4] + "@2", buggy.id[:4] + "@1"}
	if !slices.Equal(got, want) {
		t.Fatalf("poisoned = %v, want %v (the bad event, the event after it, the one whose handler panicked)", got, want)
	}
	if e := poisoned[0]; e.EventID != bad.ID.String() || e.Position != bad.Position || e.CorrelationID != "corr-42" || !strings.Contains(e.Reason, "CaseClaimed") {
		t.Errorf("record of the bad event = %+v, want its id, position, correlation id and a reason naming CaseClaimed", e)
	}
	if !strings.Contains(poisoned[1].Reason, "earlier event") {
		t.Errorf("reason for the event after it = %q, want it to say an earlier event is missing", poisoned[1].Reason)
	}
	if !strings.Contains(poisoned[2].Reason, "panic") || !panicked.Load() {
		t.Errorf("reason for the panicking handler = %q, want it to mention the panic", poisoned[2].Reason)
	}
	all := readmodel.Visibility{All: true}
	if got := list(t, w.rm, readmodel.Filter{Status: helpdesk.StatusNew, Visibility: all}); !slices.Equal(got, []string{"2", "1"}) {
		t.Errorf("new cases = %v, want the two poisoned ones as they were before it [2 1]", got)
	}
	if got := list(t, w.rm, readmodel.Filter{Assignee: "per", Visibility: all}); !slices.Equal(got, []string{"3"}) {
		t.Errorf("per's cases = %v, want the healthy case [3]", got)
	}
	if err := p.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "3 poisoned") {
		t.Errorf("Ready = %v, want it to report 3 poisoned events", err)
	}

	// A restart neither retries nor records them again.
	stop()
	p2, _ := w.start(w.rm, nil)
	w.open(helpdesk.CaseOpened{Kind: helpdesk.KindGuidance, Title: "Etterpå", Description: "w", Reporter: "eva", CreatedBy: "eva"})
	w.caughtUp(w.rm)
	st, err := p2.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Poisoned != 3 {
		t.Errorf("poisoned after a restart = %d, want still 3", st.Poisoned)
	}
}

func TestUnknownEventTypesAreSkippedAndCounted(t *testing.T) {
	w := newWorld(t)
	p, _ := w.start(w.rm, nil)
	c := w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Fremtiden", Description: "x", Reporter: "ola", CreatedBy: "ola"})
	c.raw("CaseTeleported", []byte(`{"to":"Mars"}`), w.meta("per", ""))
	c.then("per", helpdesk.CaseClaimed{Assignee: "per"})
	w.caughtUp(w.rm)

	page, err := w.rm.ListCases(context.Background(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("cases: %v, %v", page.Items, err)
	}
	if got := page.Items[0]; got.Status != helpdesk.StatusInProgress || got.Assignee != "per" || got.Revision != 2 {
		t.Errorf("case = status %s, assignee %q, revision %d; want the claim after the unknown event applied (in-progress, per, 2)", got.Status, got.Assignee, got.Revision)
	}
	st, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 1 || st.Poisoned != 0 || st.Applied != 2 {
		t.Errorf("stats = %+v, want 1 skipped, 2 applied, none poisoned", st.Stats)
	}
	if err := p.Ready(context.Background()); err != nil {
		t.Errorf("Ready = %v, want ready: a skipped event is not a fault", err)
	}
}

func TestReadyOnlyWhileRunning(t *testing.T) {
	w := newWorld(t)
	idle, err := New(w.store, w.rm, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.Ready(context.Background()); err == nil {
		t.Error("a projector that was never started says it is ready")
	}
	p, stop := w.start(w.rm, nil)
	if err := p.Ready(context.Background()); err != nil {
		t.Errorf("Ready while running = %v", err)
	}
	stop()
	if err := p.Ready(context.Background()); err == nil {
		t.Error("a stopped projector says it is ready")
	}
	if _, err := New(nil, w.rm, Options{}); err == nil {
		t.Error("New accepted a nil event store")
	}
}
