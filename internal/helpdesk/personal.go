package helpdesk

import (
	"slices"
	"strings"
	"time"
)

// Personal data in the record (docs/PRIVACY.md). Each event type declares,
// next to its registration, which of its fields hold personal data: the
// paths of string fields in its JSON ("title", "attachments[].name",
// "request.employee.givenName"). The record encrypts exactly those with
// the data key of the stream's scope (KeyScope) and can destroy that key
// (crypto-shredding): the event stays, its hash chain verifies, and the
// field reads as Erased.
//
// What is declared: names, free text (titles, descriptions, comments,
// questions, replies, resolutions, reasons, justifications, task comments
// and output, order line descriptions, job titles) and attachments' names
// and content hashes (a hash names a file, and the file is the person's).
// What is not: usernames (reporter, actor, assignee, approver, employee),
// which are the identifiers the record is authorised and audited by, and
// codes, dates, amounts, statuses and the catalogue's items.

// Erased is what a personal field reads as once its key is destroyed. It
// is bokmål, as the record's own texts are; pages in English show
// ErasedEnglish instead (web: view.Shown).
const Erased = "[slettet]"

// ErasedEnglish is Erased as the English pages show it.
const ErasedEnglish = "[erased]"

// IsErased reports whether a field's value is the erased marker.
func IsErased(s string) bool { return s == Erased }

// Unreadable is what a personal field reads as when its ciphertext does
// not decrypt with its key: someone changed the stored event (the hash
// chain says where). The rest of the case still reads.
const Unreadable = "[uleselig]"

// UnreadableEnglish is Unreadable as the English pages show it.
const UnreadableEnglish = "[unreadable]"

// personal holds every event type's declared personal fields; a type
// registered without a declaration is a programming error that
// TestEveryEventTypeDeclaresItsPersonalData catches.
var personal = map[string][]string{}

// declarePersonal names event type E's personal fields (none: no personal
// data). Paths are JSON field names joined by dots; "[]" after a name
// means every element of that array.
func declarePersonal[E Event](paths ...string) {
	var zero E
	if _, dup := personal[zero.EventType()]; dup {
		panic("helpdesk: personal fields of " + zero.EventType() + " declared twice")
	}
	personal[zero.EventType()] = paths
}

// PersonalFields returns the declared personal fields of an event type;
// known is false for a type the domain does not know (its data is then
// stored as it is).
func PersonalFields(eventType string) (paths []string, known bool) {
	p, ok := personal[eventType]
	return slices.Clone(p), ok
}

// EventTypes lists every event type the domain decodes, sorted.
func EventTypes() []string {
	out := make([]string, 0, len(decoders))
	for t := range decoders {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// KeyScope is whose data key encrypts the personal fields of a stream's
// events: a case's stream has the case's key, a person's stream the
// person's, and a case's legal hold (LegalHoldStream) shares the case's,
// so erasing the case erases what the hold says of it too.
func KeyScope(stream string) string {
	if id, ok := strings.CutPrefix(stream, legalHoldPrefix); ok {
		return Stream(id)
	}
	return stream
}

// PersonalDataErased: a case's personal data was erased — its data key
// destroyed — under a retention rule or at the data protection officer's
// request. It is itself on the record, so the auditor sees what went,
// why and under which rule; it holds no personal data.
type PersonalDataErased struct {
	// Rule is the retention rule's ID (RetentionRule.ID), or RuleRequest.
	Rule string `json:"rule"`
	// Basis says why, in bokmål and English.
	Basis   string `json:"basis"`
	BasisEn string `json:"basisEn"`
	// By is who decided: the data protection officer, or the help desk
	// itself (retention).
	By string `json:"by"`
	// Fields are what was erased: event type and field ("CommentAdded.body").
	Fields []string `json:"fields"`
	// Events is how many of the case's events held personal data.
	Events int `json:"events"`
	// Keys are the data keys destroyed.
	Keys []string `json:"keys"`
	// Unencrypted counts events recorded before the record encrypted
	// personal data: they cannot be erased without changing the record.
	Unencrypted int `json:"unencrypted,omitempty"`
}

// RuleRequest is the rule of an erasure the data protection officer
// carried out on a person's request (GDPR art. 17).
const RuleRequest = "request"

// Erasure is what a case shows of its erasure.
type Erasure struct {
	At      time.Time `json:"at"`
	Rule    string    `json:"rule"`
	Basis   string    `json:"basis"`
	BasisEn string    `json:"basisEn"`
	By      string    `json:"by"`
}

// Legal holds keep a case's personal data past its retention: the data
// protection officer sets one (a dispute, a complaint, an inquiry) and
// lifts it. A hold has a stream of its own, LegalHoldStream, because the
// case's stream has one writer while the case runs: its workflow.
const legalHoldPrefix = "legalhold-"

// LegalHoldStream is the stream of a case's legal holds.
func LegalHoldStream(caseID string) string { return legalHoldPrefix + caseID }

// LegalHoldSet: the case's personal data is kept until the hold is lifted.
type LegalHoldSet struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference"`
	Reason    string `json:"reason"`
}

// LegalHoldLifted: the hold ended; retention applies again.
type LegalHoldLifted struct {
	CaseID string `json:"caseId"`
	Reason string `json:"reason"`
}

func (PersonalDataErased) EventType() string { return "PersonalDataErased" }
func (LegalHoldSet) EventType() string       { return "LegalHoldSet" }
func (LegalHoldLifted) EventType() string    { return "LegalHoldLifted" }

func init() {
	register[PersonalDataErased]()
	register[LegalHoldSet]()
	register[LegalHoldLifted]()
	declarePersonal[PersonalDataErased]()
	declarePersonal[LegalHoldSet]("reason")
	declarePersonal[LegalHoldLifted]("reason")
}

// MaxHoldReason is the longest reason a hold may give.
const MaxHoldReason = 2000

// LegalHold is a case's hold as folded from its stream.
type LegalHold struct {
	Active bool      `json:"active"`
	Reason string    `json:"reason,omitempty"`
	SetBy  string    `json:"setBy,omitempty"`
	SetAt  time.Time `json:"setAt,omitzero"`
	// LiftedBy, LiftedAt: the last hold lifted, when no hold is active.
	LiftedBy string    `json:"liftedBy,omitempty"`
	LiftedAt time.Time `json:"liftedAt,omitzero"`
	// Revision is the hold stream's last revision; -1 before any hold.
	Revision int64 `json:"revision"`
}

// NoLegalHold is the hold of a case that never had one.
func NoLegalHold() LegalHold { return LegalHold{Revision: -1} }

// Apply folds one event of a hold stream.
func (h *LegalHold) Apply(e Event, m Metadata, revision int64) {
	switch e := e.(type) {
	case LegalHoldSet:
		h.Active, h.Reason, h.SetBy, h.SetAt = true, e.Reason, m.Actor, m.OccurredAt
		h.LiftedBy, h.LiftedAt = "", time.Time{}
	case LegalHoldLifted:
		h.Active, h.LiftedBy, h.LiftedAt = false, m.Actor, m.OccurredAt
	}
	h.Revision = revision
}

// SetHold decides setting a hold with reason on a case: a reason is
// required, and a hold already active is not set twice.
func (h LegalHold) SetHold(c Case, reason string) (LegalHoldSet, error) {
	if err := text("reason", &reason, MaxHoldReason, true); err != nil {
		return LegalHoldSet{}, err
	}
	if h.Active {
		return LegalHoldSet{}, conflict("saken har allerede rettslig hold", "the case is already under legal hold")
	}
	if c.Erasure != nil {
		return LegalHoldSet{}, conflict("personopplysningene i saken er allerede slettet", "the case's personal data has already been erased")
	}
	return LegalHoldSet{CaseID: c.ID, Reference: c.Reference, Reason: reason}, nil
}

// LiftHold decides lifting the active hold.
func (h LegalHold) LiftHold(c Case, reason string) (LegalHoldLifted, error) {
	if err := text("reason", &reason, MaxHoldReason, true); err != nil {
		return LegalHoldLifted{}, err
	}
	if !h.Active {
		return LegalHoldLifted{}, conflict("saken har ikke rettslig hold", "the case is not under legal hold")
	}
	return LegalHoldLifted{CaseID: c.ID, Reason: reason}, nil
}
