// Package mailauth decides whether the sender of an inbound message is who
// its From header says, before the help desk acts in their name. A message
// is authenticated when it comes from a trusted relay (the organisation's
// mail gateway, which has authenticated the sender already), or when a
// valid DKIM signature (github.com/emersion/go-msgauth) or a passing SPF
// check of the envelope sender (blitiri.com.ar/go/spf) is aligned with the
// From domain as DMARC (RFC 7489) defines alignment: relaxed (the same
// organisational domain) unless the domain's DMARC record asks for strict.
// DNS goes through a Resolver, which tests replace. docs/MAIL.md.
package mailauth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/textproto"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// Resolver is the DNS the checks use; *net.Resolver implements it.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Policy is how inbound mail is authenticated.
type Policy struct {
	// TrustedRelays are the networks whose connections are taken as
	// authenticated: the mail gateway that has checked the sender.
	TrustedRelays []netip.Prefix
	// Resolver answers the DKIM, SPF and DMARC lookups
	// (net.DefaultResolver when nil).
	Resolver Resolver
	// Timeout bounds all DNS lookups of one message (10 s when zero).
	Timeout time.Duration
}

// Envelope is what the SMTP session knows of a message's sender.
type Envelope struct {
	Remote   netip.Addr // the connecting client
	Helo     string     // its HELO/EHLO name
	MailFrom string     // the MAIL FROM address
}

// Methods of authentication.
const (
	MethodRelay = "relay"
	MethodDKIM  = "dkim"
	MethodSPF   = "spf"
)

// Result is how a message's sender was authenticated, or why not.
type Result struct {
	// Method is relay, dkim or spf; "" when the sender is not
	// authenticated.
	Method string
	// Detail is the relay's address or the aligned domain.
	Detail string
	// FromDomain is the domain of the message's From header.
	FromDomain string
	// Temporary: a DNS lookup failed, so the checks could not finish;
	// the sender may try again later (4xx rather than 5xx).
	Temporary bool
	// Reason says why the sender is not authenticated (for logs and the
	// SMTP reply).
	Reason string
}

// Authenticated reports whether the sender is authenticated.
func (r Result) Authenticated() bool { return r.Method != "" }

// String is what the record says: "relay 10.0.0.5", "dkim fylke.example".
func (r Result) String() string {
	if !r.Authenticated() {
		return ""
	}
	return r.Method + " " + r.Detail
}

// Check authenticates raw (the whole message as received) sent over env.
func (p Policy) Check(ctx context.Context, env Envelope, raw []byte) Result {
	from, err := FromDomain(raw)
	if err != nil {
		return Result{Reason: err.Error()}
	}
	if remote := env.Remote.Unmap(); remote.IsValid() {
		for _, n := range p.TrustedRelays {
			if n.Contains(remote) {
				return Result{Method: MethodRelay, Detail: remote.String(), FromDomain: from}
			}
		}
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var res Resolver = net.DefaultResolver
	if p.Resolver != nil {
		res = p.Resolver
	}
	txt := func(name string) ([]string, error) { return res.LookupTXT(ctx, name) }
	adkim, aspf, temp := alignment(from, txt)

	var reasons []string
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: txt, MaxVerifications: 5})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		reasons = append(reasons, "dkim: "+err.Error())
	}
	for _, v := range verifs {
		switch {
		case v.Err == nil && aligned(v.Domain, from, adkim):
			return Result{Method: MethodDKIM, Detail: strings.ToLower(v.Domain), FromDomain: from}
		case v.Err == nil:
			reasons = append(reasons, "dkim: "+v.Domain+" is not aligned with "+from)
		default:
			temp = temp || dkim.IsTempFail(v.Err)
			reasons = append(reasons, "dkim "+v.Domain+": "+v.Err.Error())
		}
	}
	if len(verifs) == 0 && err == nil {
		reasons = append(reasons, "dkim: no signature")
	}
	if ip := env.Remote.Unmap(); ip.IsValid() {
		sender := env.MailFrom
		if sender == "" {
			sender = "postmaster@" + env.Helo // RFC 7208 2.4: a null sender is checked as the HELO's
		}
		_, senderDomain, _ := strings.Cut(sender, "@")
		senderDomain = strings.ToLower(strings.TrimSuffix(senderDomain, "."))
		r, err := spf.CheckHostWithSender(net.IP(ip.AsSlice()), env.Helo, sender, spf.WithResolver(res), spf.WithContext(ctx))
		switch {
		case r == spf.Pass && aligned(senderDomain, from, aspf):
			return Result{Method: MethodSPF, Detail: senderDomain, FromDomain: from}
		case r == spf.Pass:
			reasons = append(reasons, "spf: "+senderDomain+" is not aligned with "+from)
		default:
			temp = temp || r == spf.TempError
			why := "spf " + senderDomain + ": " + string(r)
			if err != nil {
				why += " (" + err.Error() + ")"
			}
			reasons = append(reasons, why)
		}
	}
	return Result{FromDomain: from, Temporary: temp, Reason: strings.Join(reasons, "; ")}
}

// FromDomain is the domain of a message's one From address. A message
// with no From, several From headers or several addresses in it is
// refused (RFC 7489 6.6.1): which of them the signature vouches for would
// be a guess.
func FromDomain(raw []byte) (string, error) {
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return "", fmt.Errorf("the header cannot be read: %w", err)
	}
	froms := h.Values("From")
	if len(froms) != 1 {
		return "", fmt.Errorf("the message has %d From headers, not one", len(froms))
	}
	addrs, err := mail.ParseAddressList(froms[0])
	if err != nil || len(addrs) != 1 {
		return "", errors.New("the From header is not one address")
	}
	_, domain, ok := strings.Cut(addrs[0].Address, "@")
	if !ok || domain == "" {
		return "", errors.New("the From address has no domain")
	}
	return strings.ToLower(strings.TrimSuffix(domain, ".")), nil
}

// alignment reads the From domain's DMARC record (or its organisational
// domain's) for the alignment modes; without one both are relaxed. temp
// reports a lookup that failed for now.
func alignment(from string, txt func(string) ([]string, error)) (adkim, aspf dmarc.AlignmentMode, temp bool) {
	adkim, aspf = dmarc.AlignmentRelaxed, dmarc.AlignmentRelaxed
	for _, d := range []string{from, orgDomain(from)} {
		rec, err := dmarc.LookupWithOptions(d, &dmarc.LookupOptions{LookupTXT: txt})
		if err != nil {
			if dmarc.IsTempFail(err) {
				temp = true
			}
			if d == orgDomain(from) {
				break
			}
			continue
		}
		if rec.DKIMAlignment != "" {
			adkim = rec.DKIMAlignment
		}
		if rec.SPFAlignment != "" {
			aspf = rec.SPFAlignment
		}
		return adkim, aspf, false
	}
	return adkim, aspf, temp
}

// aligned reports whether an authenticated domain vouches for the From
// domain: the same name (strict), or the same organisational domain
// (relaxed).
func aligned(domain, from string, mode dmarc.AlignmentMode) bool {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if domain == "" {
		return false
	}
	if domain == from {
		return true
	}
	return mode != dmarc.AlignmentStrict && orgDomain(domain) == orgDomain(from)
}

// orgDomain is a domain's organisational domain: its public suffix and
// one label more (fylke.example for mx.fylke.example).
func orgDomain(d string) string {
	if o, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return o
	}
	return d
}

// ParseRelays reads a list of trusted relays: CIDRs or single addresses,
// separated by commas or spaces, or "none" for no relay at all.
func ParseRelays(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New(`no relays given: list CIDRs (10.0.0.0/24, 127.0.0.1) or say "none"`)
	}
	if strings.EqualFold(s, "none") {
		return []netip.Prefix{}, nil
	}
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.EqualFold(f, "none") {
			return nil, errors.New(`"none" cannot be combined with relays`)
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR: %w", f, err)
			}
			if p.Masked() != p {
				return nil, fmt.Errorf("%q has host bits set; did you mean %s?", f, p.Masked())
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Loopback is dev mode's default: this machine only.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
