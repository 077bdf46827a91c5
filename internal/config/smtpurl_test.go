package config

import (
	"strings"
	"testing"
)

// TestSMTPURLWhoseCredentialsWouldTravelUnencryptedIsRefused: the worker
// stops at start-up on the SMTP_URL (a password to a relay that
// may offer no STARTTLS) and says how to fix it; the secure forms and
// the operator's explicit acceptance pass.
func TestSMTPURLWhoseCredentialsWouldTravelUnencryptedIsRefused(t *testing.T) {
	m := good()
	m["SMTP_URL"] = "smtp://brukerhjelp:hemmelig@mail.fylke.example:25"
	_, err := Load(Worker, env(m))
	if err == nil || !strings.Contains(err.Error(), "SMTP_URL") || !strings.Contains(err.Error(), "unencrypted") ||
		!strings.Contains(err.Error(), "tls=required") || strings.Contains(err.Error(), "hemmelig") {
		t.Errorf("Load: %v", err)
	}
	for raw, want := range map[string]SMTPRelay{
		"smtp://mail.fylke.example":                       {Host: "mail.fylke.example", Port: 25, TLS: SMTPStartTLSOpportunistic},
		"smtps://u:p@mail.fylke.example":                  {Host: "mail.fylke.example", Port: 465, TLS: SMTPImplicitTLS, Username: "u", Password: "p"},
		"smtp://u:p@mail.fylke.example?tls=required":      {Host: "mail.fylke.example", Port: 587, TLS: SMTPStartTLSRequired, Username: "u", Password: "p"},
		"smtp://u:p@mail.fylke.example:2525?tls=required": {Host: "mail.fylke.example", Port: 2525, TLS: SMTPStartTLSRequired, Username: "u", Password: "p"},
		"smtp://u:p@relay.internal:25?auth=plaintext":     {Host: "relay.internal", Port: 25, TLS: SMTPStartTLSOpportunistic, Username: "u", Password: "p", PlaintextAuth: true},
		"smtp://u:p@localhost:1025":                       {Host: "localhost", Port: 1025, TLS: SMTPStartTLSOpportunistic, Username: "u", Password: "p", PlaintextAuth: true},
		"smtp://u:p@[::1]:1025":                           {Host: "::1", Port: 1025, TLS: SMTPStartTLSOpportunistic, Username: "u", Password: "p", PlaintextAuth: true},
	} {
		got, err := ParseSMTPURL(raw)
		if err != nil || got != want {
			t.Errorf("ParseSMTPURL(%s) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for _, bad := range []string{"mail.fylke.example:25", "http://x", "smtp://", "smtp://h:99999", "smtp://h?tls=maybe",
		"smtp://h?tls=required&tls=required", "smtp://u:p@10.0.0.5:25", "smtp://u:p@mail.fylke.example:587?starttls=yes"} {
		if _, err := ParseSMTPURL(bad); err == nil {
			t.Errorf("ParseSMTPURL(%s) accepted", bad)
		}
	}
	r, _ := ParseSMTPURL("smtps://u:hemmelig@mail.fylke.example")
	if s := r.Redacted(); strings.Contains(s, "hemmelig") || s != "smtps://u@mail.fylke.example:465" {
		t.Errorf("Redacted() = %s", s)
	}
}

// TestInboundMailSettings: SMTP_TRUSTED_RELAYS is read by the one rule
// for relay lists, and inbound mail needs somewhere for attachments.
func TestInboundMailSettings(t *testing.T) {
	m := good()
	m["SMTP_LISTEN_ADDR"], m["SMTP_TRUSTED_RELAYS"], m["ATTACHMENT_DIR"] = ":2525", "10.0.0.0/24, 10.0.1.7", "/data/attachments"
	c, err := Load(API, env(m))
	if err != nil || c.SMTPListenAddr != ":2525" || len(c.SMTPTrustedRelays) != 2 || c.SMTPTrustedRelays[1].String() != "10.0.1.7/32" {
		t.Fatalf("Load: %+v, %v", c, err)
	}
	m["SMTP_TRUSTED_RELAYS"] = "none"
	if c, err := Load(API, env(m)); err != nil || len(c.SMTPTrustedRelays) != 0 {
		t.Errorf("none: %v, %v", c.SMTPTrustedRelays, err)
	}
	for change, name := range map[[2]string]string{
		{"SMTP_TRUSTED_RELAYS", "10.0.0.1/24"}: "SMTP_TRUSTED_RELAYS",
		{"SMTP_LISTEN_ADDR", "2525"}:           "SMTP_LISTEN_ADDR",
		{"ATTACHMENT_DIR", ""}:                 "ATTACHMENT_DIR",
	} {
		bad := good()
		bad["SMTP_LISTEN_ADDR"], bad["ATTACHMENT_DIR"] = ":2525", "/data/attachments"
		bad[change[0]] = change[1]
		if _, err := Load(API, env(bad)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: %v, want an error naming %s", change, err, name)
		}
	}
}
