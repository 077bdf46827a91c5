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
