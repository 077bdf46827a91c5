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
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
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

// Events reads the record the notifications were made from;
// eventstore.Store implements it.
type Events interface {
	ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error)
}

// Options tune a Dispatcher; zero values mean the defaults.
type Options struct {
	Logger *slog.Logger
	// Events is the record: the mail of a question, a resolution and a
	// receipt says what the event behind it says (the question, the
	// resolution) and threads a receipt under the user's own mail. nil
	// mails the titles only.
	Events Events
	// MaxAge: notifications older than this are never mailed (3 days).
	// After the read model is rebuilt, or when mail is switched on over an
	// old record, the history is not mailed out again.
	MaxAge time.Duration
	// Poll is how often an idle dispatcher looks for new notifications
	// (1 s).
	Poll time.Duration
	// RetryInitial and RetryMax bound one message's backoff while its
	// delivery fails for a reason that may pass (1 s doubling, 5 min).
	RetryInitial, RetryMax time.Duration
	// DeadAfter: a message still failing this long after its first
	// failure is given up as a dead letter (24 h).
	DeadAfter time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time
	// PagesURL is where users reach the web pages
	// (https://brukerhjelp.fylke.no): mail links to the page to act on.
	// Empty leaves the links out.
	PagesURL string
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
	if o.DeadAfter == 0 {
		o.DeadAfter = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// maxDeadLetters bounds the dead letters a dispatcher keeps in memory for
// DeadLetters (the transport's ledger keeps them all).
const maxDeadLetters = 1000

// retry is a message waiting for another attempt.
type retry struct {
	note     readmodel.MailNote
	user     directory.User
	attempts int
	first    time.Time // the first failure
	next     time.Time
	wait     time.Duration
	lastErr  error
}

// Dispatcher mails the notifications. It never blocks a case: it only
// reads the read model. And one message never blocks the others: each
// failing message waits for its own next attempt (per-message backoff)
// while the rest go on, and is given up as a dead letter when it is
// refused for good or fails for longer than DeadAfter.
type Dispatcher struct {
	feed      Feed
	people    People
	transport Transport
	opt       Options

	mu      sync.Mutex
	cursor  readmodel.FeedCursor
	retries []*retry // in the feed's order
	dead    []DeadLetter

	sent, failed, skipped, deadLetters prometheus.Counter
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
			Help: "Notifications not mailed: the recipient is unknown or has no address."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "brukerhjelp_mail_dead_letters_total",
			Help: "Mails given up: refused for good by the relay, or failing for longer than the dead-letter limit."}),
	}
}

// Collectors expose the queue and the counters on /metrics: the queue,
// sent, failed, skipped, dead letters, and the messages waiting to be
// tried again.
func (d *Dispatcher) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_mail_queue",
			Help: "Notifications not yet mailed (within the age limit), those waiting for a retry included."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				n, err := d.Queue(ctx)
				if err != nil {
					return -1
				}
				return float64(n)
			}),
		d.sent, d.failed, d.skipped, d.deadLetters,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "brukerhjelp_mail_retrying",
			Help: "Mails that failed and wait for their next attempt."},
			func() float64 {
				d.mu.Lock()
				defer d.mu.Unlock()
				return float64(len(d.retries))
			}),
	}
}

// Queue counts the notifications not handled yet: those after the cursor
// and those waiting for a retry.
func (d *Dispatcher) Queue(ctx context.Context) (int, error) {
	d.mu.Lock()
	cur, waiting := d.cursor, len(d.retries)
	d.mu.Unlock()
	n, err := d.feed.CountNotificationsAfter(ctx, cur, d.since())
	return n + waiting, err
}

// DeadLetters lists the mails this dispatcher gave up since it started,
// oldest first (at most the last 1000; the transport's ledger has all:
// MailDeadLettered events in the mail-<notification-id> streams, or
// <outbox>/dead/).
func (d *Dispatcher) DeadLetters() []DeadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DeadLetter(nil), d.dead...)
}

func (d *Dispatcher) since() time.Time { return d.opt.Now().Add(-d.opt.MaxAge) }

// Run mails notifications until ctx is done. It starts at the beginning of
// the feed each time: the ledger says what was mailed (or given up)
// already. Each new notification is tried once as it comes; one that
// fails waits for its own retry while the feed moves on.
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
			d.first(ctx, n)
			if ctx.Err() != nil {
				return nil
			}
			d.mu.Lock()
			d.cursor = n.Cursor()
			d.mu.Unlock()
		}
		next := d.retryDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if len(batch) == 0 {
			wait := d.opt.Poll
			if !next.IsZero() {
				wait = min(wait, max(next.Sub(d.opt.Now()), time.Millisecond))
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
	}
}

// first tries a new notification once.
func (d *Dispatcher) first(ctx context.Context, n readmodel.MailNote) {
	u, ok := d.people.User(n.Recipient)
	if !ok || u.Email == "" {
		d.log(n).Info("mail: the recipient has no address; not mailed")
		d.skipped.Inc()
		return
	}
	d.attempt(ctx, &retry{note: n, user: u})
}

// attempt delivers r's message once and decides what follows: done, a
// dead letter, or another attempt later. It reports whether r waits for
// another attempt.
func (d *Dispatcher) attempt(ctx context.Context, r *retry) bool {
	err := d.deliver(ctx, r.note, r.user)
	if err == nil || ctx.Err() != nil {
		return false
	}
	d.failed.Inc()
	now := d.opt.Now()
	r.attempts++
	r.lastErr = err
	if r.first.IsZero() {
		r.first, r.wait = now, d.opt.RetryInitial
	}
	log := d.log(r.note)
	var perm *PermanentError
	switch {
	case errors.As(err, &perm):
		d.bury(ctx, r, "refused for good: "+err.Error())
		return false
	case now.Sub(r.first) >= d.opt.DeadAfter:
		d.bury(ctx, r, fmt.Sprintf("still failing after %s: %v", now.Sub(r.first).Round(time.Second), err))
		return false
	case r.note.CreatedAt.Before(d.since()):
		d.bury(ctx, r, "older than the age limit: "+err.Error())
		return false
	}
	r.next = now.Add(r.wait)
	log.Warn("mail: delivery failed; trying this message again later, the others go on", "error", err, "attempt", r.attempts, "in", r.wait)
	r.wait = min(2*r.wait, d.opt.RetryMax)
	if r.attempts == 1 {
		d.mu.Lock()
		d.retries = append(d.retries, r)
		d.mu.Unlock()
	}
	return true
}

// retryDue makes another attempt at every message whose time has come and
// returns when the next one is due (zero when none waits).
func (d *Dispatcher) retryDue(ctx context.Context) time.Time {
	d.mu.Lock()
	due := append([]*retry(nil), d.retries...)
	d.mu.Unlock()
	var next time.Time
	for _, r := range due {
		if ctx.Err() != nil {
			return time.Time{}
		}
		if r.next.After(d.opt.Now()) {
			if next.IsZero() || r.next.Before(next) {
				next = r.next
			}
			continue
		}
		if d.attempt(ctx, r) {
			if next.IsZero() || r.next.Before(next) {
				next = r.next
			}
			continue
		}
		if ctx.Err() != nil {
			return time.Time{}
		}
		d.mu.Lock()
		d.retries = slices.DeleteFunc(d.retries, func(x *retry) bool { return x == r })
		d.mu.Unlock()
	}
	return next
}

// bury gives a message up: counted, logged for the operator at error
// level, kept in DeadLetters and recorded in the transport's ledger so a
// restart does not try it again.
func (d *Dispatcher) bury(ctx context.Context, r *retry, reason string) {
	dl := DeadLetter{NotificationID: r.note.ID, MessageID: MessageID(r.note.ID), CaseReference: r.note.CaseReference,
		Recipient: r.note.Recipient, Reason: reason, Attempts: r.attempts, FirstFailure: r.first, At: d.opt.Now()}
	d.deadLetters.Inc()
	d.log(r.note).Error("mail: dead letter: given up, not mailed", "reason", reason, "attempts", r.attempts)
	if dler, ok := d.transport.(DeadLetterer); ok {
		if err := dler.DeadLetter(ctx, dl); err != nil {
			d.log(r.note).Error("mail: the dead letter was not recorded; it is tried again after a restart", "error", err)
		}
	}
	d.mu.Lock()
	d.dead = append(d.dead, dl)
	if len(d.dead) > maxDeadLetters {
		d.dead = d.dead[len(d.dead)-maxDeadLetters:]
	}
	d.mu.Unlock()
}

func (d *Dispatcher) log(n readmodel.MailNote) *slog.Logger {
	return d.opt.Logger.With("notification", n.ID, "case", n.CaseReference, "recipient", n.Recipient)
}

func (d *Dispatcher) deliver(ctx context.Context, n readmodel.MailNote, u directory.User) error {
	done, err := d.transport.Delivered(ctx, n.ID)
	if err != nil {
		return err
	}
	if done {
		return nil
	}
	detail, err := d.detail(ctx, n)
	if err != nil {
		return err // the record may answer on the next attempt
	}
	m, err := Render(n, u, detail, d.opt.PagesURL)
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
		return "relay " + t.url
	}
	return fmt.Sprintf("%T", t)
}

// Kinds of notification whose mail says more than the title (the
// projection's NoteInfoRequested, NoteCaseResolved, NoteCaseReceived).
const (
	kindInfoRequested = "info-requested"
	kindCaseResolved  = "case-resolved"
	kindCaseReceived  = "case-received"
)

// detail reads the event behind n from the record, at its position, for
// the kinds whose mail quotes it.
func (d *Dispatcher) detail(ctx context.Context, n readmodel.MailNote) (Detail, error) {
	if d.opt.Events == nil || n.Position == 0 || (n.Kind != kindInfoRequested && n.Kind != kindCaseResolved && n.Kind != kindCaseReceived) {
		return Detail{}, nil
	}
	evs, err := d.opt.Events.ReadAll(ctx, n.Position-1, 1, eventstore.Filter{})
	if err != nil {
		return Detail{}, fmt.Errorf("mail: read the event of %s: %w", n.ID, err)
	}
	if len(evs) == 0 || evs[0].ID.String() != n.EventID {
		return Detail{}, nil // not where the notification says: mail the title
	}
	ev, err := helpdesk.DecodeEvent(evs[0].Type, evs[0].Data)
	if err != nil {
		return Detail{}, nil
	}
	switch e := ev.(type) {
	case helpdesk.InfoRequested:
		return Detail{Label: "Spørsmålet", LabelEn: "The question", Text: e.Question}, nil
	case helpdesk.CaseResolved:
		return Detail{Label: "Løsningen", LabelEn: "The resolution", Text: e.Resolution}, nil
	case helpdesk.CaseOpened:
		if e.Channel == helpdesk.ChannelEmail {
			return Detail{InReplyTo: e.MailMessageID}, nil
		}
	}
	return Detail{}, nil
}
