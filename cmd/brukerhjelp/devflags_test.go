package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestDevMailFlags: dev trusts loopback's mail by default (the README's
// curl example), "none" trusts nobody, and a relay URL is held to the
// same rule as SMTP_URL.
func TestDevMailFlags(t *testing.T) {
	t.Setenv("SMTP_URL", "")
	f, err := parseDevFlags(nil)
	if err != nil || fmt.Sprint(f.trustedRelays) != "[127.0.0.0/8 ::1/128]" || f.smtpRelay != "" {
		t.Fatalf("defaults: %v, %v, relay %q", f.trustedRelays, err, f.smtpRelay)
	}
	if f, err := parseDevFlags([]string{"--smtp-trusted-relays", "none"}); err != nil || len(f.trustedRelays) != 0 {
		t.Errorf("none: %v, %v", f.trustedRelays, err)
	}
	if _, err := parseDevFlags([]string{"--smtp-trusted-relays", "gateway"}); err == nil || !strings.Contains(err.Error(), "--smtp-trusted-relays") {
		t.Errorf("a bad relay list: %v", err)
	}
	if f, err := parseDevFlags([]string{"--smtp-relay", "smtp://127.0.0.1:1025"}); err != nil || f.smtpRelay != "smtp://127.0.0.1:1025" {
		t.Errorf("Mailpit: %q, %v", f.smtpRelay, err)
	}
	if _, err := parseDevFlags([]string{"--smtp-relay", "smtp://u:p@mail.fylke.example:25"}); err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Errorf("plaintext credentials: %v", err)
	}
	t.Setenv("SMTP_URL", "smtp://127.0.0.1:1025")
	if f, err := parseDevFlags(nil); err != nil || f.smtpRelay != "smtp://127.0.0.1:1025" {
		t.Errorf("SMTP_URL: %q, %v", f.smtpRelay, err)
	}
}
