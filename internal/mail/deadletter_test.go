package mail_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	bhmail "github.com/brukerhjelp/brukerhjelp/internal/mail"
)

func runWith(t *testing.T, feed bhmail.Feed, p bhmail.People, tr bhmail.Transport, deadAfter time.Duration) running {
	t.Helper()
	d := bhmail.New(feed, p, tr, bhmail.Options{Logger: quiet(), Poll: 20 * time.Millisecond,
		RetryInitial: 20 * time.Millisecond, RetryMax: 50 * time.Millisecond, DeadAfter: deadAfter})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return running{d: d, stop: sync.OnceFunc(stop)}
}

func (r *relay) triesOf(to string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries[to]
}

func (r *relay) deliveredTo(to string) bool {
	for _, m := range r.messages() {
		if len(m.to) == 1 && m.to[0] == to {
			return true
		}
	}
	return false
}

// TestOneFailingMessageNeverHoldsBackTheOthers: ola's mailbox answers
// 451 (temporary) for ever. Her mail is retried on its own schedule while
// lise's, behind it in the feed, goes out; after DeadAfter ola's becomes
// a dead letter: counted, listed, recorded in the ledger, and not tried
// again after a restart.
func TestOneFailingMessageNeverHoldsBackTheOthers(t *testing.T) {
	w := newWorld(t)
	w.phoneCase("Skriveren virker ikke")
	rm := w.project("readmodel.db", 2)
	r := startRelay(t, "127.0.0.1:0")
	r.refuse = func(to string) error {
		if to == "ola@fylke.example" {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
		}
		return nil
	}
	tr := newRelayTransport(t, r.addr, w.store)
	d := runWith(t, rm, w.people, tr, 400*time.Millisecond)
	cs := d.d.Collectors()
	waitFor(t, "lise's mail past ola's failing one", func() bool { return r.deliveredTo("lise@fylke.example") })
	waitFor(t, "ola's message retried", func() bool { return r.triesOf("ola@fylke.example") >= 2 })
	if n, _ := d.d.Queue(context.Background()); n != 1 && len(d.d.DeadLetters()) == 0 {
		t.Errorf("queue %d while ola's mail waits, want 1", n)
	}
	waitFor(t, "ola's dead letter", func() bool { return len(d.d.DeadLetters()) == 1 })
	d.drained(t)
	dl := d.d.DeadLetters()[0]
	if dl.Recipient != "ola" || dl.Attempts < 2 || dl.Reason == "" || dl.CaseReference == "" {
		t.Errorf("dead letter %+v", dl)
	}
	if v := testutil.ToFloat64(cs[4]); v != 1 {
		t.Errorf("dead letters counter %v, want 1", v)
	}
	if v := testutil.ToFloat64(cs[5]); v != 0 {
		t.Errorf("retrying gauge %v after the dead letter, want 0", v)
	}
	evs, err := w.store.ReadStream(context.Background(), bhmail.LedgerStream(dl.NotificationID), 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Type != bhmail.EventMailDeadLettered {
		t.Fatalf("ledger of the dead letter: %v %v", evs, err)
	}
	var recorded bhmail.DeadLetter
	if err := json.Unmarshal(evs[0].Data, &recorded); err != nil || recorded.Recipient != "ola" {
		t.Errorf("recorded dead letter %+v, %v", recorded, err)
	}
	d.stop()

	tries := r.triesOf("ola@fylke.example")
	again := runWith(t, rm, w.people, tr, time.Hour)
	again.drained(t)
	time.Sleep(100 * time.Millisecond)
	if got := r.triesOf("ola@fylke.example"); got != tries {
		t.Errorf("a restarted dispatcher tried the dead letter again (%d → %d)", tries, got)
	}
}

// TestARefusalForGoodIsADeadLetterAtOnce: a 550 for one recipient is
// not retried; the other mail goes out.
func TestARefusalForGoodIsADeadLetterAtOnce(t *testing.T) {
	w := newWorld(t)
	w.phoneCase("Teams starter ikke")
	rm := w.project("readmodel.db", 2)
	r := startRelay(t, "127.0.0.1:0")
	r.refuse = func(to string) error {
		if to == "ola@fylke.example" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
		return nil
	}
	d := runWith(t, rm, w.people, newRelayTransport(t, r.addr, w.store), time.Hour)
	d.drained(t)
	time.Sleep(100 * time.Millisecond)
	if n := r.triesOf("ola@fylke.example"); n != 1 {
		t.Errorf("ola's refused mail was tried %d times, want 1", n)
	}
	if !r.deliveredTo("lise@fylke.example") {
		t.Error("lise's mail was not delivered")
	}
	if dl := d.d.DeadLetters(); len(dl) != 1 || dl[0].Attempts != 1 {
		t.Errorf("dead letters %+v", dl)
	}
}

// TestCredentialsThatWouldTravelUnencryptedAreRefused: NewRelay (and so
// the worker and dev at start-up) refuses smtp://user:pass@ to a remote
// relay unless STARTTLS is required or the operator accepts plaintext.
func TestCredentialsThatWouldTravelUnencryptedAreRefused(t *testing.T) {
	w := newWorld(t)
	for url, ok := range map[string]bool{
		"smtp://brukerhjelp:hemmelig@mail.fylke.example:25":                           false,
		"smtp://brukerhjelp:hemmelig@mail.fylke.example:587?tls=required":             true,
		"smtp://brukerhjelp:hemmelig@mail.fylke.example:25?auth=plaintext":            true,
		"smtps://brukerhjelp:hemmelig@mail.fylke.example":                             true,
		"smtp://mail.fylke.example:25":                                                true,
		"smtp://brukerhjelp:hemmelig@127.0.0.1:1025":                                  true,
		"smtp://brukerhjelp:hemmelig@mail.fylke.example:25?tls=required&tls=required": false,
	} {
		_, err := bhmail.NewRelay(url, w.store)
		if (err == nil) != ok {
			t.Errorf("NewRelay(%s): %v, want ok %v", url, err, ok)
		}
	}
}

// TestARelayWithoutTheRequiredStartTLSFailsEveryMessageOnItsOwn: the
// issue's relay that offers no STARTTLS, with ?tls=required: no password
// leaves in clear, every message fails on its own schedule (none holds
// the others), and each ends as a dead letter instead of being retried
// for ever.
func TestARelayWithoutTheRequiredStartTLSFailsEveryMessageOnItsOwn(t *testing.T) {
	w := newWorld(t)
	w.phoneCase("VPN")
	w.phoneCase("Skjerm")
	rm := w.project("readmodel.db", 4)
	r := startRelay(t, "127.0.0.1:0")
	tr, err := bhmail.NewRelay("smtp://brukerhjelp:hemmelig@"+r.addr+"?tls=required", w.store)
	if err != nil {
		t.Fatal(err)
	}
	d := runWith(t, rm, w.people, tr, 300*time.Millisecond)
	waitFor(t, "four dead letters", func() bool { return len(d.d.DeadLetters()) == 4 })
	if n := len(r.messages()); n != 0 {
		t.Errorf("%d messages went through a relay without STARTTLS", n)
	}
	for _, dl := range d.d.DeadLetters() {
		if dl.Attempts < 2 {
			t.Errorf("%s was given up after %d attempt(s): a missing STARTTLS may be fixed, so it is retried first", dl.NotificationID, dl.Attempts)
		}
	}
}
