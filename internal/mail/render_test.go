package mail_test

import (
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	bhmail "github.com/brukerhjelp/brukerhjelp/internal/mail"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// An approval's mail links straight to its decision page; other mail to
// the case or the announcement; without the pages' address, no link.
func TestMailLinksToThePageToActOn(t *testing.T) {
	dir := directory.Demo()
	kari, _ := dir.User("kari")
	note := func(ref, caseID, taskID string) readmodel.MailNote {
		return readmodel.MailNote{Notification: readmodel.Notification{ID: "n-" + ref + taskID, Recipient: "kari", CaseID: caseID,
			CaseReference: ref, Kind: "approval-requested", Title: ref + ": Godkjenning venter på deg: Godkjenn kostnaden",
			TitleEn: ref + ": An approval awaits you", CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), TaskID: taskID}}
	}
	const caseID = "7d3c5a0e-8f1b-4c2d-9e3f-000000000002"
	for _, tt := range []struct {
		name  string
		n     readmodel.MailNote
		pages string
		want  string
	}{
		{"an approval", note("BH-2026-000002", caseID, caseID+".t2"), "https://brukerhjelp.fylke.no/",
			"Se og avgjør oppgaven (du logger inn først): https://brukerhjelp.fylke.no/tasks/" + caseID + ".t2"},
		{"a case", note("BH-2026-000002", caseID, ""), "https://brukerhjelp.fylke.no", "Se saken: https://brukerhjelp.fylke.no/cases/BH-2026-000002"},
		{"an announcement", note("DRIFT-0A0A0A0A", "0a0a0a0a-0000-4000-8000-000000000001", ""), "http://127.0.0.1:8080",
			"Se driftsmeldingen: http://127.0.0.1:8080/announcements/0a0a0a0a-0000-4000-8000-000000000001"},
	} {
		m, err := bhmail.Render(tt.n, kari, bhmail.Detail{}, tt.pages)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if body := unfold(string(b)); !strings.Contains(body, tt.want) {
			t.Errorf("%s: the mail does not say %q:\n%s", tt.name, tt.want, body)
		}
	}
	m, _ := bhmail.Render(note("BH-2026-000002", caseID, caseID+".t2"), kari, bhmail.Detail{}, "")
	if b, _ := m.Bytes(); strings.Contains(string(b), "/tasks/") {
		t.Errorf("a mail without the pages' address links somewhere:\n%s", b)
	}
}

// unfold is the message's body, decoded (quoted-printable).
func unfold(s string) string {
	msg, err := mail.ReadMessage(strings.NewReader(s))
	if err != nil {
		return s
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return s
	}
	return string(b)
}
