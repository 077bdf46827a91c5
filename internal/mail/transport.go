package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"

	"github.com/brukerhjelp/brukerhjelp/internal/config"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Transport delivers mail and keeps the ledger of what it delivered. The
// ledger lives outside the read model: a rebuild of the read model writes
// every notification again with the same id, and the ledger is what keeps
// it from being mailed again.
type Transport interface {
	// Delivered reports whether the message of notification id was
	// delivered already.
	Delivered(ctx context.Context, id string) (bool, error)
	// Deliver sends m, the mail of notification id, and records it.
	Deliver(ctx context.Context, id string, m Message) error
}

// PermanentError marks a delivery no retry can make succeed (the relay
// refused the recipient with a 5xx reply): the dispatcher gives up on
// that message instead of holding up the rest.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Outbox writes each message as an .eml file in Dir, named by its
// Message-ID. The file is its own ledger: a message whose file exists is
// delivered.
type Outbox struct {
	Dir string
}

func (o Outbox) path(id string) string { return filepath.Join(o.Dir, MessageID(id)+".eml") }

// Delivered implements Transport: the message's file, or its dead
// letter, exists.
func (o Outbox) Delivered(_ context.Context, id string) (bool, error) {
	for _, p := range []string{o.path(id), o.deadPath(id)} {
		_, err := os.Stat(p)
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, os.ErrNotExist):
			return false, fmt.Errorf("mail: outbox: %w", err)
		}
	}
	return false, nil
}

// Deliver implements Transport: a temporary file, synced, then renamed,
// so the outbox never shows half a message.
func (o Outbox) Deliver(_ context.Context, id string, m Message) error {
	raw, err := m.Bytes()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	f, err := os.CreateTemp(o.Dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename: nothing to remove
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := os.Rename(f.Name(), o.path(id)); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	return nil
}

// EventMailDelivered is the type of the ledger's events.
const EventMailDelivered = "MailDelivered"

// MailDelivered records that the mail of a notification left through the
// relay. It is the only event of the stream LedgerStream(notification).
type MailDelivered struct {
	NotificationID string    `json:"notificationId"`
	MessageID      string    `json:"messageId"`
	Recipient      string    `json:"recipient"`
	DeliveredAt    time.Time `json:"deliveredAt"`
}

// LedgerStream is the stream that records the mail of notification id.
func LedgerStream(id string) string { return "mail-" + id }

// ledgerSpace derives the ledger events' IDs from notification ids.
var ledgerSpace = uuid.MustParse("5f0c5a7e-5b8d-4f43-9a55-1b0a6f3d2c71")

// Relay sends through an SMTP relay and records each delivery in the
// event store: one MailDelivered event in the stream LedgerStream(id),
// appended expecting no stream, with an event ID derived from the
// notification id, so recording twice is a no-op.
type Relay struct {
	client *gomail.Client
	store  eventstore.Store
	url    string // for logs, without the password
}

// NewRelay dials nothing yet: it reads smtpURL by the one rule for relay
// URLs (config.ParseSMTPURL: smtp://host:port, smtps://user:pass@host:465,
// ?tls=required, ?auth=plaintext), refusing one whose credentials could
// travel unencrypted, and connects per message.
func NewRelay(smtpURL string, store eventstore.Store) (*Relay, error) {
	rs, err := config.ParseSMTPURL(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	opts := []gomail.Option{gomail.WithTimeout(15 * time.Second), gomail.WithPort(rs.Port)}
	switch rs.TLS {
	case config.SMTPImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case config.SMTPStartTLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		// STARTTLS when the relay offers it.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if rs.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if rs.PlaintextAuth {
			// The operator said so (or the relay is on loopback): PLAIN
			// even without TLS.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(rs.Username), gomail.WithPassword(rs.Password))
	}
	c, err := gomail.NewClient(rs.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	return &Relay{client: c, store: store, url: rs.Redacted()}, nil
}

// refusedForGood tells a refusal of this message (a 5xx reply to its
// MAIL FROM, RCPT TO or DATA: an unknown mailbox, a policy) from a
// failure of the relay or of our settings (unreachable, a 4xx, STARTTLS
// missing, authentication refused), which may pass and is retried.
func refusedForGood(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) || se.IsTemp() || se.ErrorCode() < 500 || se.ErrorCode() > 599 {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return true
	}
	return false
}

// Delivered implements Transport: the ledger stream exists (the message
// was delivered or given up as a dead letter).
func (r *Relay) Delivered(ctx context.Context, id string) (bool, error) {
	_, err := r.store.ReadStream(ctx, LedgerStream(id), 0, 1)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, eventstore.ErrStreamNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("mail: ledger: %w", err)
	}
}

// Deliver implements Transport: send, then record. A crash between the
// two sends the message again after the restart (at least once; the same
// Message-ID lets the receiving side see the duplicate).
func (r *Relay) Deliver(ctx context.Context, id string, m Message) error {
	if err := r.client.DialAndSendWithContext(ctx, m.msg); err != nil {
		if refusedForGood(err) {
			return &PermanentError{Err: fmt.Errorf("mail: relay refused %s: %w", m.ID, err)}
		}
		return fmt.Errorf("mail: relay %s: %w", r.url, err)
	}
	data, err := json.Marshal(MailDelivered{NotificationID: id, MessageID: m.ID, Recipient: m.To, DeliveredAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	meta, err := json.Marshal(helpdesk.Metadata{Actor: "brukerhjelp-mail", OccurredAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	ev := eventstore.EventData{ID: uuid.NewSHA1(ledgerSpace, []byte(id)), Type: EventMailDelivered, Data: data, Metadata: meta}
	// The message is out: try hard to record it rather than send it again.
	wait := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		_, err = r.store.Append(ctx, LedgerStream(id), eventstore.NoStream(), ev)
		if err == nil || errors.Is(err, eventstore.ErrWrongExpectedRevision) || errors.Is(err, eventstore.ErrIDConflict) {
			// Recorded (perhaps by another dispatcher first).
			return nil
		}
		if attempt == 8 || ctx.Err() != nil {
			return fmt.Errorf("mail: record delivery of %s: %w", m.ID, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// DeadLetter is a notification whose mail was given up: refused for good,
// or failing for longer than Options.DeadAfter.
type DeadLetter struct {
	NotificationID string    `json:"notificationId"`
	MessageID      string    `json:"messageId,omitempty"`
	CaseReference  string    `json:"caseReference,omitempty"`
	Recipient      string    `json:"recipient"`
	Reason         string    `json:"reason"`
	Attempts       int       `json:"attempts"`
	FirstFailure   time.Time `json:"firstFailure"`
	At             time.Time `json:"at"`
}

// DeadLetterer is a Transport that records a dead letter in its ledger,
// so Delivered reports it done and it is not tried again after a restart.
type DeadLetterer interface {
	DeadLetter(ctx context.Context, dl DeadLetter) error
}

// EventMailDeadLettered is the type of a dead letter in the ledger.
const EventMailDeadLettered = "MailDeadLettered"

// DeadLetter implements DeadLetterer: a MailDeadLettered event in the
// notification's ledger stream, which then holds no MailDelivered (the
// two exclude each other by expecting no stream).
func (r *Relay) DeadLetter(ctx context.Context, dl DeadLetter) error {
	data, err := json.Marshal(dl)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(helpdesk.Metadata{Actor: "brukerhjelp-mail", OccurredAt: dl.At})
	if err != nil {
		return err
	}
	ev := eventstore.EventData{ID: uuid.NewSHA1(ledgerSpace, []byte("dead\x00"+dl.NotificationID)), Type: EventMailDeadLettered, Data: data, Metadata: meta}
	_, err = r.store.Append(ctx, LedgerStream(dl.NotificationID), eventstore.NoStream(), ev)
	if err == nil || errors.Is(err, eventstore.ErrWrongExpectedRevision) || errors.Is(err, eventstore.ErrIDConflict) {
		return nil
	}
	return fmt.Errorf("mail: record dead letter %s: %w", dl.NotificationID, err)
}

// deadDir holds the outbox's dead letters: <dir>/dead/<message-id>.json.
func (o Outbox) deadPath(id string) string {
	return filepath.Join(o.Dir, "dead", MessageID(id)+".json")
}

// DeadLetter implements DeadLetterer: <dir>/dead/<message-id>.json says
// what was given up and why.
func (o Outbox) DeadLetter(_ context.Context, dl DeadLetter) error {
	data, err := json.MarshalIndent(dl, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.deadPath(dl.NotificationID)), 0o750); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	return os.WriteFile(o.deadPath(dl.NotificationID), append(data, '\n'), 0o640)
}
