// Package mailin is the help desk's inbound SMTP server: a message from a
// directory user's address to the help desk's address becomes an incident
// with channel email, or a reply on the case its subject names. Mail from
// unknown or unauthenticated senders (internal/mailauth: a trusted relay,
// or DKIM or SPF aligned with From), to other recipients, malformed, or
// over the size limit is refused at SMTP level, permanently (5xx) unless
// trying again may help. Attachments are stored content-addressed in a
// directory and referenced by hash from the case's events, under a
// sanitised display name. docs/MAIL.md.
package mailin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/logctx"
	"github.com/brukerhjelp/brukerhjelp/internal/mailauth"
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

// Authenticator decides whether a message's sender is authenticated;
// mailauth.Policy implements it.
type Authenticator interface {
	Check(ctx context.Context, env mailauth.Envelope, raw []byte) mailauth.Result
}

// Users finds the sender; *directory.Directory implements it.
type Users interface {
	ByEmail(addr string) (directory.User, bool)
}

// Options configure a Server.
type Options struct {
	Desk  Desk
	Users Users
	// Auth authenticates every message's sender (required): dev trusts
	// loopback, production its mail gateway and DKIM/SPF.
	Auth Authenticator
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
	if opt.Desk == nil || opt.Users == nil || opt.Auth == nil || opt.AttachmentDir == "" {
		return nil, errors.New("mailin: desk, users, authenticator and attachment dir are required")
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
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, conn: c}, nil }))
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

// refuse answers with an SMTP error. Reply text is US-ASCII (RFC 5321
// 4.2), so the bokmål is written without æ, ø and å.
func refuse(code int, enh smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: asciiReply(msg)}
}

var asciiLetters = strings.NewReplacer("æ", "ae", "ø", "o", "å", "a", "Æ", "Ae", "Ø", "O", "Å", "A", "é", "e", "–", "-")

func asciiReply(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, asciiLetters.Replace(s))
}

// session is one SMTP transaction.
type session struct {
	s        *Server
	conn     *smtp.Conn
	user     directory.User
	actor    helpdesk.Actor
	mailFrom string
	from     bool
	rcpt     bool
}

// envelope is what the connection says of the sender, for mailauth.
func (ss *session) envelope() mailauth.Envelope {
	env := mailauth.Envelope{MailFrom: ss.mailFrom}
	if ss.conn == nil {
		return env
	}
	env.Helo = ss.conn.Hostname()
	if ap, err := netip.ParseAddrPort(ss.conn.Conn().RemoteAddr().String()); err == nil {
		env.Remote = ap.Addr().Unmap()
	}
	return env
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
	ss.user, ss.actor, ss.from, ss.mailFrom = u, actor, true, strings.TrimSpace(from)
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
	ss.from, ss.rcpt, ss.user, ss.actor, ss.mailFrom = false, false, directory.User{}, helpdesk.Actor{}, ""
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
	// Every line logged of what the desk does with the mail names one
	// correlation ID, which the record's metadata keeps too.
	ctx, cancel := context.WithTimeout(logctx.With(context.Background(), uuid.NewString()), time.Minute)
	defer cancel()
	// Nobody may act in a directory user's name without proof: the
	// organisation's gateway vouched for the message, or the user's
	// domain signed it (DKIM) or sent it (SPF), aligned with From.
	auth := ss.s.opt.Auth.Check(ctx, ss.envelope(), raw)
	if !auth.Authenticated() {
		ss.s.opt.Logger.Info("mailin: unauthenticated sender refused", "from", ss.user.Username, "temporary", auth.Temporary, "reason", auth.Reason)
		if auth.Temporary {
			return refuse(451, smtp.EnhancedCode{4, 7, 0}, "Avsenderen kan ikke kontrolleres nå; prøv igjen senere / the sender cannot be verified now; try again later")
		}
		return refuse(550, smtp.EnhancedCode{5, 7, 26}, "Avsenderen er ikke autentisert: meldingen kom ikke via et godkjent relé og har verken DKIM eller SPF som stemmer med From / "+
			"the sender is not authenticated: the message did not come through a trusted relay and has no DKIM or SPF aligned with From")
	}
	subject := decodeHeader(msg.Header.Get("Subject"))
	subject = strings.Join(strings.Fields(subject), " ")
	text, atts, err := ss.s.parts(msg)
	if err != nil {
		var bad *malformedError
		if errors.As(err, &bad) {
			ss.s.opt.Logger.Info("mailin: malformed message refused", "from", ss.user.Username, "error", err)
			return refuse(554, smtp.EnhancedCode{5, 6, 0}, "Meldingen kan ikke leses ("+bad.what+") / malformed message ("+bad.what+")")
		}
		ss.s.opt.Logger.Warn("mailin: message not read", "error", err)
		return refuse(451, smtp.EnhancedCode{4, 3, 0}, "Prøv igjen senere / try again later")
	}
	id := strings.TrimSpace(msg.Header.Get("Message-Id"))
	if id == "" {
		sum := sha256.Sum256(raw)
		id = hex.EncodeToString(sum[:])
	}
	m := desk.Mail{MessageID: id, Subject: subject, Body: strings.TrimSpace(text), Attachments: atts, Auth: auth.String(),
		Header: msg.Header.Get("Message-Id")}
	log := ss.s.opt.Logger.With("from", ss.user.Username, "message", id, "auth", auth.String())
	if ref := reference(subject); ref != "" {
		c, err := ss.s.opt.Desk.ReplyByMail(ctx, ss.actor, ref, m)
		if err == nil {
			log.Info("mailin: added to the case", "case", c.Reference)
			return nil
		}
		if !desk.IsKind(err, desk.NotFound) {
			return refusal(log, "reply", err)
		}
		// Not a case the sender may act on: the mail opens a new one.
	}
	c, err := ss.s.opt.Desk.OpenCaseByMail(ctx, ss.actor, m)
	if err != nil {
		return refusal(log, "open a case", err)
	}
	log.Info("mailin: case created", "case", c.Reference)
	return nil
}

// refusal answers a mail the desk did not take: what the policy refuses
// is permanent (5.7.1, the text says why), and so is text that breaks a
// rule (5.6.0: invalid UTF-8, control characters, too long; sending it
// again cannot help); a busy engine or a failure is temporary, so the
// sender's server tries again.
func refusal(log *slog.Logger, what string, err error) error {
	e, ok := desk.AsError(err)
	switch {
	case ok && (e.Kind == desk.Forbidden || e.Kind == desk.Unauthenticated):
		log.Info("mailin: refused by the policy", "what", what, "reason", e.English)
		return refuse(550, smtp.EnhancedCode{5, 7, 1}, e.Message+" / "+e.English)
	case ok && (e.Kind == desk.Invalid || e.Kind == desk.Conflict || e.Kind == desk.NotFound):
		return refuse(550, smtp.EnhancedCode{5, 6, 0}, e.Message+" / "+e.English)
	}
	log.Error("mailin: mail not taken", "what", what, "error", err)
	return refuse(451, smtp.EnhancedCode{4, 3, 0}, "Prøv igjen senere / try again later")
}

var refPattern = regexp.MustCompile(`BH-\d{4}-\d{6}`)

// reference finds a case reference in a subject ("Re: BH-2026-000042: …").
func reference(subject string) string {
	return refPattern.FindString(strings.ToUpper(subject))
}

// malformedError is a message that does not follow MIME: sending it
// again cannot help, so it is refused for good (554 5.6.0).
type malformedError struct {
	what string
	err  error
}

func (e *malformedError) Error() string {
	return "mailin: malformed message: " + e.what + ": " + e.err.Error()
}
func (e *malformedError) Unwrap() error { return e.err }

func malformed(what string, err error) error { return &malformedError{what: what, err: err} }

// decodingReader marks read errors of a part's body (bad base64 or
// quoted-printable, a broken multipart) as malformed: the message is in
// memory, so reading it fails only when its encoding is wrong.
type decodingReader struct{ r io.Reader }

func (d decodingReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		var bad *malformedError
		if !errors.As(err, &bad) {
			err = malformed("body encoding", err)
		}
	}
	return n, err
}

// maxDepth bounds how deep multiparts nest (each level is read into
// memory to find its end; real mail nests three or four deep).
const maxDepth = 8

// charsetReader decodes a charset MIME names (ISO-8859-1, Windows-1252,
// UTF-8 …) to UTF-8.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil // 8-bit bytes under us-ascii are taken as UTF-8, as mail clients do
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(r), nil
}

// decodeHeader decodes RFC 2047 encoded words in any charset; a header
// that does not decode is kept as it came (the text rules judge it).
func decodeHeader(v string) string {
	d := mime.WordDecoder{CharsetReader: charsetReader}
	if out, err := d.DecodeHeader(v); err == nil {
		return out
	}
	return v
}

// parts reads the text body and stores the attachments. A message that
// breaks MIME is a *malformedError; anything else (storing a file) may
// pass on a retry.
func (s *Server) parts(msg *mail.Message) (string, []helpdesk.Attachment, error) {
	var (
		text string
		atts []helpdesk.Attachment
	)
	var walk func(h map[string][]string, body io.Reader, depth int) error
	walk = func(h map[string][]string, body io.Reader, depth int) error {
		if depth > maxDepth {
			return malformed("multiparts nested too deep", fmt.Errorf("over %d levels", maxDepth))
		}
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		ct, params, err := mime.ParseMediaType(get("Content-Type"))
		if err != nil {
			// RFC 2045 5.2: an unreadable Content-Type is text/plain.
			ct, params = "text/plain", map[string]string{}
		}
		body = decodingReader{decodeTransfer(get("Content-Transfer-Encoding"), body)}
		if strings.HasPrefix(ct, "multipart/") {
			boundary := params["boundary"]
			if boundary == "" {
				return malformed("multipart without a boundary", errors.New("no boundary parameter"))
			}
			// A multipart ends with its closing delimiter; without it the
			// message was cut short, and the reader would end quietly.
			b, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			if !bytes.Contains(b, []byte("--"+boundary+"--")) {
				return malformed("multipart without its closing boundary", errors.New("no --"+boundary+"--"))
			}
			mr := multipart.NewReader(bytes.NewReader(b), boundary)
			for {
				p, err := mr.NextRawPart()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return malformed("broken multipart", err)
				}
				if err := walk(p.Header, p, depth+1); err != nil {
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
			r, err := charsetReader(params["charset"], body)
			if err != nil {
				return malformed("text part", err)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				var bad *malformedError
				if errors.As(err, &bad) {
					return err
				}
				return malformed("text part", err)
			}
			text = string(b)
			return nil
		}
		if disp == "attachment" || name != "" {
			a, err := (attachments.Store{Dir: s.opt.AttachmentDir}).Put(body, decodeHeader(name), ct)
			if err != nil {
				return err
			}
			atts = append(atts, a)
		}
		return nil
	}
	if err := walk(msg.Header, msg.Body, 0); err != nil {
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
