package projection

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// announce appends events to an announcement's stream, each a minute
// after the last.
func (w *world) announce(id string, actor string, events ...helpdesk.Event) {
	w.t.Helper()
	evs, _ := w.store.ReadStream(context.Background(), helpdesk.AnnouncementStream(id), 0, 0)
	for _, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			w.t.Fatal(err)
		}
		exp := eventstore.NoStream()
		if len(evs) > 0 {
			exp = eventstore.Exact(uint64(len(evs) - 1))
		}
		evs = append(evs, w.append(helpdesk.AnnouncementStream(id), exp, e.EventType(), data, w.meta(actor, "")))
	}
}

func TestAnnouncementsAreListedAndToldToEveryone(t *testing.T) {
	w := newWorld(t)
	p, err := New(w.store, w.rm, Options{Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		MaxRetries: 2, RetryInitial: time.Millisecond, RetryMax: time.Millisecond, Groups: directory.Demo(), Audience: directory.Demo()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const maint, outage = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
	start := w.clock.Add(time.Hour)
	end := start.Add(2 * time.Hour)
	w.announce(maint, "tor", helpdesk.Publish(maint, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementMaintenance, Title: "Oppgradering av ESA"}, start, &end))
	w.announce(maint, "brukerhjelp", helpdesk.AnnouncementReminded{}, helpdesk.AnnouncementStarted{})
	w.announce(outage, "tor", helpdesk.Publish(outage, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementOutage, Title: "Nettet er nede"}, w.clock, nil))
	w.announce(outage, "brukerhjelp", helpdesk.CaseLinkedToAnnouncement{CaseID: "c1", Reference: "BH-2026-000001", Reporter: "ola"})
	w.caughtUp(w.rm)

	all, err := w.rm.ListAnnouncements(context.Background(), readmodel.AnnouncementFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != outage || all[1].ID != maint || all[1].Status != helpdesk.AnnouncementActive || all[0].LinkedCount != 1 {
		t.Fatalf("listed %+v", all)
	}
	active := func(at time.Time) []string {
		yes := true
		got, err := w.rm.ListAnnouncements(context.Background(), readmodel.AnnouncementFilter{Active: &yes, At: at})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
			if !a.ActiveAt(at) {
				t.Errorf("listed as active at %v but the domain disagrees: %+v", at, a)
			}
		}
		return ids
	}
	if got := active(start.Add(time.Hour)); !slices.Equal(got, []string{outage, maint}) {
		t.Errorf("active within the window = %v", got)
	}
	if got := active(end.Add(time.Minute)); !slices.Equal(got, []string{outage}) {
		t.Errorf("active after the window = %v", got)
	}

	w.announce(outage, "tor", helpdesk.OutageResolved{Comment: "Ruteren er byttet"})
	w.announce(maint, "brukerhjelp", helpdesk.AnnouncementEnded{})
	w.caughtUp(w.rm)
	if got := active(start.Add(time.Hour)); len(got) != 0 {
		t.Errorf("active after resolution and end = %v", got)
	}

	ola := inbox(t, w.rm, "ola")
	want := []string{
		"outage-resolved DRIFT-BBBBBBBB: Driftsavbruddet er over: Nettet er nede",
		"announcement-published DRIFT-BBBBBBBB: Driftsavbrudd: Nettet er nede",
		"maintenance-reminder DRIFT-AAAAAAAA: Påminnelse: planlagt vedlikehold starter 02.03.2026 10:00: Oppgradering av ESA",
		"announcement-published DRIFT-AAAAAAAA: Planlagt vedlikehold 02.03.2026 10:00–02.03.2026 12:00: Oppgradering av ESA",
	}
	if !slices.Equal(ola, want) {
		t.Errorf("ola was told\n  %q\nwant\n  %q", ola, want)
	}
	// Nobody is told of their own step: tor published and resolved.
	if got := inbox(t, w.rm, "tor"); len(got) != 1 || got[0] != want[2] {
		t.Errorf("tor was told %q, want only the reminder", got)
	}
	if got := inbox(t, w.rm, "eva"); len(got) != 4 {
		t.Errorf("eva was told %q, want all four", got)
	}
}

func TestACaseEventOnAnAnnouncementStreamIsPoison(t *testing.T) {
	w := newWorld(t)
	p, err := New(w.store, w.rm, Options{Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError})),
		MaxRetries: 1, RetryInitial: time.Millisecond, RetryMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	const id = "cccccccc-0000-4000-8000-000000000003"
	w.announce(id, "ola", helpdesk.CaseOpened{CaseID: id, Reference: "BH-2026-000009", Kind: helpdesk.KindIncident, Title: "x", Reporter: "ola"})
	waitFor(t, "the event to be poisoned", func() bool {
		ps, _ := w.rm.Poisoned(context.Background(), Cases)
		return len(ps) == 1
	})
	all, _ := w.rm.ListAnnouncements(context.Background(), readmodel.AnnouncementFilter{})
	page, _ := w.rm.ListCases(context.Background(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}})
	if len(all) != 0 || len(page.Items) != 0 {
		t.Errorf("a case event on an announcement stream was folded: %d announcements, %d cases", len(all), len(page.Items))
	}
}
