package mail_test

import (
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	bhmail "github.com/brukerhjelp/brukerhjelp/internal/mail"
)

// Mail says what happened: the question asked, the resolution given, and
// the receipt of a case opened by mail threads under the user's own mail.
func TestMailSaysWhatHappened(t *testing.T) {
	w := newWorld(t)
	id, ref := uuid.NewString(), helpdesk.FormatReference(2026, 1)
	w.append(helpdesk.ReferenceStream(2026), eventstore.NoStream(), helpdesk.ReferenceAllocated{CaseID: id, Reference: ref}, "ola")
	w.append(helpdesk.Stream(id), eventstore.NoStream(), helpdesk.CaseOpened{CaseID: id, Reference: ref, Kind: helpdesk.KindIncident,
		Title: "Skjermen flimrer", Description: "d", Priority: helpdesk.PriorityNormal, Channel: helpdesk.ChannelEmail,
		Reporter: "ola", CreatedBy: "ola", Group: helpdesk.FirstLineGroup, MailMessageID: "olas-mail-1@fylke.example"}, "ola")
	w.append(helpdesk.Stream(id), eventstore.Exact(0), helpdesk.CaseClaimed{Assignee: "per"}, "per")
	w.append(helpdesk.Stream(id), eventstore.Exact(1), helpdesk.InfoRequested{Question: "Hvilken skjerm gjelder det?\nStår det et nummer bak?"}, "per")
	w.append(helpdesk.Stream(id), eventstore.Exact(2), helpdesk.CaseResolved{Resolution: "Byttet skjermkabelen."}, "per")
	rm := w.project("rm.db", 3)
	dir := filepath.Join(w.dir, "outbox")
	d := bhmail.New(rm, w.people, bhmail.Outbox{Dir: dir}, bhmail.Options{Logger: quiet(), Poll: 20 * time.Millisecond, Events: w.store})
	r := running{d: d}
	ctx, cancel := t.Context(), func() {}
	defer cancel()
	go d.Run(ctx)
	r.drained(t)

	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	bySubject := map[string]string{}
	headers := map[string][2]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := parse(t, raw)
		s := decodedSubject(t, m)
		text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body(t, m))))
		if err != nil {
			t.Fatal(err)
		}
		bySubject[s] = strings.ReplaceAll(string(text), "\r\n", "\n")
		headers[s] = [2]string{m.Header.Get("In-Reply-To"), m.Header.Get("References")}
	}
	question, resolution, receipt := ref+": Saksbehandleren har et spørsmål til deg", ref+": Saken er løst", ref+": Saken er mottatt"
	if b := bySubject[question]; !strings.Contains(b, "Spørsmålet:\n\n> Hvilken skjerm gjelder det?\n> Står det et nummer bak?") {
		t.Errorf("the question's mail says %q", b)
	}
	if b := bySubject[resolution]; !strings.Contains(b, "Løsningen:\n\n> Byttet skjermkabelen.") {
		t.Errorf("the resolution's mail says %q", b)
	}
	root := "<" + bhmail.ThreadID(id) + ">"
	if h, ok := headers[receipt]; !ok || h[0] != "<olas-mail-1@fylke.example>" || h[1] != root+" <olas-mail-1@fylke.example>" {
		t.Errorf("the receipt's In-Reply-To and References = %q (of %v), want it under ola's own mail", h, len(files))
	}
	if h := headers[question]; h[0] != root {
		t.Errorf("the question's In-Reply-To = %q, want the case's thread %s", h[0], root)
	}
}
