// Package mailin is the help desk's inbound SMTP server: a message from a
// directory user's address to the help desk's address becomes an incident
// with channel email, or a reply on the case its subject names. Mail from
// unknown senders, to other recipients, or over the size limit is refused
// at SMTP level. Attachments are stored content-addressed in a directory
// and referenced by hash from the case's events. docs/MAIL.md.
package mailin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
)

// MaxMessageBytes is the largest message accepted (10 MiB).
const MaxMessageBytes = 10 << 20

// Desk is the application layer a mail goes to, under the same policy as
// every other door; *desk.Desk implements it.
type Desk interface {
	Actor(ctx context.Context, u directory.User) (helpdesk.Actor, error)
	OpenCaseByMail(ctx context.Context, actor helpdesk.Actor, m desk.Mail) (helpdesk.Case, error)
	ReplyByMail(ctx context.Context, actor helpdesk.Actor, ref string, m desk.Mail) (helpdesk.Case, error)
}

// Users finds the sender; *directory.Directory implements it.
type Users interface {
	ByEmail(addr string) (directory.User, bool)
}

// Options configure a Server.
type Options struct {
	Desk  Desk
	Users Users
	// AttachmentDir holds attachments by their SHA-256
	// (<data-dir>/attachments).
	AttachmentDir string
	// Address is the help desk's (directory.HelpDeskAddress).
	Address string
	// MaxMessageBytes defaults to MaxMessageBytes.
	MaxMessageBytes int64
	Logger          *slog.Logger
}

// Server is the inbound SMTP server.
type Server struct {
	opt Options
	srv *smtp.Server
}

// New builds the server; Serve starts it.
func New(opt Options) (*Server, error) {
	if opt.Desk == nil || opt.Users == nil || opt.AttachmentDir == "" {
		return nil, errors.New("mailin: desk, users and attachment dir are required")
	}
	if opt.Address == "" {
		opt.Address = directory.HelpDeskAddress
	}
	if opt.MaxMessageBytes == 0 {
		opt.MaxMessageBytes = MaxMessageBytes
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Server{opt: opt}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = directory.MailDomain
	s.srv.MaxMessageBytes = opt.MaxMessageBytes
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	return s, nil
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

func refuse(code int, enh smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

// session is one SMTP transaction.
type session struct {
	s     *Server
	user  directory.User
	actor helpdesk.Actor
	from  bool
	rcpt  bool
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	u, ok := ss.s.opt.Users.ByEmail(strings.ToLower(strings.TrimSpace(from)))
	if !ok {
		ss.s.opt.Logger.Info("mailin: unknown sender refused", "from", from)
		return refuse(550, smtp.EnhancedCode{5, 7, 1}, "Ukjent avsender / unknown sender")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	actor, err := ss.s.opt.Desk.Actor(ctx, u)
	if desk.IsKind(err, desk.Unauthenticated) {
		ss.s.opt.Logger.Info("mailin: disabled account refused", "from", u.Username)
		return refuse(550, smtp.EnhancedCode{5, 7, 1}, "Kontoen er deaktivert / the account is disabled")
	}
	if err != nil {
		ss.s.opt.Logger.Error("mailin: sender not looked up", "from", u.Username, "error", err)
		return refuse(451, smtp.EnhancedCode{4, 3, 0}, "Prøv igjen senere / try again later")
	}
	ss.user, ss.actor, ss.from = u, actor, true
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !strings.EqualFold(strings.TrimSpace(to), ss.s.opt.Address) {
		return refuse(550, smtp.EnhancedCode{5, 1, 1}, "Ingen slik mottaker / no such recipient")
	}
	ss.rcpt = true
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.rcpt, ss.user, ss.actor = false, false, directory.User{}, helpdesk.Actor{}
}
func (ss *session) Logout() error { return nil }

func (ss *session) Data(r io.Reader) error {
	if !ss.from || !ss.rcpt {
		return refuse(503, smtp.EnhancedCode{5, 5, 1}, "MAIL and RCPT first")
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // ErrDataTooLarge: 552
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return refuse(550, smtp.EnhancedCode{5, 6, 0}, "Meldingen kan ikke leses / malformed message")
	}
	// The header's sender must be the envelope's: no mail in someone
	// else's name.
	if from, err := mail.ParseAddress(msg.Header.Get("From")); err != nil || !strings.EqualFold(from.Address, ss.user.Email) {
		return refuse(550, smtp.EnhancedCode{5, 7, 1}, "From stemmer ikke med avsenderen / From does not match the sender")
	}
	if a := strings.ToLower(msg.Header.Get("Auto-Submitted")); a != "" && a != "no" {
		// Out-of-office replies to our own mail would loop.
		return refuse(550, smtp.EnhancedCode{5, 7, 1}, "Automatiske svar tas ikke imot / auto-submitted mail is not accepted")
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	subject = strings.Join(strings.Fields(subject), " ")
	text, atts, err := ss.s.parts(msg)
	if err != nil {
		ss.s.opt.Logger.Warn("mailin: message not read", "error", err)
		return refuse(451, smtp.EnhancedCode{4, 3, 0}, "Prøv igjen senere / try again later")
	}
	id := strings.TrimSpace(msg.Header.Get("Message-Id"))
	if id == "" {
		sum := sha256.Sum256(raw)
		id = hex.EncodeToString(sum[:])
	}
	m := desk.Mail{MessageID: id, Subject: subject, Body: strings.TrimSpace(text), Attachments: atts}
	ctx, cancel := context.WithTimeout(logctx.With(context.Background(), uuid.NewString()), time.Minute)
	defer cancel()
	log := ss.s.opt.Logger.With("from", ss.user.Username, "message", id)
	if ref := reference(subject); ref != "" {
		c, err := ss.s.opt.Desk.ReplyByMail(ctx, ss.actor, ref, m)
		if err == nil {
			log.Info("mailin: added to the case", "case", c.Reference)
			return nil
		}
		if !desk.IsKind(err, desk.NotFound) {
			return ss.refusal(log, "reply", err)
		}
		// Not a case the sender may act on: the mail opens a new one.
	}
	c, err := ss.s.opt.Desk.OpenCaseByMail(ctx, ss.actor, m)
	if err != nil {
		return ss.refusal(log, "open a case", err)
	}
	log.Info("mailin: case created", "case", c.Reference)
	return nil
}

// refusal answers a mail the desk did not take: what the policy refuses
// is permanent (5.7.1, the text says why), bad content too (5.6.0); a
// busy engine or a failure is temporary, so the sender's server retries.
func (ss *session) refusal(log *slog.Logger, what string, err error) error {
	e, ok := desk.AsError(err)
	switch {
	case ok && (e.Kind == desk.Forbidden || e.Kind == desk.Unauthenticated):
		log.Info("mailin: refused by the policy", "what", what, "reason", e.English)
		return refuse(550, smtp.EnhancedCode{5, 7, 1}, e.Message+" / "+e.English)
	case ok && (e.Kind == desk.Invalid || e.Kind == desk.Conflict || e.Kind == desk.NotFound):
		return refuse(550, smtp.EnhancedCode{5, 6, 0}, e.English)
	}
	log.Error("mailin: mail not taken", "what", what, "error", err)
	return refuse(451, smtp.EnhancedCode{4, 3, 0}, "Prøv igjen senere / try again later")
}

var refPattern = regexp.MustCompile(`BH-\d{4}-\d{6}`)

// reference finds a case reference in a subject ("Re: BH-2026-000042: …").
func reference(subject string) string {
	return refPattern.FindString(strings.ToUpper(subject))
}

// parts reads the text body and stores the attachments.
func (s *Server) parts(msg *mail.Message) (string, []helpdesk.Attachment, error) {
	var (
		text string
		atts []helpdesk.Attachment
	)
	var walk func(h map[string][]string, body io.Reader) error
	walk = func(h map[string][]string, body io.Reader) error {
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		ct, params, err := mime.ParseMediaType(get("Content-Type"))
		if err != nil {
			ct, params = "text/plain", map[string]string{}
		}
		body = decodeTransfer(get("Content-Transfer-Encoding"), body)
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return nil // a broken part ends the walk; keep what we have
				}
				if err := walk(p.Header, p); err != nil {
					return err
				}
			}
		}
		disp, dparams, _ := mime.ParseMediaType(get("Content-Disposition"))
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		if ct == "text/plain" && disp != "attachment" && text == "" {
			b, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			text = string(b)
			return nil
		}
		if disp == "attachment" || name != "" {
			a, err := (attachments.Store{Dir: s.opt.AttachmentDir}).Put(body, name, ct)
			if err != nil {
				return err
			}
			atts = append(atts, a)
		}
		return nil
	}
	if err := walk(msg.Header, msg.Body); err != nil {
		return "", nil, err
	}
	return text, atts, nil
}

func decodeTransfer(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64Reader(r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}
