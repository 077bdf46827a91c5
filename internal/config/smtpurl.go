package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// SMTPTLS is how the connection to the outgoing relay is encrypted.
type SMTPTLS string

// TLS modes of the relay connection.
const (
	// SMTPImplicitTLS: smtps://, TLS from the first byte (port 465).
	SMTPImplicitTLS SMTPTLS = "implicit"
	// SMTPStartTLSRequired: smtp://…?tls=required, STARTTLS or no
	// delivery (port 587).
	SMTPStartTLSRequired SMTPTLS = "required"
	// SMTPStartTLSOpportunistic: smtp://, STARTTLS when the relay offers
	// it (port 25).
	SMTPStartTLSOpportunistic SMTPTLS = "opportunistic"
)

// SMTPRelay is the outgoing relay SMTP_URL (or dev's --smtp-relay) names.
type SMTPRelay struct {
	Host     string
	Port     int
	TLS      SMTPTLS
	Username string
	Password string
	// PlaintextAuth: the operator accepts that the credentials may cross
	// an unencrypted connection (?auth=plaintext), or the relay is on
	// this machine (loopback), where they do not cross the network.
	PlaintextAuth bool
}

// ParseSMTPURL reads an outgoing relay's URL:
//
//	smtp://host[:port]                      STARTTLS when offered, no credentials
//	smtps://user:pass@host[:465]            TLS from the start
//	smtp://user:pass@host:587?tls=required  STARTTLS or no delivery
//	smtp://user:pass@host:25?auth=plaintext the operator accepts plaintext credentials
//
// It refuses, naming the fix, a URL whose username and password could
// travel unencrypted (smtp:// with credentials, STARTTLS not required, a
// relay not on loopback, and no ?auth=plaintext): the relay that offers no
// STARTTLS would otherwise either get the password in clear or refuse
// every message.
func ParseSMTPURL(raw string) (SMTPRelay, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return SMTPRelay{}, errors.New("must be smtp://host:port or smtps://host:port")
	}
	r := SMTPRelay{Host: u.Hostname(), TLS: SMTPStartTLSOpportunistic, Port: 25}
	if u.Scheme == "smtps" {
		r.TLS, r.Port = SMTPImplicitTLS, 465
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return SMTPRelay{}, errors.New("its query cannot be read")
	}
	for name, vs := range q {
		if len(vs) != 1 {
			return SMTPRelay{}, fmt.Errorf("%s is given more than once", name)
		}
		switch v := vs[0]; {
		case name == "tls" && v == "required":
			if r.TLS == SMTPStartTLSOpportunistic {
				r.TLS, r.Port = SMTPStartTLSRequired, 587
			}
		case name == "auth" && v == "plaintext":
			r.PlaintextAuth = true
		default:
			return SMTPRelay{}, fmt.Errorf("unknown setting %s=%s (known: tls=required, auth=plaintext)", name, v)
		}
	}
	if p := u.Port(); p != "" {
		if r.Port, err = strconv.Atoi(p); err != nil || r.Port <= 0 || r.Port > 65535 {
			return SMTPRelay{}, fmt.Errorf("port %q is not a port", p)
		}
	}
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
	}
	if r.Username == "" {
		return r, nil
	}
	if isLoopback(r.Host) {
		r.PlaintextAuth = true
	}
	if r.TLS == SMTPStartTLSOpportunistic && !r.PlaintextAuth {
		return SMTPRelay{}, errors.New("the username and password would travel unencrypted to a relay that offers no STARTTLS: " +
			"use smtps://, add ?tls=required (STARTTLS or no delivery), or add ?auth=plaintext to accept plaintext credentials")
	}
	return r, nil
}

// Redacted is the URL for logs, without the password.
func (r SMTPRelay) Redacted() string {
	scheme := "smtp"
	if r.TLS == SMTPImplicitTLS {
		scheme = "smtps"
	}
	user := ""
	if r.Username != "" {
		user = r.Username + "@"
	}
	return scheme + "://" + user + net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
