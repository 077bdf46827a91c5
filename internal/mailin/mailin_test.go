package mailin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/devserver"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/mailauth"
	"github.com/brukerhjelp/brukerhjelp/internal/mailin"
	"github.com/brukerhjelp/brukerhjelp/worker"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// stack is the whole help desk in the test: an embedded Temporal server,
// the worker, the event store, the API and the inbound SMTP server.
type stack struct {
	store    eventstore.Store
	smtpAddr string
	attDir   string
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startDesk(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlitestore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ts, err := devserver.Start(ctx, devserver.Options{FrontendPort: freePort(t), Namespace: "mailin-test", Logger: quiet(),
		SearchAttributes: workflows.SearchAttributes()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Stop)
	tc, err := client.DialContext(ctx, client.Options{HostPort: ts.FrontendAddress(), Namespace: ts.Namespace(),
		Logger: sdklog.NewStructuredLogger(quiet())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	acts, err := activities.New(store)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(tc, acts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	people := directory.Demo()
	srv, err := desk.New(desk.Config{Workflows: desk.Temporal(tc), Record: store, Directory: people})
	if err != nil {
		t.Fatal(err)
	}
	d := &stack{store: store, attDir: filepath.Join(dir, "attachments")}
	// As in dev: the loopback relay (the test's client) is trusted.
	in, err := mailin.New(mailin.Options{Desk: srv, Users: people, AttachmentDir: d.attDir, Logger: quiet(),
		Auth: mailauth.Policy{TrustedRelays: mailauth.Loopback}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go in.Serve(ln)
	t.Cleanup(func() { in.Close() })
	d.smtpAddr = ln.Addr().String()
	return d
}

// send delivers one message with a real SMTP client.
func (d *stack) send(from, to, msg string) error {
	return smtp.SendMail(d.smtpAddr, nil, from, []string{to}, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

func message(from, id, subject, body string) string {
	return fmt.Sprintf("From: %s\nTo: brukerhjelp@fylke.example\nSubject: %s\nMessage-ID: <%s>\nDate: %s\nContent-Type: text/plain; charset=utf-8\n\n%s\n",
		from, subject, id, time.Now().Format(time.RFC1123Z), body)
}

// recorded is one event of a case stream.
type recorded struct {
	stream, typ, actor string
	event              helpdesk.Event
}

func (d *stack) events(t *testing.T) []recorded {
	t.Helper()
	evs, err := d.store.ReadAll(context.Background(), 0, 0, eventstore.Filter{StreamPrefixes: []string{"case-"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []recorded
	for _, e := range evs {
		ev, err := helpdesk.DecodeEvent(e.Type, e.Data)
		if err != nil {
			continue
		}
		var m helpdesk.Metadata
		_ = json.Unmarshal(e.Metadata, &m)
		out = append(out, recorded{stream: e.Stream, typ: e.Type, actor: m.Actor, event: ev})
	}
	return out
}

func (d *stack) opened(t *testing.T, title string) []helpdesk.CaseOpened {
	var out []helpdesk.CaseOpened
	for _, r := range d.events(t) {
		if o, ok := r.event.(helpdesk.CaseOpened); ok && o.Title == title {
			out = append(out, o)
		}
	}
	return out
}

func TestMailIn(t *testing.T) {
	d := startDesk(t)

	// A new incident, and the same message delivered again.
	msg := message("Ola Nordmann <ola@fylke.example>", "m1@mail.example", "Skriveren skriver ikke ut", "Den blinker rødt.")
	for range 2 {
		if err := d.send("ola@fylke.example", "brukerhjelp@fylke.example", msg); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	cases := d.opened(t, "Skriveren skriver ikke ut")
	if len(cases) != 1 {
		t.Fatalf("%d cases opened from one message delivered twice, want 1", len(cases))
	}
	c := cases[0]
	if c.MailMessageID != "m1@mail.example" {
		t.Errorf("the case records Message-ID %q, want m1@mail.example (its receipt threads under it)", c.MailMessageID)
	}
	if c.Kind != helpdesk.KindIncident || c.Channel != helpdesk.ChannelEmail || c.Reporter != "ola" || c.Description != "Den blinker rødt." {
		t.Fatalf("case opened %+v", c)
	}

	t.Run("a reply with the reference lands on the case", func(t *testing.T) {
		reply := message("ola@fylke.example", "m2@mail.example", "Re: "+c.Reference+": Saken er mottatt", "Det gjelder skriveren i 3. etasje.")
		for range 2 {
			if err := d.send("ola@fylke.example", "brukerhjelp@fylke.example", reply); err != nil {
				t.Fatalf("send: %v", err)
			}
		}
		var comments []helpdesk.CommentAdded
		for _, r := range d.events(t) {
			if cm, ok := r.event.(helpdesk.CommentAdded); ok && r.stream == helpdesk.Stream(c.CaseID) && r.actor == "ola" {
				comments = append(comments, cm)
			}
		}
		if len(comments) != 1 || comments[0].Body != "Det gjelder skriveren i 3. etasje." {
			t.Fatalf("comments by ola on %s: %+v, want the one reply once", c.Reference, comments)
		}
		if n := len(d.opened(t, "Re: "+c.Reference+": Saken er mottatt")); n != 0 {
			t.Fatalf("the reply also opened %d cases", n)
		}
	})

	t.Run("someone who may not act on the case gets a case of their own", func(t *testing.T) {
		subject := "Re: " + c.Reference + " gjelder meg også"
		if err := d.send("eva@fylke.example", "brukerhjelp@fylke.example", message("eva@fylke.example", "m3@mail.example", subject, "Samme feil her.")); err != nil {
			t.Fatal(err)
		}
		if got := d.opened(t, subject); len(got) != 1 || got[0].Reporter != "eva" {
			t.Fatalf("eva's mail opened %+v", got)
		}
		for _, r := range d.events(t) {
			if r.stream == helpdesk.Stream(c.CaseID) && r.actor == "eva" {
				t.Fatalf("eva wrote on ola's case: %+v", r)
			}
		}
	})

	t.Run("unknown sender and wrong recipient are refused with 550", func(t *testing.T) {
		err := d.send("mallory@evil.example", "brukerhjelp@fylke.example", message("mallory@evil.example", "m4@x", "Hei", "x"))
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Fatalf("unknown sender: %v, want 550", err)
		}
		err = d.send("ola@fylke.example", "kari@fylke.example", message("ola@fylke.example", "m5@x", "Hei", "x"))
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Fatalf("wrong recipient: %v, want 550", err)
		}
		if n := len(d.opened(t, "Hei")); n != 0 {
			t.Fatalf("refused mail opened %d cases", n)
		}
	})

	t.Run("the policy refuses an auditor's mail at SMTP level, as every door does", func(t *testing.T) {
		before := len(d.events(t))
		err := d.send("siri@fylke.example", "brukerhjelp@fylke.example", message("siri@fylke.example", "m8@x", "Revisjon", "Jeg vil melde en sak."))
		if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "5.7.1") || !strings.Contains(err.Error(), "case.create.incident") {
			t.Fatalf("siri opening a case by mail: %v, want 550 5.7.1 naming the refused action", err)
		}
		reply := message("siri@fylke.example", "m9@x", "Re: "+c.Reference, "En kommentar fra revisor.")
		if err := d.send("siri@fylke.example", "brukerhjelp@fylke.example", reply); err == nil || !strings.Contains(err.Error(), "5.7.1") {
			t.Fatalf("siri replying by mail: %v, want 550 5.7.1", err)
		}
		if after := len(d.events(t)); after != before {
			t.Fatalf("the refused mail changed the record: %d case events, were %d", after, before)
		}
	})

	t.Run("oversize is refused", func(t *testing.T) {
		big := message("ola@fylke.example", "m6@x", "Stor", strings.Repeat("0123456789abcdef\n", (11<<20)/17))
		err := d.send("ola@fylke.example", "brukerhjelp@fylke.example", big)
		if err == nil || !strings.Contains(err.Error(), "552") {
			t.Fatalf("oversize: %v, want 552", err)
		}
		if n := len(d.opened(t, "Stor")); n != 0 {
			t.Fatalf("oversize mail opened %d cases", n)
		}
	})

	t.Run("an attachment is stored by its hash and referenced from the case", func(t *testing.T) {
		content := bytes.Repeat([]byte("skjermbilde\x00\x01\x02"), 300)
		sum := sha256.Sum256(content)
		hash := hex.EncodeToString(sum[:])
		b64 := base64.StdEncoding.EncodeToString(content)
		var lines []string
		for len(b64) > 76 {
			lines, b64 = append(lines, b64[:76]), b64[76:]
		}
		lines = append(lines, b64)
		msg := "From: ola@fylke.example\nTo: brukerhjelp@fylke.example\nSubject: Feilmelding i Outlook\nMessage-ID: <m7@mail.example>\n" +
			"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XYZ\"\n\n" +
			"--XYZ\nContent-Type: text/plain; charset=utf-8\n\nSe vedlagt skjermbilde.\n" +
			"--XYZ\nContent-Type: image/png; name=\"feil.png\"\nContent-Disposition: attachment; filename=\"feil.png\"\nContent-Transfer-Encoding: base64\n\n" +
			strings.Join(lines, "\n") + "\n--XYZ--\n"
		if err := d.send("ola@fylke.example", "brukerhjelp@fylke.example", msg); err != nil {
			t.Fatal(err)
		}
		got := d.opened(t, "Feilmelding i Outlook")
		if len(got) != 1 {
			t.Fatalf("%d cases", len(got))
		}
		want := helpdesk.Attachment{Name: "feil.png", Type: "image/png", Size: int64(len(content)), SHA256: hash}
		if got[0].Description != "Se vedlagt skjermbilde." || len(got[0].Attachments) != 1 || got[0].Attachments[0] != want {
			t.Fatalf("case %+v, want description and attachment %+v", got[0], want)
		}
		stored, err := os.ReadFile(filepath.Join(d.attDir, hash))
		if err != nil || !bytes.Equal(stored, content) {
			t.Fatalf("attachments/%s: %v (equal: %v)", hash, err, bytes.Equal(stored, content))
		}
	})
}
