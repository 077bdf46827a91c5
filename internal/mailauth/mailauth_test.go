package mailauth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// dns is a test resolver: TXT records by name, and names that fail for now.
type dns struct {
	txt  map[string][]string
	temp map[string]bool
}

func (d dns) LookupTXT(_ context.Context, name string) ([]string, error) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if d.temp[name] {
		return nil, &net.DNSError{Err: "timeout", Name: name, IsTemporary: true, IsTimeout: true}
	}
	if v, ok := d.txt[name]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
func (d dns) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
func (d dns) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
func (d dns) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

// keys are the test's DKIM keys (from fixed seeds, so the fuzz corpus
// stays valid).
var (
	fylkeKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	evilKey  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
)

func keyRecord(k ed25519.PrivateKey) string {
	return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
}

func testDNS() dns {
	return dns{txt: map[string][]string{
		"s1._domainkey.fylke.example":     {keyRecord(fylkeKey)},
		"s1._domainkey.mx.fylke.example":  {keyRecord(fylkeKey)},
		"s1._domainkey.evil.example":      {keyRecord(evilKey)},
		"fylke.example":                   {"v=spf1 ip4:192.0.2.0/24 -all"},
		"strict.example":                  {"v=spf1 ip4:192.0.2.0/24 -all"},
		"_dmarc.strict.example":           {"v=DMARC1; p=reject; adkim=s; aspf=s"},
		"s1._domainkey.mx.strict.example": {keyRecord(fylkeKey)},
		"bounce.fylke.example":            {"v=spf1 ip4:192.0.2.0/24 -all"},
	}, temp: map[string]bool{}}
}

const plain = "From: Ola Nordmann <ola@fylke.example>\r\n" +
	"To: brukerhjelp@fylke.example\r\n" +
	"Subject: Skjermen flimrer\r\n" +
	"Message-ID: <1@fylke.example>\r\n" +
	"\r\n" +
	"Skjermen min flimrer siden i morges.\r\n"

// sign signs msg as domain with key, the way the sender's server would.
func sign(t testing.TB, msg, domain string, key ed25519.PrivateKey) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{Domain: domain, Selector: "s1", Signer: key,
		HeaderKeys: []string{"From", "To", "Subject", "Message-ID"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var outside = Envelope{Remote: netip.MustParseAddr("198.51.100.7"), Helo: "mx.somewhere.example", MailFrom: "ola@fylke.example"}

func TestADKIMSignedMessageIsAcceptedAndTheSameMessageAlteredIsNot(t *testing.T) {
	p := Policy{Resolver: testDNS()}
	signed := sign(t, plain, "fylke.example", fylkeKey)
	if r := p.Check(t.Context(), outside, signed); r.String() != "dkim fylke.example" || r.FromDomain != "fylke.example" {
		t.Fatalf("signed: %+v", r)
	}
	for what, altered := range map[string][]byte{
		"body":           bytes.Replace(signed, []byte("flimrer siden"), []byte("flimrer ikke siden"), 1),
		"signed subject": bytes.Replace(signed, []byte("Subject: Skjermen flimrer"), []byte("Subject: Gi meg tilgang"), 1),
		"sender":         bytes.Replace(signed, []byte("Ola Nordmann <ola@fylke.example>"), []byte("Eva <eva@fylke.example>"), 1),
		"a second From":  append([]byte("From: eva@fylke.example\r\n"), signed...),
	} {
		r := p.Check(t.Context(), outside, altered)
		if r.Authenticated() || r.Temporary || r.Reason == "" {
			t.Errorf("altered %s: %+v", what, r)
		}
	}
	if r := p.Check(t.Context(), outside, []byte(plain)); r.Authenticated() || r.Temporary {
		t.Errorf("unsigned, from outside: %+v", r)
	}
}

func TestAlignmentFollowsDMARC(t *testing.T) {
	p := Policy{Resolver: testDNS()}
	// Another domain's valid signature vouches for nothing here.
	if r := p.Check(t.Context(), outside, sign(t, plain, "evil.example", evilKey)); r.Authenticated() || !strings.Contains(r.Reason, "not aligned") {
		t.Errorf("signed by evil.example: %+v", r)
	}
	// A subdomain's signature is aligned (relaxed, no DMARC record) …
	if r := p.Check(t.Context(), outside, sign(t, plain, "mx.fylke.example", fylkeKey)); r.String() != "dkim mx.fylke.example" {
		t.Errorf("signed by mx.fylke.example: %+v", r)
	}
	// … unless the From domain's DMARC record asks for strict alignment.
	strict := strings.ReplaceAll(plain, "ola@fylke.example", "ola@strict.example")
	if r := p.Check(t.Context(), outside, sign(t, strict, "mx.strict.example", fylkeKey)); r.Authenticated() {
		t.Errorf("adkim=s with a subdomain's signature: %+v", r)
	}
}

func TestSPFAlignedWithFromAuthenticates(t *testing.T) {
	p := Policy{Resolver: testDNS()}
	in := Envelope{Remote: netip.MustParseAddr("192.0.2.10"), Helo: "mx.fylke.example", MailFrom: "ola@fylke.example"}
	if r := p.Check(t.Context(), in, []byte(plain)); r.String() != "spf fylke.example" {
		t.Errorf("from an allowed address: %+v", r)
	}
	bounce := in
	bounce.MailFrom = "bounces@bounce.fylke.example"
	if r := p.Check(t.Context(), bounce, []byte(plain)); r.String() != "spf bounce.fylke.example" {
		t.Errorf("relaxed SPF alignment: %+v", r)
	}
	if r := p.Check(t.Context(), outside, []byte(plain)); r.Authenticated() || !strings.Contains(r.Reason, "spf fylke.example: fail") {
		t.Errorf("from an address SPF does not allow: %+v", r)
	}
	strict := strings.ReplaceAll(plain, "ola@fylke.example", "ola@strict.example")
	other := in
	other.MailFrom = "x@fylke.example"
	if r := p.Check(t.Context(), other, []byte(strict)); r.Authenticated() {
		t.Errorf("SPF of another domain: %+v", r)
	}
}

func TestTrustedRelaysAndTemporaryFailures(t *testing.T) {
	relays, err := ParseRelays("10.0.0.0/24, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{TrustedRelays: relays, Resolver: testDNS()}
	gw := outside
	gw.Remote = netip.MustParseAddr("10.0.0.5")
	if r := p.Check(t.Context(), gw, []byte(plain)); r.String() != "relay 10.0.0.5" {
		t.Errorf("via the gateway: %+v", r)
	}
	mapped := outside
	mapped.Remote = netip.MustParseAddr("::ffff:127.0.0.1")
	if r := p.Check(t.Context(), mapped, []byte(plain)); r.String() != "relay 127.0.0.1" {
		t.Errorf("IPv4-mapped loopback: %+v", r)
	}
	d := testDNS()
	d.temp["s1._domainkey.fylke.example"] = true
	d.temp["fylke.example"] = true
	p = Policy{Resolver: d}
	if r := p.Check(t.Context(), outside, sign(t, plain, "fylke.example", fylkeKey)); r.Authenticated() || !r.Temporary {
		t.Errorf("DNS failing for now: %+v", r)
	}
}

func TestParseRelays(t *testing.T) {
	for in, want := range map[string]string{
		"none":                     "[]",
		"127.0.0.0/8,::1/128":      "[127.0.0.0/8 ::1/128]",
		"10.0.0.5":                 "[10.0.0.5/32]",
		" 10.0.0.0/24  192.0.2.1 ": "[10.0.0.0/24 192.0.2.1/32]",
		"::ffff:10.0.0.1":          "[10.0.0.1/32]",
	} {
		got, err := ParseRelays(in)
		if err != nil || formatPrefixes(got) != want {
			t.Errorf("ParseRelays(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.1/24", "gateway.fylke.example", "10.0.0.0/33", "none,10.0.0.1", "10.0.0.0/8;rm"} {
		if _, err := ParseRelays(bad); err == nil {
			t.Errorf("ParseRelays(%q) accepted", bad)
		}
	}
}

func formatPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// FuzzCheck: whatever bytes arrive, Check never panics, and a message it
// authenticates by DKIM or SPF has one From whose domain the vouching
// domain is aligned with.
func FuzzCheck(f *testing.F) {
	signed := sign(f, plain, "fylke.example", fylkeKey)
	f.Add(signed)
	f.Add(bytes.Replace(signed, []byte("morges"), []byte("kveld"), 1))
	f.Add(sign(f, plain, "evil.example", evilKey))
	f.Add([]byte(plain))
	f.Add([]byte("From: a@b\r\nFrom: c@d\r\n\r\n"))
	f.Add([]byte("DKIM-Signature: v=1; a=ed25519-sha256; d=fylke.example; s=s1; h=from; bh=; b=\r\nFrom: ola@fylke.example\r\n\r\n"))
	f.Add([]byte{})
	f.Add([]byte("\r\n\r\n"))
	p := Policy{Resolver: testDNS()}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := p.Check(context.Background(), outside, raw)
		if !r.Authenticated() {
			return
		}
		from, err := FromDomain(raw)
		if err != nil || from != r.FromDomain {
			t.Fatalf("authenticated %+v, but From: %q %v", r, from, err)
		}
		if orgDomain(r.Detail) != orgDomain(from) {
			t.Fatalf("%s vouches for %s", r.Detail, from)
		}
	})
}

// FuzzParseRelays: a list that parses formats back to itself, every entry
// a valid network without host bits.
func FuzzParseRelays(f *testing.F) {
	for _, s := range []string{"none", "127.0.0.0/8,::1/128", "10.0.0.5", "10.0.0.1/24", "::ffff:1.2.3.4", "", "a,b", "0.0.0.0/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseRelays(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p.Masked() != p {
				t.Fatalf("ParseRelays(%q) gave %v", s, p)
			}
		}
		if len(ps) == 0 {
			return
		}
		again, err := ParseRelays(strings.Trim(formatPrefixes(ps), "[]"))
		if err != nil || formatPrefixes(again) != formatPrefixes(ps) {
			t.Fatalf("ParseRelays(%q) = %v does not reparse: %v %v", s, ps, again, err)
		}
	})
}
