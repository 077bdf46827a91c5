package mail

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Message ids are on the help desk's mail domain, so replies and threads
// stay ours.
const idDomain = directory.MailDomain

// MessageID is the Message-ID (without angle brackets) of the mail of
// notification id: derived from it, so every attempt to mail one
// notification makes the same message.
func MessageID(notificationID string) string { return notificationID + "@" + idDomain }

// ThreadID is the Message-ID every mail about a case refers to (In-Reply-To,
// References), so mail readers show one thread per case. No message with
// this id is ever sent: it is the thread's stable root.
func ThreadID(caseID string) string { return "case-" + caseID + "@" + idDomain }

// Message is one rendered mail.
type Message struct {
	// ID is the Message-ID without angle brackets.
	ID string
	// To is the recipient's address.
	To  string
	msg *gomail.Msg
}

// Bytes is the message in RFC 5322 form.
func (m Message) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if _, err := m.msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("mail: write message %s: %w", m.ID, err)
	}
	return b.Bytes(), nil
}

// texts are the words of a mail in one language.
type texts struct {
	greeting, caseLine, replyHint, signature string
	// taskLink, caseLink and announcementLink introduce the page to open.
	taskLink, caseLink, announcementLink string
}

var (
	bokmal = texts{
		greeting:         "Hei %s,",
		caseLine:         "Sak: %s – %s",
		replyHint:        "Du kan svare på denne e-posten; svaret legges til saken.",
		signature:        "Hilsen Brukerhjelp",
		taskLink:         "Se og avgjør oppgaven (du logger inn først): %s",
		caseLink:         "Se saken: %s",
		announcementLink: "Se driftsmeldingen: %s",
	}
	english = texts{
		greeting:         "Hello %s,",
		caseLine:         "Case: %s – %s",
		replyHint:        "You may reply to this e-mail; your reply is added to the case.",
		signature:        "Regards, Brukerhjelp",
		taskLink:         "See and decide the task (you sign in first): %s",
		caseLink:         "See the case: %s",
		announcementLink: "See the announcement: %s",
	}
)

// Detail is what the event behind a notification says beyond its title:
// the caseworker's question, the resolution, and the Message-ID of the
// user's own mail that opened the case (for a receipt to thread under).
type Detail struct {
	// Label introduces Text in bokmål and English ("Spørsmålet"/"The
	// question"); Text is quoted in the body.
	Label, LabelEn, Text string
	// InReplyTo is a Message-ID without angle brackets.
	InReplyTo string
}

// Render makes the mail of notification n to user u: in English when
// u.Language is "en", else in bokmål; the subject is the notification's
// title, which starts with the case reference. d adds what happened in
// words (the question, the resolution) and threads a receipt under the
// user's own mail. With pages, the address of the web pages
// (https://brukerhjelp.fylke.no), the mail links to the page to act on: a
// task's decision page (/tasks/{id}), which decides nothing by being
// opened, else the case or the announcement.
func Render(n readmodel.MailNote, u directory.User, d Detail, pages string) (Message, error) {
	t, title, lang := bokmal, n.Title, "nb"
	if u.Language == "en" {
		t, title, lang = english, n.TitleEn, "en"
	}
	if !strings.Contains(title, n.CaseReference) {
		title = n.CaseReference + ": " + title
	}
	what := strings.TrimSpace(strings.TrimPrefix(title, n.CaseReference+":"))
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	var body strings.Builder
	fmt.Fprintf(&body, t.greeting+"\n\n", name)
	fmt.Fprintf(&body, "%s.\n\n", strings.TrimSuffix(what, "."))
	if d.Text != "" {
		label := d.Label
		if lang == "en" {
			label = d.LabelEn
		}
		fmt.Fprintf(&body, "%s:\n\n", label)
		for _, line := range strings.Split(strings.TrimSpace(d.Text), "\n") {
			fmt.Fprintf(&body, "> %s\n", strings.TrimRight(line, "\r"))
		}
		body.WriteString("\n")
	}
	caseTitle := n.CaseTitle
	if caseTitle == "" {
		caseTitle = "–"
	}
	fmt.Fprintf(&body, t.caseLine+"\n\n", n.CaseReference, caseTitle)
	if link, intro := pageOf(n, pages, t); link != "" {
		fmt.Fprintf(&body, intro+"\n\n", link)
	}
	fmt.Fprintf(&body, "%s\n\n%s\n", t.replyHint, t.signature)

	id := MessageID(n.ID)
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.FromFormat("Brukerhjelp", directory.HelpDeskAddress); err != nil {
		return Message{}, fmt.Errorf("mail: from: %w", err)
	}
	if err := m.ReplyTo(directory.HelpDeskAddress); err != nil {
		return Message{}, fmt.Errorf("mail: reply-to: %w", err)
	}
	if err := m.AddToFormat(name, u.Email); err != nil {
		return Message{}, fmt.Errorf("mail: to %q: %w", u.Email, err)
	}
	m.Subject(title)
	m.SetMessageIDWithValue(id)
	root := "<" + ThreadID(n.CaseID) + ">"
	if d.InReplyTo != "" {
		// Under the user's own mail, which in turn hangs under the
		// case's root, so every later mail joins the same thread.
		own := "<" + d.InReplyTo + ">"
		m.SetGenHeader(gomail.HeaderInReplyTo, own)
		m.SetGenHeader(gomail.HeaderReferences, root+" "+own)
	} else {
		m.SetGenHeader(gomail.HeaderInReplyTo, root)
		m.SetGenHeader(gomail.HeaderReferences, root)
	}
	m.SetGenHeader(gomail.HeaderContentLang, lang)
	// RFC 3834: no auto-replies (out-of-office) to a machine's mail.
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	m.SetDateWithValue(n.CreatedAt)
	m.SetBodyString(gomail.TypeTextPlain, body.String())
	return Message{ID: id, To: u.Email, msg: m}, nil
}

// pageOf is the page a notification's mail links to, and the words that
// introduce it; "" without an address for the pages.
func pageOf(n readmodel.MailNote, pages string, t texts) (link, intro string) {
	pages = strings.TrimRight(pages, "/")
	switch {
	case pages == "":
		return "", ""
	case n.TaskID != "":
		return pages + "/tasks/" + url.PathEscape(n.TaskID), t.taskLink
	case strings.HasPrefix(n.CaseReference, "DRIFT-"):
		return pages + "/announcements/" + url.PathEscape(n.CaseID), t.announcementLink
	case n.CaseReference != "":
		return pages + "/cases/" + url.PathEscape(n.CaseReference), t.caseLink
	}
	return "", ""
}
