// Package mail carries the help desk's e-mail. Outgoing mail is derived
// from the in-app notifications the projection writes (one source of
// truth): the Dispatcher follows them in the order of the record, renders
// each as an RFC 5322 message and hands it to a Transport, an SMTP relay
// or the outbox directory, which also keeps the ledger of what was sent.
// docs/MAIL.md explains the design.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// Feed is where the notifications come from; *readmodel.DB implements it.
type Feed interface {
	NotificationsAfter(ctx context.Context, cur readmodel.FeedCursor, since time.Time, limit int) ([]readmodel.MailNote, error)
	CountNotificationsAfter(ctx context.Context, cur readmodel.FeedCursor, since time.Time) (int, error)
}

// People tells a recipient's address and language; *directory.Directory
// implements it.
type People interface {
	User(username string) (directory.User, bool)
}

// Options tune a Dispatcher; zero values mean the defaults.
type Options struct {
	Logger *slog.Logger
	// MaxAge: notifications older than this are never mailed (3 days).
	// After the read model is rebuilt, or when mail is switched on over an
	// old record, the history is not mailed out again.
	MaxAge time.Duration
	// Poll is how often an idle dispatcher looks for new notifications
	// (1 s).
	Poll time.Duration
	// RetryInitial and RetryMax bound the backoff while the transport
	// fails (1 s, 5 min).
	RetryInitial, RetryMax time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxAge == 0 {
		o.MaxAge = 72 * time.Hour
	}
	if o.Poll == 0 {
		o.Poll = time.Second
	}
	if o.RetryInitial == 0 {
		o.RetryInitial = time.Second
	}
	if o.RetryMax == 0 {
		o.RetryMax = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Dispatcher mails the notifications. It never blocks a case: it only
// reads the read model, and a failing transport only delays mail.
type Dispatcher struct {
	feed      Feed
	people    People
	transport Transport
	opt       Options

	mu     sync.Mutex
	cursor readmodel.FeedCursor

	sent, failed, skipped prometheus.Counter
}

// New builds a dispatcher.
func New(feed Feed, people People, t Transport, opt Options) *Dispatcher {
	opt.defaults()
	return &Dispatcher{feed: feed, people: people, transport: t, opt: opt,
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_mail_sent_total",
			Help: "Notification mails delivered (to the relay or the outbox)."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_mail_failed_total",
			Help: "Failed delivery attempts (each retry counts)."}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_mail_skipped_total",
			Help: "Notifications not mailed: no address, unknown recipient or refused for good."}),
	}
}

// Collectors expose the queue and the counters on /metrics.
func (d *Dispatcher) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_mail_queue",
			Help: "Notifications not yet mailed (within the age limit)."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				n, err := d.Queue(ctx)
				if err != nil {
					return -1
				}
				return float64(n)
			}),
		d.sent, d.failed, d.skipped,
	}
}

// Queue counts the notifications not handled yet.
func (d *Dispatcher) Queue(ctx context.Context) (int, error) {
	d.mu.Lock()
	cur := d.cursor
	d.mu.Unlock()
	return d.feed.CountNotificationsAfter(ctx, cur, d.since())
}

func (d *Dispatcher) since() time.Time { return d.opt.Now().Add(-d.opt.MaxAge) }

// Run mails notifications until ctx is done. It starts at the beginning of
// the feed each time: the ledger says what was mailed already.
func (d *Dispatcher) Run(ctx context.Context) error {
	for {
		d.mu.Lock()
		cur := d.cursor
		d.mu.Unlock()
		batch, err := d.feed.NotificationsAfter(ctx, cur, d.since(), 100)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			d.opt.Logger.Warn("mail: reading the notifications failed", "error", err)
			batch = nil
		}
		for _, n := range batch {
			if err := d.handle(ctx, n); err != nil {
				return nil // ctx done
			}
			d.mu.Lock()
			d.cursor = n.Cursor()
			d.mu.Unlock()
		}
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(d.opt.Poll):
			}
		}
	}
}

// handle mails one notification, retrying with backoff until it is
// delivered, refused for good, or ctx is done (the only error).
func (d *Dispatcher) handle(ctx context.Context, n readmodel.MailNote) error {
	log := d.opt.Logger.With("notification", n.ID, "case", n.CaseReference, "recipient", n.Recipient)
	u, ok := d.people.User(n.Recipient)
	if !ok || u.Email == "" {
		log.Info("mail: the recipient has no address; not mailed")
		d.skipped.Inc()
		return nil
	}
	wait := d.opt.RetryInitial
	for {
		err := d.deliver(ctx, n, u)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.failed.Inc()
		var perm *PermanentError
		if errors.As(err, &perm) {
			log.Error("mail: refused for good; not mailed", "error", err)
			d.skipped.Inc()
			return nil
		}
		log.Warn("mail: delivery failed; retrying", "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, d.opt.RetryMax)
	}
}

func (d *Dispatcher) deliver(ctx context.Context, n readmodel.MailNote, u directory.User) error {
	done, err := d.transport.Delivered(ctx, n.ID)
	if err != nil {
		return err
	}
	if done {
		return nil
	}
	m, err := Render(n, u)
	if err != nil {
		return &PermanentError{Err: err}
	}
	if err := d.transport.Deliver(ctx, n.ID, m); err != nil {
		return err
	}
	d.sent.Inc()
	d.opt.Logger.Debug("mail: delivered", "message", m.ID, "to", m.To)
	return nil
}

// Describe names the transport for logs.
func Describe(t Transport) string {
	switch t := t.(type) {
	case Outbox:
		return "outbox " + t.Dir
	case *Relay:
		return "relay " + t.client.ServerAddr()
	}
	return fmt.Sprintf("%T", t)
}
