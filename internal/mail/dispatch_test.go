package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	bhmail "github.com/brukerhjelp/brukerhjelp/internal/mail"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// relay is a real SMTP server (go-smtp) that keeps what it receives.
type relay struct {
	mu   sync.Mutex
	got  []received
	srv  *smtp.Server
	addr string
	// refuse, when set, answers RCPT TO (nil accepts); tries counts the
	// RCPT TO commands per recipient.
	refuse func(to string) error
	tries  map[string]int
}

type received struct {
	from string
	to   []string
	raw  []byte
}

type relaySession struct {
	r   *relay
	cur received
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	if s.r.tries == nil {
		s.r.tries = map[string]int{}
	}
	s.r.tries[to]++
	refuse := s.r.refuse
	s.r.mu.Unlock()
	if refuse != nil {
		if err := refuse(to); err != nil {
			return err
		}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.raw = b
	s.r.mu.Lock()
	s.r.got = append(s.r.got, s.cur)
	s.r.mu.Unlock()
	s.cur = received{}
	return nil
}
func (s *relaySession) Reset()        { s.cur = received{} }
func (s *relaySession) Logout() error { return nil }

// startRelay serves SMTP on addr ("127.0.0.1:0" for any port).
func startRelay(t *testing.T, addr string) *relay {
	t.Helper()
	r := &relay{}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	r.srv.Domain = "relay.test"
	r.srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go r.srv.Serve(ln)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *relay) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// world is a record, a read model projected from it and the demo
// directory, with lise reading English.
type world struct {
	t      *testing.T
	dir    string
	store  eventstore.Store
	people people
	refs   uint64
}

type people struct{ *directory.Directory }

func (p people) User(name string) (directory.User, bool) {
	u, ok := p.Directory.User(name)
	if name == "lise" {
		u.Language = "en"
	}
	return u, ok
}

func newWorld(t *testing.T) *world {
	dir := t.TempDir()
	store, err := sqlitestore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &world{t: t, dir: dir, store: store, people: people{directory.Demo()}}
}

func (w *world) append(stream string, expected eventstore.ExpectedRevision, e helpdesk.Event, actor string) {
	w.t.Helper()
	data, _ := json.Marshal(e)
	meta, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: time.Now().UTC()})
	if _, err := w.store.Append(context.Background(), stream, expected,
		eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: meta}); err != nil {
		w.t.Fatal(err)
	}
}

// phoneCase: per registers a case for ola (ola is told it was received)
// and gives it to lise (lise is told, in English).
func (w *world) phoneCase(title string) (id, ref string) {
	w.refs++
	id, ref = uuid.NewString(), helpdesk.FormatReference(2026, w.refs)
	exp := eventstore.NoStream()
	if w.refs > 1 {
		exp = eventstore.Exact(w.refs - 2)
	}
	w.append(helpdesk.ReferenceStream(2026), exp, helpdesk.ReferenceAllocated{CaseID: id, Reference: ref}, "per")
	w.append(helpdesk.Stream(id), eventstore.NoStream(), helpdesk.CaseOpened{CaseID: id, Reference: ref, Kind: helpdesk.KindIncident,
		Title: title, Description: "d", Priority: helpdesk.PriorityNormal, Channel: helpdesk.ChannelPhone,
		Reporter: "ola", CreatedBy: "per", Group: helpdesk.FirstLineGroup}, "per")
	w.append(helpdesk.Stream(id), eventstore.Exact(0), helpdesk.CaseAssigned{Assignee: "lise", Group: helpdesk.FirstLineGroup}, "per")
	return id, ref
}

// project builds (or rebuilds, given a new file name) the read model and
// waits until it has every notification of the record.
func (w *world) project(name string, wantNotes int) *readmodel.DB {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rm, err := readmodel.Open(ctx, filepath.Join(w.dir, name))
	if err != nil {
		w.t.Fatal(err)
	}
	p, err := projection.New(w.store, rm, projection.Options{Logger: quiet(), Groups: w.people.Directory})
	if err != nil {
		w.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	w.t.Cleanup(func() { cancel(); <-done; rm.Close() })
	waitFor(w.t, fmt.Sprintf("%d notifications in %s", wantNotes, name), func() bool {
		n, _ := rm.CountNotificationsAfter(context.Background(), readmodel.FeedCursor{}, time.Time{})
		return n >= wantNotes
	})
	return rm
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running is a dispatcher in its goroutine.
type running struct {
	d    *bhmail.Dispatcher
	stop func()
}

func run(t *testing.T, feed bhmail.Feed, p bhmail.People, tr bhmail.Transport) running {
	t.Helper()
	d := bhmail.New(feed, p, tr, bhmail.Options{Logger: quiet(), Poll: 20 * time.Millisecond,
		RetryInitial: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return running{d: d, stop: sync.OnceFunc(stop)}
}

// drained waits until the dispatcher has handled every notification.
func (r running) drained(t *testing.T) {
	t.Helper()
	waitFor(t, "an empty mail queue", func() bool {
		n, err := r.d.Queue(context.Background())
		return err == nil && n == 0
	})
}

func newRelayTransport(t *testing.T, addr string, store eventstore.Store) *bhmail.Relay {
	t.Helper()
	tr, err := bhmail.NewRelay("smtp://"+addr, store)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func parse(t *testing.T, raw []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, raw)
	}
	return m
}

func body(t *testing.T, m *mail.Message) string {
	t.Helper()
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodedSubject(t *testing.T, m *mail.Message) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRelayGetsOneThreadedMailPerNotificationInTheRecipientsLanguage(t *testing.T) {
	w := newWorld(t)
	caseID, ref := w.phoneCase("Skriveren på rom 12 virker ikke")
	rm := w.project("readmodel.db", 2)
	r := startRelay(t, "127.0.0.1:0")
	d := run(t, rm, w.people, newRelayTransport(t, r.addr, w.store))
	d.drained(t)

	got := r.messages()
	if len(got) != 2 {
		t.Fatalf("relay got %d messages, want 2 (ola: received, lise: assigned)", len(got))
	}
	byTo := map[string]*mail.Message{}
	for _, g := range got {
		if len(g.to) != 1 || g.from != directory.HelpDeskAddress {
			t.Fatalf("envelope from %q to %v", g.from, g.to)
		}
		byTo[g.to[0]] = parse(t, g.raw)
	}
	ola, lise := byTo["ola@fylke.example"], byTo["lise@fylke.example"]
	if ola == nil || lise == nil {
		t.Fatalf("recipients: %v", got)
	}
	root := "<" + bhmail.ThreadID(caseID) + ">"
	for who, m := range map[string]*mail.Message{"ola": ola, "lise": lise} {
		if s := decodedSubject(t, m); !strings.HasPrefix(s, ref+": ") {
			t.Errorf("%s: subject %q does not start with the reference %s", who, s, ref)
		}
		if m.Header.Get("In-Reply-To") != root || m.Header.Get("References") != root {
			t.Errorf("%s: threading In-Reply-To %q References %q, want %s", who, m.Header.Get("In-Reply-To"), m.Header.Get("References"), root)
		}
		id := m.Header.Get("Message-Id")
		if !strings.HasSuffix(id, "@fylke.example>") || id == root {
			t.Errorf("%s: Message-ID %q", who, id)
		}
	}
	if ola.Header.Get("Message-Id") == lise.Header.Get("Message-Id") {
		t.Error("two notifications share a Message-ID")
	}
	if s := decodedSubject(t, ola); s != ref+": Saken er mottatt" {
		t.Errorf("ola's subject %q, want bokmål", s)
	}
	if s := decodedSubject(t, lise); s != ref+": The case has been assigned to you" {
		t.Errorf("lise's subject %q, want English", s)
	}
	if b := body(t, ola); !strings.Contains(b, "Skriveren på rom 12 virker ikke") && !strings.Contains(b, "Skriveren p=C3=A5 rom 12") {
		t.Errorf("ola's body lacks the case title:\n%s", b)
	}
	if lise.Header.Get("Content-Language") != "en" || ola.Header.Get("Content-Language") != "nb" {
		t.Errorf("Content-Language ola %q lise %q", ola.Header.Get("Content-Language"), lise.Header.Get("Content-Language"))
	}
	if v := testutil.ToFloat64(d.d.Collectors()[1]); v != 2 {
		t.Errorf("sent counter %v, want 2", v)
	}
}

func TestARelayOutageDelaysMailAndItIsDeliveredOnceWhenTheRelayIsBack(t *testing.T) {
	w := newWorld(t)
	w.phoneCase("VPN faller ut")
	rm := w.project("readmodel.db", 2)
	// A port with nobody listening: the relay is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d := run(t, rm, w.people, newRelayTransport(t, addr, w.store))
	failed := d.d.Collectors()[2]
	waitFor(t, "failed attempts", func() bool { return testutil.ToFloat64(failed) >= 2 })
	if n, _ := d.d.Queue(context.Background()); n != 2 {
		t.Fatalf("queue %d while the relay is down, want 2", n)
	}
	// Cases go on meanwhile: the record and read model take more.
	w.phoneCase("Skjermen blinker")
	rm2 := rm
	waitFor(t, "the new case's notifications", func() bool {
		n, _ := rm2.CountNotificationsAfter(context.Background(), readmodel.FeedCursor{}, time.Time{})
		return n == 4
	})

	r := startRelay(t, addr)
	d.drained(t)
	time.Sleep(100 * time.Millisecond) // a second delivery would come now
	if got := len(r.messages()); got != 4 {
		t.Fatalf("relay got %d messages after it came back, want 4 (each once)", got)
	}
	ids := map[string]bool{}
	for _, g := range r.messages() {
		id := parse(t, g.raw).Header.Get("Message-Id")
		if ids[id] {
			t.Fatalf("%s delivered twice", id)
		}
		ids[id] = true
	}
}

func TestNothingIsMailedTwiceAfterARestartOrARebuildOfTheReadModel(t *testing.T) {
	w := newWorld(t)
	w.phoneCase("Teams starter ikke")
	rm := w.project("readmodel.db", 2)
	r := startRelay(t, "127.0.0.1:0")
	first := run(t, rm, w.people, newRelayTransport(t, r.addr, w.store))
	first.drained(t)
	first.stop()
	if len(r.messages()) != 2 {
		t.Fatalf("first run: %d messages, want 2", len(r.messages()))
	}

	// Restart: a new dispatcher starts from the beginning of the feed.
	second := run(t, rm, w.people, newRelayTransport(t, r.addr, w.store))
	second.drained(t)
	second.stop()
	if len(r.messages()) != 2 {
		t.Fatalf("after a restart: %d messages, want still 2", len(r.messages()))
	}

	// Rebuild: a new read model from the record has the same notifications
	// (same ids); the ledger in the event store says they were mailed.
	rebuilt := w.project("rebuilt.db", 2)
	third := run(t, rebuilt, w.people, newRelayTransport(t, r.addr, w.store))
	third.drained(t)
	if len(r.messages()) != 2 {
		t.Fatalf("after a rebuild: %d messages, want still 2", len(r.messages()))
	}
	// And it still mails what is new.
	w.phoneCase("Ny PC")
	waitFor(t, "the new case's mail", func() bool { return len(r.messages()) == 4 })
}

func TestOutboxHoldsOneParseableEmlPerNotification(t *testing.T) {
	w := newWorld(t)
	caseID, ref := w.phoneCase("Passordet er utløpt")
	rm := w.project("readmodel.db", 2)
	dir := filepath.Join(w.dir, "outbox")
	d := run(t, rm, w.people, bhmail.Outbox{Dir: dir})
	d.drained(t)
	d.stop()

	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("outbox holds %v, want 2 .eml files", files)
	}
	stamps := map[string]time.Time{}
	for _, f := range files {
		if !strings.HasSuffix(f, "@fylke.example.eml") {
			t.Errorf("file %s is not named by a message id", f)
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := parse(t, raw)
		if want := "<" + strings.TrimSuffix(filepath.Base(f), ".eml") + ">"; m.Header.Get("Message-Id") != want {
			t.Errorf("%s holds Message-ID %q", f, m.Header.Get("Message-Id"))
		}
		if s := decodedSubject(t, m); !strings.Contains(s, ref) {
			t.Errorf("subject %q lacks %s", s, ref)
		}
		if m.Header.Get("References") != "<"+bhmail.ThreadID(caseID)+">" {
			t.Errorf("References %q", m.Header.Get("References"))
		}
		if _, err := mail.ParseAddress(m.Header.Get("To")); err != nil {
			t.Errorf("To %q: %v", m.Header.Get("To"), err)
		}
		fi, _ := os.Stat(f)
		stamps[f] = fi.ModTime()
	}
	// A rebuilt read model and a restarted dispatcher write nothing again.
	rebuilt := w.project("rebuilt.db", 2)
	again := run(t, rebuilt, w.people, bhmail.Outbox{Dir: dir})
	again.drained(t)
	again.stop()
	files2, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files2) != 2 {
		t.Fatalf("after a rebuild the outbox holds %v", files2)
	}
	for f, at := range stamps {
		if fi, err := os.Stat(f); err != nil || !fi.ModTime().Equal(at) {
			t.Errorf("%s was written again", f)
		}
	}
}

func TestOldNotificationsAreNotMailed(t *testing.T) {
	w := newWorld(t)
	w.phoneCase("Gammel sak")
	rm := w.project("readmodel.db", 2)
	dir := filepath.Join(w.dir, "outbox")
	// Four days later, with the default age limit of three days.
	d := bhmail.New(rm, w.people, bhmail.Outbox{Dir: dir}, bhmail.Options{Logger: quiet(), Poll: 20 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(96 * time.Hour) }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	<-done
	if files, _ := filepath.Glob(filepath.Join(dir, "*.eml")); len(files) != 0 {
		t.Fatalf("mailed old notifications: %v", files)
	}
}
