package projection

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/live"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// liveRecorder keeps what the projection publishes and, for a case, the
// status the read model shows at that moment: told only after the
// commit, a page reading on the news sees the change.
type liveRecorder struct {
	w       *world
	mu      sync.Mutex
	changes []live.Change
	seen    []helpdesk.Status
}

func (r *liveRecorder) Publish(c live.Change) {
	var status helpdesk.Status
	if c.Kind == live.KindCase {
		page, err := r.w.rm.ListCases(context.Background(), readmodel.Filter{Q: c.Reference, Visibility: readmodel.Visibility{All: true}})
		if err == nil && len(page.Items) == 1 {
			status = page.Items[0].Status
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
	r.seen = append(r.seen, status)
}

func (r *liveRecorder) got() ([]live.Change, []helpdesk.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.changes), slices.Clone(r.seen)
}

func TestLiveChangesAreToldAfterTheirCommit(t *testing.T) {
	w := newWorld(t)
	rec := &liveRecorder{w: w}
	p, err := New(w.store, w.rm, Options{Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Live: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the projector to run", func() bool { return p.running.Load() })

	printer := w.open(helpdesk.CaseOpened{Kind: helpdesk.KindIncident, Title: "Skriveren virker ikke", Reporter: "ola", CreatedBy: "ola"})
	printer.then("per", helpdesk.CaseClaimed{Assignee: "per"}).
		then("per", helpdesk.CommentAdded{CommentID: "c1", Body: "Bestiller toner", Internal: true}).
		then("per", helpdesk.CommentAdded{CommentID: "c2", Body: "Toneren kommer i morgen"})
	w.announce("a1", "tor", helpdesk.AnnouncementPublished{AnnouncementID: "a1", Reference: "DM-2026-000001", Kind: helpdesk.AnnouncementOutage,
		Title: "E-post er nede", StartsAt: w.clock})
	w.caughtUp(w.rm)
	waitFor(t, "the changes to be told", func() bool { c, _ := rec.got(); return len(c) >= 5 })

	told, seen := rec.got()
	want := []struct {
		kind, id, typ, actor string
		status               helpdesk.Status
		internal             bool
	}{
		{live.KindCase, printer.id, "CaseOpened", "ola", helpdesk.StatusNew, false},
		{live.KindCase, printer.id, "CaseClaimed", "per", helpdesk.StatusInProgress, false},
		{live.KindCase, printer.id, "CommentAdded", "per", helpdesk.StatusInProgress, true},
		{live.KindCase, printer.id, "CommentAdded", "per", helpdesk.StatusInProgress, false},
		{live.KindAnnouncement, "a1", "AnnouncementPublished", "tor", "", false},
	}
	if len(told) != len(want) {
		t.Fatalf("told %d changes, want %d (the reference stream is not told): %+v", len(told), len(want), told)
	}
	for i, c := range told {
		wt := want[i]
		if c.Kind != wt.kind || c.ID != wt.id || c.Type != wt.typ || c.Actor != wt.actor || c.Internal != wt.internal {
			t.Errorf("change %d: got %s %s %s by %s internal %v; want %+v", i, c.Kind, c.ID, c.Type, c.Actor, c.Internal, wt)
		}
		if c.Kind != live.KindCase {
			continue
		}
		if c.Status != string(wt.status) || seen[i] != wt.status {
			t.Errorf("change %d (%s): told status %q, the read model showed %q; want %q", i, c.Type, c.Status, seen[i], wt.status)
		}
		if c.Reference != printer.ref || c.Case == nil || c.Case.Revision != int64(c.Revision) || c.At.IsZero() {
			t.Errorf("change %d: reference %q, case %v, revision %d, at %v", i, c.Reference, c.Case != nil, c.Revision, c.At)
		}
	}
	if told[4].Reference != "DM-2026-000001" || told[4].Title != "E-post er nede" || told[4].Status == "" {
		t.Errorf("announcement told as %q %q %q", told[4].Reference, told[4].Title, told[4].Status)
	}
}
