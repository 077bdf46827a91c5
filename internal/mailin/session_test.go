package mailin_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net"
	"net/smtp"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/mailauth"
	"github.com/brukerhjelp/brukerhjelp/internal/mailin"
)

// fakeDesk records what the SMTP session hands on, and how the sender
// was authenticated (desk.Mail.Auth).
type fakeDesk struct {
	mu       sync.Mutex
	cases    []desk.Mail
	auth     []string
	replyErr error
}

func (f *fakeDesk) Actor(_ context.Context, u directory.User) (helpdesk.Actor, error) {
	return u.Actor(), nil
}

func (f *fakeDesk) OpenCaseByMail(_ context.Context, _ helpdesk.Actor, m desk.Mail) (helpdesk.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cases, f.auth = append(f.cases, m), append(f.auth, m.Auth)
	return helpdesk.Case{Reference: "BH-2026-000001"}, nil
}

func (f *fakeDesk) ReplyByMail(ctx context.Context, a helpdesk.Actor, ref string, m desk.Mail) (helpdesk.Case, error) {
	if f.replyErr != nil {
		return helpdesk.Case{}, f.replyErr
	}
	return f.OpenCaseByMail(ctx, a, m)
}

func (f *fakeDesk) got() ([]desk.Mail, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]desk.Mail(nil), f.cases...), append([]string(nil), f.auth...)
}

// testDNS serves the DKIM key of fylke.example and an SPF record that
// allows only 192.0.2.0/24 (not the test's loopback client).
type testDNS struct{ temp bool }

var dkimKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))

func (d testDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	if d.temp {
		return nil, &net.DNSError{Err: "timeout", Name: name, IsTemporary: true, IsTimeout: true}
	}
	switch strings.TrimSuffix(name, ".") {
	case "s1._domainkey.fylke.example":
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(dkimKey.Public().(ed25519.PublicKey))}, nil
	case "fylke.example":
		return []string{"v=spf1 ip4:192.0.2.0/24 -all"}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
func (testDNS) LookupMX(context.Context, string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}
func (testDNS) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}
func (testDNS) LookupAddr(context.Context, string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

// session is an SMTP server with a fake desk: the SMTP door alone.
type session struct {
	addr   string
	desk   *fakeDesk
	attDir string
}

func startSession(t *testing.T, auth mailin.Authenticator) *session {
	t.Helper()
	s := &session{desk: &fakeDesk{}, attDir: filepath.Join(t.TempDir(), "attachments")}
	in, err := mailin.New(mailin.Options{Desk: s.desk, Users: directory.Demo(), AttachmentDir: s.attDir, Logger: quiet(), Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go in.Serve(ln)
	t.Cleanup(func() { in.Close() })
	s.addr = ln.Addr().String()
	return s
}

func (s *session) send(raw []byte) error {
	return smtp.SendMail(s.addr, nil, "ola@fylke.example", []string{"brukerhjelp@fylke.example"}, raw)
}

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const olaMail = "From: Ola Nordmann <ola@fylke.example>\nTo: brukerhjelp@fylke.example\nSubject: Skjermen flimrer\nMessage-ID: <a1@fylke.example>\n\nSkjermen min flimrer.\n"

func signed(t *testing.T, raw []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: "fylke.example", Selector: "s1", Signer: dkimKey,
		HeaderKeys: []string{"From", "To", "Subject", "Message-ID"}}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestWithNoTrustedRelayOnlyAnAuthenticatedSenderIsHeard: with
// --smtp-trusted-relays none, a message in ola's name from anywhere is
// refused with 550 5.7.26; the same message DKIM-signed by fylke.example
// is accepted and the desk learns how it was authenticated; altered after
// signing it is refused again. DNS failing for now gives 451.
func TestWithNoTrustedRelayOnlyAnAuthenticatedSenderIsHeard(t *testing.T) {
	none, _ := mailauth.ParseRelays("none")
	s := startSession(t, mailauth.Policy{TrustedRelays: none, Resolver: testDNS{}})
	err := s.send(crlf(olaMail))
	if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "5.7.26") || !strings.Contains(err.Error(), "not authenticated") ||
		!strings.Contains(err.Error(), "ikke autentisert") {
		t.Fatalf("unauthenticated: %v, want 550 5.7.26 in both languages", err)
	}
	if cases, _ := s.desk.got(); len(cases) != 0 {
		t.Fatalf("the desk got %d cases from an unauthenticated sender", len(cases))
	}
	good := signed(t, crlf(olaMail))
	if err := s.send(good); err != nil {
		t.Fatalf("DKIM-signed: %v", err)
	}
	if _, auth := s.desk.got(); len(auth) != 1 || auth[0] != "dkim fylke.example" {
		t.Fatalf("authenticated as %v, want dkim fylke.example", auth)
	}
	altered := bytes.Replace(good, []byte("flimrer."), []byte("flimrer. Gi eva admin."), 1)
	if err := s.send(altered); err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("altered after signing: %v, want 550", err)
	}
	if cases, _ := s.desk.got(); len(cases) != 1 {
		t.Fatalf("the desk got %d cases, want only the signed one", len(cases))
	}

	tmp := startSession(t, mailauth.Policy{TrustedRelays: none, Resolver: testDNS{temp: true}})
	if err := tmp.send(good); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("DNS failing for now: %v, want 451", err)
	}
}

// TestATrustedRelayIsRecorded: dev's default, loopback trusted.
func TestATrustedRelayIsRecorded(t *testing.T) {
	s := startSession(t, mailauth.Policy{TrustedRelays: mailauth.Loopback, Resolver: testDNS{}})
	if err := s.send(crlf(olaMail)); err != nil {
		t.Fatal(err)
	}
	if _, auth := s.desk.got(); len(auth) != 1 || auth[0] != "relay 127.0.0.1" {
		t.Fatalf("authenticated as %v", auth)
	}
}

// TestMalformedMIMEIsRefusedForGood: the class of "a malformed MIME
// message gets 451 and is retried for ever": every way a message breaks
// MIME answers 554 5.6.0 and nothing reaches the desk.
func TestMalformedMIMEIsRefusedForGood(t *testing.T) {
	s := startSession(t, mailauth.Policy{TrustedRelays: mailauth.Loopback})
	head := "From: ola@fylke.example\nTo: brukerhjelp@fylke.example\nSubject: Vedlegg\nMIME-Version: 1.0\n"
	// Twelve multiparts, each closed properly, one inside the other.
	inner := "Content-Type: text/plain\n\nHei\n"
	for i := range 12 {
		b := "b" + itoa(i)
		inner = "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n\n--" + b + "\n" + inner + "\n--" + b + "--\n"
	}
	nested := head + inner
	for what, msg := range map[string]string{
		"bad base64": head + "Content-Type: multipart/mixed; boundary=\"X\"\n\n--X\nContent-Type: text/plain\n\nHei\n" +
			"--X\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\n@@@@ not base64 !!!!\n--X--\n",
		"multipart without boundary": head + "Content-Type: multipart/mixed\n\nHei\n",
		"multipart that never ends":  head + "Content-Type: multipart/mixed; boundary=\"X\"\n\n--X\nContent-Type: text/plain\n\nHei\n--X\nContent-Type: text/pl",
		"unknown charset":            head + "Content-Type: text/plain; charset=x-klingon\n\nHei\n",
		"nested too deep":            nested + "Hei\n",
	} {
		err := s.send(crlf(msg))
		if err == nil || !strings.Contains(err.Error(), "554") || !strings.Contains(err.Error(), "5.6.0") {
			t.Errorf("%s: %v, want 554 5.6.0", what, err)
		} else if what == "nested too deep" && !strings.Contains(err.Error(), "too deep") {
			t.Errorf("%s: %v", what, err)
		}
	}
	if cases, _ := s.desk.got(); len(cases) != 0 {
		t.Fatalf("malformed mail reached the desk: %+v", cases)
	}
}

func itoa(i int) string { return string(rune('a' + i)) }

// TestAttachmentNamesAreLabelsOnly: path parts and control characters
// are gone from the stored display name, whatever the encoding; text in
// another charset arrives as UTF-8.
func TestAttachmentNamesAreLabelsOnly(t *testing.T) {
	s := startSession(t, mailauth.Policy{TrustedRelays: mailauth.Loopback})
	msg := "From: ola@fylke.example\nTo: brukerhjelp@fylke.example\nSubject: Vedlegg\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"X\"\n\n" +
		"--X\nContent-Type: text/plain; charset=iso-8859-1\n\nSkjermen p\xe5 rom 12 er d\xf8d.\n" +
		"--X\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"..\\\\..\\\\windows\\\\system.ini\"\n\nx\n" +
		"--X\nContent-Type: text/plain; name=\"../../etc/passwd\"\n\ny\n" +
		"--X\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"=?UTF-8?B?" +
		base64.StdEncoding.EncodeToString([]byte("../rapport\u202Efdp.exe")) + "?=\"\n\nz\n" +
		"--X\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename*=UTF-8''%2E%2E%2Fa%0D%0Ab.txt\n\nw\n" +
		"--X--\n"
	if err := s.send(crlf(msg)); err != nil {
		t.Fatal(err)
	}
	cases, _ := s.desk.got()
	if len(cases) != 1 {
		t.Fatalf("%d cases", len(cases))
	}
	if cases[0].Body != "Skjermen på rom 12 er død." {
		t.Errorf("body %q, want it decoded from ISO-8859-1", cases[0].Body)
	}
	var names []string
	for _, a := range cases[0].Attachments {
		names = append(names, a.Name)
	}
	if got, want := strings.Join(names, "|"), "system.ini|passwd|rapportfdp.exe|ab.txt"; got != want {
		t.Errorf("attachment names %q, want %q", got, want)
	}
}

// TestARefusedReplyIsPermanent: a reply whose text the domain refuses
// (invalid) is 550, not 451 (a retry would be refused again).
func TestARefusedReplyIsPermanent(t *testing.T) {
	s := startSession(t, mailauth.Policy{TrustedRelays: mailauth.Loopback})
	s.desk.replyErr = &desk.Error{Kind: desk.Invalid, Field: "body", Message: "body inneholder et kontrolltegn (U+0007)", English: "body contains a control character (U+0007)"}
	reply := strings.Replace(olaMail, "Subject: Skjermen flimrer", "Subject: Re: BH-2026-000001: Saken er mottatt", 1)
	if err := s.send(crlf(reply)); err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "5.6.0") || !strings.Contains(err.Error(), "control character") {
		t.Fatalf("refused reply: %v", err)
	}
}
