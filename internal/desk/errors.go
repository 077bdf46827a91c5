package desk

import (
	"errors"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Kind says why the desk refused, so each door can answer in its own way
// (the JSON API with a status, mail with an SMTP code, a page with the
// form re-rendered).
type Kind string

// Kinds of refusal.
const (
	// Invalid input; Field names it (400).
	Invalid Kind = "invalid"
	// Forbidden: not for this actor (403).
	Forbidden Kind = "forbidden"
	// NotFound: no such thing, or one the actor may not see (404).
	NotFound Kind = "not-found"
	// Conflict: not allowed in the current state, or a concurrent change
	// won (409).
	Conflict Kind = "conflict"
	// Busy: the case engine did not answer in time; trying again may
	// work (503).
	Busy Kind = "busy"
	// Unavailable: a part the query needs is not there (no read model), or
	// a read could not be put on the record (503).
	Unavailable Kind = "unavailable"
	// Unauthenticated: the account may not act at all (disabled by a
	// departure) (401).
	Unauthenticated Kind = "unauthenticated"
)

// Error is a refusal, with its text in bokmål and English. Any other error
// a desk method returns is an internal failure, which the door logs and
// answers without details.
type Error struct {
	Kind    Kind
	Field   string // the offending input field, if any
	Message string // bokmål
	English string
}

func (e *Error) Error() string { return string(e.Kind) + ": " + e.English }

// Text is the message in the user's language.
func (e *Error) Text(english bool) string {
	if english {
		return e.English
	}
	return e.Message
}

// AsError finds the desk's refusal in err.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsKind reports whether err is a refusal of kind k.
func IsKind(err error, k Kind) bool {
	e, ok := AsError(err)
	return ok && e.Kind == k
}

func refuse(k Kind, field, no, en string) *Error {
	return &Error{Kind: k, Field: field, Message: no, English: en}
}

func invalid(field, no, en string) *Error { return refuse(Invalid, field, no, en) }

func notFound(no, en string) *Error { return refuse(NotFound, "", no, en) }

var (
	errNoCase         = notFound("saken finnes ikke", "no such case")
	errNoTask         = notFound("oppgaven finnes ikke", "no such task")
	errNoAnnouncement = notFound("meldingen finnes ikke", "no such announcement")
	errFinishedCase   = refuse(Conflict, "", "saken er avsluttet, og steget er ikke tillatt", "the case is finished; the step is not allowed")
	errBusy           = refuse(Busy, "", "saksmotoren svarte ikke i tide; prøv igjen", "the case engine did not answer in time; try again")
	errIdempotency    = refuse(Conflict, "Idempotency-Key",
		"Idempotency-Key er allerede brukt med et annet innhold", "Idempotency-Key was already used with a different body")
)

// fromDomain turns the domain's refusal of a step into the desk's; other
// errors pass unchanged.
func fromDomain(err error) error {
	se, ok := helpdesk.AsStepError(err)
	if !ok {
		return err
	}
	k := map[helpdesk.ErrorCode]Kind{
		helpdesk.CodeConflict:  Conflict,
		helpdesk.CodeForbidden: Forbidden,
		helpdesk.CodeInvalid:   Invalid,
	}[se.Code]
	if k == "" {
		k = Invalid
	}
	return refuse(k, se.Field, se.Message, se.English)
}
