package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	bhmail "github.com/brukerhjelp/brukerhjelp/internal/mail"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// TestErasingACaseEmptiesItsMail: the outbox's messages about an erased
// case keep only their Message-ID (the outbox still knows they went, so
// nothing is mailed again); other cases' messages are untouched.
func TestErasingACaseEmptiesItsMail(t *testing.T) {
	ctx := context.Background()
	o := bhmail.Outbox{Dir: t.TempDir()}
	ola, _ := directory.Demo().User("ola")
	send := func(id, caseID, ref, title string) {
		m, err := bhmail.Render(readmodel.MailNote{Notification: readmodel.Notification{ID: id, CaseID: caseID, CaseReference: ref,
			Title: ref + ": Saken er løst", TitleEn: ref + ": The case has been resolved", CreatedAt: time.Now()}, CaseTitle: title}, ola, bhmail.Detail{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Deliver(ctx, id, m); err != nil {
			t.Fatal(err)
		}
	}
	send("n1", "case-a", "BH-2026-000001", "Skriveren til Zyxwa")
	send("n2", "case-a", "BH-2026-000001", "Skriveren til Zyxwa")
	send("n3", "case-b", "BH-2026-000002", "Evas skjerm")
	n, err := o.EraseCase("case-a", time.Now())
	if err != nil || n != 2 {
		t.Fatalf("EraseCase = %d, %v; want 2", n, err)
	}
	read := func(id string) string {
		b, err := os.ReadFile(filepath.Join(o.Dir, bhmail.MessageID(id)+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, id := range []string{"n1", "n2"} {
		if s := read(id); strings.Contains(s, "Zyxwa") || strings.Contains(s, ola.DisplayName) || !strings.Contains(s, bhmail.MessageID(id)) {
			t.Errorf("%s after the erasure:\n%s", id, s)
		}
		if ok, err := o.Delivered(ctx, id); err != nil || !ok {
			t.Errorf("%s is no longer known as mailed: %v, %v", id, ok, err)
		}
	}
	if s := read("n3"); !strings.Contains(s, "Evas skjerm") || !strings.Contains(s, ola.DisplayName) {
		t.Errorf("another case's mail changed:\n%s", s)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(o.Dir, ".tmp-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
