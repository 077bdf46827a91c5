package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"

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

// Delivered implements Transport.
func (o Outbox) Delivered(_ context.Context, id string) (bool, error) {
	_, err := os.Stat(o.path(id))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("mail: outbox: %w", err)
	}
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
}

// NewRelay dials nothing yet: it reads smtpURL (smtp://host:port,
// smtps://user:pass@host:465) and connects per batch.
func NewRelay(smtpURL string, store eventstore.Store) (*Relay, error) {
	u, err := url.Parse(smtpURL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("SMTP_URL: must be smtp://host:port or smtps://host:port")
	}
	opts := []gomail.Option{gomail.WithTimeout(15 * time.Second)}
	port := 25
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	} else {
		// STARTTLS when the relay offers it.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL: port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	return &Relay{client: c, store: store}, nil
}

// Delivered implements Transport: the ledger stream exists.
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
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return &PermanentError{Err: fmt.Errorf("mail: relay refused %s: %w", m.ID, err)}
		}
		return fmt.Errorf("mail: relay: %w", err)
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
