package projection

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// TestAnErasureRewritesTheReadModel: when a case's personal data is
// erased, its row, snapshot, tasks and notifications are written again
// from the record, without the erased text, as a rebuild writes them;
// nothing of the text is left in readmodel.db's files; another case is
// untouched.
func TestAnErasureRewritesTheReadModel(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	inner, err := sqlitestore.Open(filepath.Join(dir, "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	ring, _ := privacy.ParseKeyring(privacy.GenerateMasterKey())
	keys, err := privacy.OpenKeys(ctx, filepath.Join(dir, "keys.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	store, _ := privacy.New(inner, keys)
	rmPath := filepath.Join(dir, "readmodel.db")
	rm, err := readmodel.Open(ctx, rmPath)
	if err != nil {
		t.Fatal(err)
	}

	clock := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	rev := map[string]int64{}
	put := func(stream, actor string, evs ...helpdesk.Event) {
		t.Helper()
		var data []eventstore.EventData
		for _, e := range evs {
			clock = clock.Add(time.Minute)
			b, _ := json.Marshal(e)
			m, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: clock})
			data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: m})
		}
		exp := eventstore.NoStream()
		if r, ok := rev[stream]; ok {
			exp = eventstore.Exact(uint64(r))
		}
		res, err := store.Append(ctx, stream, exp, data...)
		if err != nil {
			t.Fatal(err)
		}
		rev[stream] = int64(res.NextExpected.Revision())
	}
	a, b := uuid.NewString(), uuid.NewString()
	put(helpdesk.ReferenceStream(2026), "ola", helpdesk.ReferenceAllocated{CaseID: a, Reference: "BH-2026-000001"},
		helpdesk.ReferenceAllocated{CaseID: b, Reference: "BH-2026-000002"})
	put(helpdesk.Stream(a), "ola",
		helpdesk.CaseOpened{CaseID: a, Reference: "BH-2026-000001", Kind: helpdesk.KindOrder, Title: "Lisens til Zyxwa Qvist",
			Description: "Zyxwa trenger den", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp",
			Attachments: []helpdesk.Attachment{{Name: "tilbud.pdf", Type: "application/pdf", Size: 3, SHA256: strings.Repeat("ab", 32)}}},
		helpdesk.TaskOpened{TaskID: a + ".t1", Kind: helpdesk.TaskApproval, Type: "cost-approval", Title: "Godkjenn lisens til Zyxwa Qvist", Approver: "kari"})
	put(helpdesk.Stream(a), "kari",
		helpdesk.TaskCompleted{TaskID: a + ".t1", Outcome: helpdesk.OutcomeRejected, Comment: "Zyxwa har en allerede", DecidedBy: "kari"},
		helpdesk.CaseRejected{Reason: "Kostnaden ble ikke godkjent: Zyxwa har en allerede"})
	put(helpdesk.Stream(b), "eva", helpdesk.CaseOpened{CaseID: b, Reference: "BH-2026-000002", Kind: helpdesk.KindIncident,
		Title: "Evas skjerm flimrer", Reporter: "eva", CreatedBy: "eva", Group: "brukerhjelp"})

	p, err := New(store, rm, Options{Logger: slog.New(slog.DiscardHandler), Groups: directory.Demo(), BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.Run(runCtx) }()
	defer func() { stop(); <-done }()
	caughtUp := func() {
		t.Helper()
		all, _ := store.ReadAll(ctx, 0, 0, eventstore.Filter{})
		head := all[len(all)-1].Position
		waitFor(t, "the projector to catch up", func() bool {
			cp, err := rm.Checkpoint(ctx, Cases)
			return err == nil && cp >= head
		})
	}
	caughtUp()
	notes := func(who string) string {
		page, err := rm.ListNotifications(ctx, readmodel.NotificationFilter{Recipient: who, Limit: readmodel.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, n := range page.Items {
			s = append(s, n.Title, n.TitleEn)
		}
		return strings.Join(s, " | ")
	}
	if !strings.Contains(notes("kari"), "Zyxwa") || !strings.Contains(notes("ola"), "Zyxwa") {
		t.Fatalf("before the erasure the notifications say: kari %q, ola %q", notes("kari"), notes("ola"))
	}
	if holders, _ := rm.AttachmentHolders(ctx, strings.Repeat("ab", 32)); len(holders) != 1 || holders[0] != a {
		t.Errorf("holders of the file before the erasure: %v", holders)
	}
	if ids, _ := rm.EndedCases(ctx, helpdesk.KindOrder, clock.Add(time.Hour), "", 10); len(ids) != 1 {
		t.Errorf("ended orders before the erasure: %v", ids)
	}

	if _, err := keys.Erase(ctx, helpdesk.Stream(a), "test"); err != nil {
		t.Fatal(err)
	}
	put(helpdesk.Stream(a), "dina", helpdesk.PersonalDataErased{Rule: helpdesk.RuleRequest, Basis: "b", BasisEn: "b", Events: 4})
	caughtUp()

	page, err := rm.ListCases(ctx, readmodel.Filter{Visibility: readmodel.Visibility{All: true}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, c := range page.Items {
		titles[c.ID] = c.Title
	}
	if titles[a] != helpdesk.Erased || titles[b] != "Evas skjerm flimrer" {
		t.Errorf("titles after the erasure: %v", titles)
	}
	if got := notes("kari") + notes("ola"); strings.Contains(got, "Zyxwa") || !strings.Contains(got, "BH-2026-000001") {
		t.Errorf("notifications after the erasure: %q", got)
	}
	if found, _ := rm.ListCases(ctx, readmodel.Filter{Q: "zyxwa", Visibility: readmodel.Visibility{All: true}, Limit: 10}); len(found.Items) != 0 {
		t.Errorf("the erased text is still searchable: %d cases", len(found.Items))
	}
	tasks, _ := rm.ListTasks(ctx, readmodel.TaskFilter{Case: a})
	for _, tk := range tasks {
		if strings.Contains(tk.Title, "Zyxwa") {
			t.Errorf("a task still says %q", tk.Title)
		}
	}
	if holders, _ := rm.AttachmentHolders(ctx, strings.Repeat("ab", 32)); len(holders) != 0 {
		t.Errorf("the erased case still holds the file: %v", holders)
	}
	if ids, _ := rm.EndedCases(ctx, helpdesk.KindOrder, clock.Add(time.Hour), "", 10); len(ids) != 0 {
		t.Errorf("an erased case is still found for retention: %v", ids)
	}

	// A rebuild writes the same.
	fresh, err := readmodel.Open(ctx, filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	rp, _ := New(store, fresh, Options{Logger: slog.New(slog.DiscardHandler), Groups: directory.Demo()})
	if _, err := rp.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, diffs, err := readmodel.Compare(ctx, rm, fresh, func(d readmodel.Difference) { t.Errorf("rebuilt differs: %v", d) }); err != nil || diffs != 0 {
		t.Errorf("Compare = %d differences, %v", diffs, err)
	}

	stop()
	<-done
	rm.Close()
	files, _ := filepath.Glob(rmPath + "*")
	for _, f := range files {
		// In any case: the search column and the full text index hold
		// the words lower-cased.
		data, _ := os.ReadFile(f)
		if bytes.Contains(bytes.ToLower(data), []byte("zyxwa")) {
			t.Errorf("%s still holds the erased text", filepath.Base(f))
		}
	}
}
