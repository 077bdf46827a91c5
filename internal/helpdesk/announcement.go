package helpdesk

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/brukerhjelp/brukerhjelp/internal/usertext"
)

// Announcements are operations' notices about planned maintenance and
// unplanned outages. Each runs as its own workflow with its own stream
// (AnnouncementStream); new cases can be linked to an active outage, and
// resolving the outage resolves them (DESIGN.md, "Outages").

// AnnouncementKind is what an announcement is about.
type AnnouncementKind string

// Kinds of announcement.
const (
	// AnnouncementMaintenance is planned: it has a window, is reminded
	// one service day before it starts, and ends by itself.
	AnnouncementMaintenance AnnouncementKind = "maintenance"
	// AnnouncementOutage is unplanned: active from its start until
	// operations resolve it; cases may be linked to it.
	AnnouncementOutage AnnouncementKind = "outage"
)

// AnnouncementStatus is where an announcement is in its life.
type AnnouncementStatus string

// Announcement statuses.
const (
	// AnnouncementScheduled ("published"): told, not yet in effect (startsAt ahead).
	AnnouncementScheduled AnnouncementStatus = "published"
	// AnnouncementActive: in effect now.
	AnnouncementActive AnnouncementStatus = "active"
	// AnnouncementDone: the maintenance window has ended.
	AnnouncementDone AnnouncementStatus = "done"
	// AnnouncementResolved: operations resolved the outage.
	AnnouncementResolved AnnouncementStatus = "resolved"
)

// Field limits of announcements, in characters.
const (
	MaxAnnouncementBody = 10000
	MaxServices         = 20
	MaxServiceName      = 100
)

// AnnouncementRequest is what operations post. Title and Body are in
// bokmål; TitleEn and BodyEn, optional, say the same in English for
// those who read English (without them they read the bokmål).
type AnnouncementRequest struct {
	Kind     AnnouncementKind `json:"kind"`
	Title    string           `json:"title"`
	Body     string           `json:"body"`
	TitleEn  string           `json:"titleEn,omitempty"`
	BodyEn   string           `json:"bodyEn,omitempty"`
	StartsAt string           `json:"startsAt"`
	EndsAt   string           `json:"endsAt,omitempty"`
	Services []string         `json:"services,omitempty"`
}

// Normalize is NormalizeAt now.
func (r *AnnouncementRequest) Normalize() (startsAt time.Time, endsAt *time.Time, err error) {
	return r.NormalizeAt(time.Now())
}

// NormalizeAt cleans the request's text and checks it, returning its
// window; the error names the field. startsAt lies between
// MaxAnnouncementPast before now and MaxAnnouncementAhead after it; a
// window lasts at most MaxAnnouncementLength and ends after now.
func (r *AnnouncementRequest) NormalizeAt(now time.Time) (startsAt time.Time, endsAt *time.Time, err error) {
	if r.Kind != AnnouncementMaintenance && r.Kind != AnnouncementOutage {
		if r.Kind == "" {
			return time.Time{}, nil, invalid("kind", "kind mangler", "kind is required")
		}
		return time.Time{}, nil, invalid("kind", "kind må være maintenance eller outage", "kind must be maintenance or outage")
	}
	if err := line("title", &r.Title, MaxTitle, true); err != nil {
		return time.Time{}, nil, err
	}
	if err := text("body", &r.Body, MaxAnnouncementBody, false); err != nil {
		return time.Time{}, nil, err
	}
	if err := line("titleEn", &r.TitleEn, MaxTitle, false); err != nil {
		return time.Time{}, nil, err
	}
	if err := text("bodyEn", &r.BodyEn, MaxAnnouncementBody, false); err != nil {
		return time.Time{}, nil, err
	}
	if r.StartsAt == "" {
		return time.Time{}, nil, invalid("startsAt", "startsAt mangler", "startsAt is required")
	}
	startsAt, err = time.Parse(time.RFC3339, r.StartsAt)
	if err != nil {
		return time.Time{}, nil, invalid("startsAt", "startsAt må være et tidspunkt i RFC 3339", "startsAt must be an RFC 3339 time")
	}
	if r.EndsAt != "" {
		e, err := time.Parse(time.RFC3339, r.EndsAt)
		if err != nil {
			return time.Time{}, nil, invalid("endsAt", "endsAt må være et tidspunkt i RFC 3339", "endsAt must be an RFC 3339 time")
		}
		// A window already over says more than a start too far back.
		if !e.After(now) {
			return time.Time{}, nil, invalid("endsAt", "endsAt er passert", "endsAt has passed")
		}
		endsAt = &e
	}
	if startsAt.Before(now.Add(-MaxAnnouncementPast)) {
		return time.Time{}, nil, invalid("startsAt", "startsAt kan ikke være mer enn 30 dager tilbake i tid", "startsAt cannot be more than 30 days ago")
	}
	if startsAt.After(now.Add(MaxAnnouncementAhead)) {
		return time.Time{}, nil, invalid("startsAt", "startsAt kan ikke være mer enn ett år fram i tid", "startsAt cannot be more than a year ahead")
	}
	if endsAt != nil {
		if !endsAt.After(startsAt) {
			return time.Time{}, nil, invalid("endsAt", "endsAt må være etter startsAt", "endsAt must be after startsAt")
		}
		if endsAt.Sub(startsAt) > MaxAnnouncementLength {
			return time.Time{}, nil, invalid("endsAt", "endsAt kan være høyst 90 dager etter startsAt", "endsAt can be at most 90 days after startsAt")
		}
	}
	if r.Kind == AnnouncementMaintenance && endsAt == nil {
		return time.Time{}, nil, invalid("endsAt", "vedlikehold må ha endsAt", "maintenance needs endsAt")
	}
	if len(r.Services) > MaxServices {
		return time.Time{}, nil, invalid("services", "for mange tjenester (maks 20)", "too many services (max 20)")
	}
	services := []string{}
	for i, s := range r.Services {
		s, err := usertext.Clean(s, usertext.Line)
		if err != nil {
			return time.Time{}, nil, textRefusal(fmt.Sprintf("services[%d]", i), err)
		}
		if s == "" || utf8.RuneCountInString(s) > MaxServiceName {
			return time.Time{}, nil, invalid("services", "hver tjeneste må ha et navn på høyst 100 tegn", "each service needs a name of at most 100 characters")
		}
		if !slices.Contains(services, s) {
			services = append(services, s)
		}
	}
	r.Services = services
	return startsAt, endsAt, nil
}

// AnnouncementPublished starts every announcement stream.
type AnnouncementPublished struct {
	AnnouncementID string           `json:"announcementId"`
	Reference      string           `json:"reference"`
	Kind           AnnouncementKind `json:"kind"`
	Title          string           `json:"title"`
	Body           string           `json:"body,omitempty"`
	TitleEn        string           `json:"titleEn,omitempty"`
	BodyEn         string           `json:"bodyEn,omitempty"`
	StartsAt       time.Time        `json:"startsAt"`
	EndsAt         *time.Time       `json:"endsAt,omitempty"`
	Services       []string         `json:"services,omitempty"`
}

// AnnouncementReminded: the affected were reminded one service day before
// a maintenance window.
type AnnouncementReminded struct{}

// AnnouncementStarted: the window (or the outage) began.
type AnnouncementStarted struct{}

// AnnouncementEnded: the maintenance window is over.
type AnnouncementEnded struct{}

// CaseLinkedToAnnouncement: a case was linked to the outage (recorded on
// the announcement's stream; the case's own stream records
// LinkedToAnnouncement).
type CaseLinkedToAnnouncement struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference"`
	Reporter  string `json:"reporter"`
}

// OutageResolved: operations resolved the outage; linked open cases are
// resolved with it.
type OutageResolved struct {
	Comment string `json:"comment,omitempty"`
}

// LinkedToAnnouncement: the case was linked to an outage (on the case's
// stream).
type LinkedToAnnouncement struct {
	AnnouncementID string `json:"announcementId"`
	Reference      string `json:"reference"`
	Title          string `json:"title"`
}

func (AnnouncementPublished) EventType() string    { return "AnnouncementPublished" }
func (AnnouncementReminded) EventType() string     { return "AnnouncementReminded" }
func (AnnouncementStarted) EventType() string      { return "AnnouncementStarted" }
func (AnnouncementEnded) EventType() string        { return "AnnouncementEnded" }
func (CaseLinkedToAnnouncement) EventType() string { return "CaseLinkedToAnnouncement" }
func (OutageResolved) EventType() string           { return "OutageResolved" }
func (LinkedToAnnouncement) EventType() string     { return "LinkedToAnnouncement" }

func init() {
	register[AnnouncementPublished]()
	register[AnnouncementReminded]()
	register[AnnouncementStarted]()
	register[AnnouncementEnded]()
	register[CaseLinkedToAnnouncement]()
	register[OutageResolved]()
	register[LinkedToAnnouncement]()
	// Operations' notices are the organisation's own statements, not
	// about a person; reporters are usernames.
	declarePersonal[AnnouncementPublished]()
	declarePersonal[AnnouncementReminded]()
	declarePersonal[AnnouncementStarted]()
	declarePersonal[AnnouncementEnded]()
	declarePersonal[CaseLinkedToAnnouncement]()
	declarePersonal[OutageResolved]()
	declarePersonal[LinkedToAnnouncement]()
}

// AnnouncementStreamPrefix starts every announcement stream; case streams
// start with "case-".
const AnnouncementStreamPrefix = "announcement-"

// AnnouncementStream is the stream of an announcement's events.
func AnnouncementStream(id string) string { return AnnouncementStreamPrefix + id }

// AnnouncementReference is the human reference of an announcement, e.g.
// DRIFT-3F2A9C01: derived from its id, so publishing needs no counter.
func AnnouncementReference(id string) string {
	h := strings.ToUpper(strings.ReplaceAll(id, "-", ""))
	if len(h) > 8 {
		h = h[:8]
	}
	return "DRIFT-" + h
}

// ParseAnnouncementReference reads a DRIFT-reference (any case) and
// returns it as AnnouncementReference writes it; ok is false for anything
// else.
func ParseAnnouncementReference(s string) (ref string, ok bool) {
	s = strings.ToUpper(s)
	h, found := strings.CutPrefix(s, "DRIFT-")
	if !found || len(h) != 8 {
		return "", false
	}
	for _, r := range h {
		if (r < '0' || r > '9') && (r < 'A' || r > 'F') {
			return "", false
		}
	}
	return s, true
}

// AnnouncementLink is what a case or an announcement says of the other.
type AnnouncementLink struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Title     string `json:"title,omitempty"`
}

// LinkedCase is a case linked to an outage.
type LinkedCase struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Reporter  string `json:"reporter,omitempty"`
}

// Announcement is an announcement as folded from its events.
type Announcement struct {
	ID          string             `json:"id"`
	Reference   string             `json:"reference"`
	Kind        AnnouncementKind   `json:"kind"`
	Title       string             `json:"title"`
	Body        string             `json:"body"`
	TitleEn     string             `json:"titleEn,omitempty"`
	BodyEn      string             `json:"bodyEn,omitempty"`
	StartsAt    time.Time          `json:"startsAt"`
	EndsAt      *time.Time         `json:"endsAt,omitempty"`
	Services    []string           `json:"services"`
	Status      AnnouncementStatus `json:"status"`
	Reminded    bool               `json:"reminded"`
	LinkedCases []LinkedCase       `json:"linkedCases"`
	// LinkedCount is len(LinkedCases); it stays when VisibleTo hides them.
	LinkedCount int       `json:"linkedCount"`
	Resolution  string    `json:"resolution,omitempty"`
	ResolvedAt  time.Time `json:"resolvedAt,omitzero"`
	CreatedBy   string    `json:"createdBy"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Revision is the stream revision of the last event; -1 before it is
	// published.
	Revision int64 `json:"revision"`
}

// NewAnnouncement is the state before the first event.
func NewAnnouncement() Announcement { return Announcement{Revision: -1} }

// Apply folds one event into the announcement.
func (a *Announcement) Apply(e Event, m Metadata, revision int64) {
	switch e := e.(type) {
	case AnnouncementPublished:
		a.ID, a.Reference, a.Kind, a.Title, a.Body = e.AnnouncementID, e.Reference, e.Kind, e.Title, e.Body
		a.TitleEn, a.BodyEn = e.TitleEn, e.BodyEn
		a.StartsAt, a.EndsAt = e.StartsAt, e.EndsAt
		a.Services = append([]string{}, e.Services...)
		a.LinkedCases = []LinkedCase{}
		a.CreatedBy, a.CreatedAt = m.Actor, m.OccurredAt
		a.Status = AnnouncementScheduled
		if !e.StartsAt.After(m.OccurredAt) {
			a.Status = AnnouncementActive
		}
	case AnnouncementReminded:
		a.Reminded = true
	case AnnouncementStarted:
		a.Status = AnnouncementActive
	case AnnouncementEnded:
		a.Status = AnnouncementDone
	case CaseLinkedToAnnouncement:
		a.LinkedCases = append(slices.Clip(a.LinkedCases), LinkedCase{ID: e.CaseID, Reference: e.Reference, Reporter: e.Reporter})
		a.LinkedCount = len(a.LinkedCases)
	case OutageResolved:
		a.Status = AnnouncementResolved
		a.Resolution = e.Comment
		a.ResolvedAt = m.OccurredAt
	}
	a.UpdatedAt = m.OccurredAt
	a.Revision = revision
}

// Finished reports whether nothing more happens to the announcement.
func (a Announcement) Finished() bool {
	return a.Status == AnnouncementDone || a.Status == AnnouncementResolved
}

// ActiveAt reports whether the announcement is in effect at t: a
// maintenance within its window, an outage from its start until resolved.
func (a Announcement) ActiveAt(t time.Time) bool {
	if a.ID == "" || a.Finished() || t.Before(a.StartsAt) {
		return false
	}
	if a.Kind == AnnouncementMaintenance {
		return a.EndsAt != nil && t.Before(*a.EndsAt)
	}
	return true
}

// Linked reports whether case id is linked to the announcement.
func (a Announcement) Linked(caseID string) bool {
	return slices.ContainsFunc(a.LinkedCases, func(l LinkedCase) bool { return l.ID == caseID })
}

// VisibleTo returns the announcement as actor may read it: everyone sees
// the notice; which cases are linked (and whose) only those who work with
// cases or outages.
func (a Announcement) VisibleTo(actor Actor) Announcement {
	if actor.Has(RoleCaseworker) || actor.Has(RoleOperations) || actor.Has(RoleAuditor) {
		return a
	}
	out := a
	out.LinkedCases = []LinkedCase{}
	return out
}

// Publish decides the first event of a new announcement.
func Publish(id string, r AnnouncementRequest, startsAt time.Time, endsAt *time.Time) AnnouncementPublished {
	return AnnouncementPublished{AnnouncementID: id, Reference: AnnouncementReference(id), Kind: r.Kind, Title: r.Title,
		Body: r.Body, TitleEn: r.TitleEn, BodyEn: r.BodyEn, StartsAt: startsAt, EndsAt: endsAt, Services: r.Services}
}

// English is the announcement's title and body in English, or in bokmål
// where no English was given.
func (a Announcement) English() (title, body string) {
	title, body = a.TitleEn, a.BodyEn
	if title == "" {
		title = a.Title
	}
	if body == "" {
		body = a.Body
	}
	return title, body
}

// Resolve decides whether actor may resolve the outage.
func (a Announcement) Resolve(actor Actor, comment string) (OutageResolved, error) {
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > MaxResolution {
		return OutageResolved{}, invalid("comment", "comment er for lang", "comment is too long")
	}
	if !actor.Has(RoleOperations) {
		return OutageResolved{}, forbidden("bare drift kan avslutte et driftsavbrudd", "only operations may resolve an outage")
	}
	if a.Kind != AnnouncementOutage {
		return OutageResolved{}, conflict("bare driftsavbrudd kan avsluttes; vedlikehold slutter av seg selv", "only outages are resolved; maintenance ends by itself")
	}
	if a.Status == AnnouncementResolved {
		return OutageResolved{}, conflict("driftsavbruddet er allerede avsluttet", "the outage is already resolved")
	}
	return OutageResolved{Comment: comment}, nil
}

// LinkCase decides the announcement's record of a case linked to it; ok
// is false when the case is linked already (a repeated signal).
func (a Announcement) LinkCase(caseID, reference, reporter string) (CaseLinkedToAnnouncement, bool) {
	if caseID == "" || a.Linked(caseID) {
		return CaseLinkedToAnnouncement{}, false
	}
	return CaseLinkedToAnnouncement{CaseID: caseID, Reference: reference, Reporter: reporter}, true
}

// Link decides whether actor may link the case to the outage a, which the
// caller has checked is active (the API reads the record; the workflow
// cannot).
func (c Case) Link(actor Actor, a AnnouncementLink) (LinkedToAnnouncement, error) {
	if !actor.Has(RoleCaseworker) {
		return LinkedToAnnouncement{}, forbidden("bare saksbehandlere kan knytte saker til driftsavbrudd", "only caseworkers may link cases to outages")
	}
	if a.ID == "" {
		return LinkedToAnnouncement{}, invalid("announcement", "announcement mangler", "announcement is required")
	}
	if c.Kind != KindIncident && c.Kind != KindGuidance {
		return LinkedToAnnouncement{}, conflict("bare feilmeldinger og veiledningssaker kan knyttes til driftsavbrudd", "only incident and guidance cases can be linked to outages")
	}
	if !c.active() {
		return LinkedToAnnouncement{}, stateConflict("knyttes til et driftsavbrudd", "linked to an outage", c.Status)
	}
	if c.Announcement != nil {
		return LinkedToAnnouncement{}, conflict("saken er allerede knyttet til "+c.Announcement.Reference, "the case is already linked to "+c.Announcement.Reference)
	}
	return LinkedToAnnouncement{AnnouncementID: a.ID, Reference: a.Reference, Title: a.Title}, nil
}

// ResolveByOutage decides the resolution of a linked case when its outage
// is resolved. ok is false when the case is no longer open (resolved,
// closed, cancelled) or not linked to that outage: it is left alone.
func (c Case) ResolveByOutage(a AnnouncementLink, comment string) (CaseResolved, bool) {
	if c.Announcement == nil || c.Announcement.ID != a.ID {
		return CaseResolved{}, false
	}
	switch c.Status {
	case StatusNew, StatusInProgress, StatusWaitingForUser:
	default:
		return CaseResolved{}, false
	}
	text := "Løst sammen med driftsavbruddet " + a.Reference + " «" + a.Title + "». / Resolved with the outage " + a.Reference + " \"" + a.Title + "\"."
	if comment = strings.TrimSpace(comment); comment != "" {
		text += "\n\n" + comment
	}
	return CaseResolved{Resolution: text}, true
}

// DecodeAnnouncementEvent is DecodeEvent for announcement streams: it
// refuses case events, so one stream is never taken for the other.
func DecodeAnnouncementEvent(eventType string, data []byte) (Event, error) {
	switch eventType {
	case AnnouncementPublished{}.EventType(), AnnouncementReminded{}.EventType(), AnnouncementStarted{}.EventType(),
		AnnouncementEnded{}.EventType(), CaseLinkedToAnnouncement{}.EventType(), OutageResolved{}.EventType():
		return DecodeEvent(eventType, data)
	}
	return nil, fmt.Errorf("%q is not an announcement event", eventType)
}
