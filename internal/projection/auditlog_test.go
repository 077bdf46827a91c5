package projection

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// TestAuditLogStreamsAreIgnored: reads recorded in the audit log
// (internal/audit) between case events change no case, notify nobody,
// and are counted as ignored, not skipped or poisoned.
func TestAuditLogStreamsAreIgnored(t *testing.T) {
	w := newWorld(t)
	d := seedDesk(w)
	rec := audit.NewRecorder(w.store)
	for range 3 {
		if err := rec.Record(context.Background(), audit.AuditRead{Actor: "siri", What: audit.ReadHistory, CaseID: d.printer.id,
			At: w.clock, RequestID: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
	}
	heads, err := w.store.ReadAll(context.Background(), w.lastPos, 10, eventstore.Filter{})
	if err != nil || len(heads) != 3 {
		t.Fatalf("audit log: %d events, %v", len(heads), err)
	}
	w.lastPos = heads[2].Position
	d.printer.then("per", helpdesk.CommentAdded{CommentID: "after-reads", Body: "Fortsatt på saken"})
	w.startNotifying(w.rm, nil)
	w.caughtUp(w.rm)

	st, err := w.rm.Stats(context.Background(), Cases)
	if err != nil {
		t.Fatal(err)
	}
	if st.Ignored != 8+3 || st.Skipped != 0 || st.Poisoned != 0 {
		t.Errorf("stats = %+v, want the 8 reference events and 3 reads ignored, nothing skipped or poisoned", st)
	}
	page, err := w.rm.ListCases(context.Background(), readmodel.Filter{Limit: 50, Visibility: readmodel.Visibility{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 8 {
		t.Errorf("%d cases in the read model, want the 8 of the desk", len(page.Items))
	}
	var printerUpdated bool
	for _, c := range page.Items {
		if c.ID == d.printer.id {
			printerUpdated = c.UpdatedAt.Equal(w.fold(d.printer).UpdatedAt)
		}
	}
	if !printerUpdated {
		t.Error("the printer case in the read model misses the comment made after the reads")
	}
}
