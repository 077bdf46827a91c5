package helpdesk

import (
	"strings"
	"unicode/utf8"
)

// Field limits, counted in characters.
const (
	MaxTitle       = 200
	MaxDescription = 10000
	MaxResolution  = 10000
)

// OpenRequest is what a user asks for when creating an incident or guidance
// case.
type OpenRequest struct {
	Kind        Kind     `json:"kind"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Priority    Priority `json:"priority,omitempty"`
	Service     string   `json:"service,omitempty"`
	Channel     Channel  `json:"channel,omitempty"`
	OnBehalfOf  string   `json:"onBehalfOf,omitempty"`
	// Announcement links the new case to an active outage (its id); the
	// API checks it is one.
	Announcement string `json:"announcement,omitempty"`
}

// Normalize fills defaults, cleans the text (text.go) and checks the
// request; the error names the field.
func (r *OpenRequest) Normalize(actor Actor) error {
	if r.Kind != KindIncident && r.Kind != KindGuidance {
		return invalid("kind", "ukjent eller ikke støttet sakstype", "unknown or unsupported case kind")
	}
	if err := line("title", &r.Title, MaxTitle, true); err != nil {
		return err
	}
	if err := text("description", &r.Description, MaxDescription, true); err != nil {
		return err
	}
	if r.Priority == "" {
		r.Priority = PriorityNormal
	} else if !r.Priority.Valid() {
		return invalid("priority", "prioritet må være low, normal, high eller critical", "priority must be low, normal, high or critical")
	}
	if r.Channel == "" {
		r.Channel = ChannelPortal
	} else if !r.Channel.Valid() {
		return invalid("channel", "kanal må være portal, email eller phone", "channel must be portal, email or phone")
	}
	if err := line("service", &r.Service, MaxServiceName, false); err != nil {
		return err
	}
	if err := line("onBehalfOf", &r.OnBehalfOf, MaxUsername, false); err != nil {
		return err
	}
	if err := line("announcement", &r.Announcement, MaxIdentifier, false); err != nil {
		return err
	}
	if r.OnBehalfOf != "" && !actor.Has(RoleCaseworker) {
		return forbidden("bare saksbehandlere kan melde saker på vegne av andre", "only caseworkers may report on behalf of others")
	}
	return nil
}

// Limits of names and identifiers people type (usernames, groups, ids).
const (
	MaxUsername   = 64
	MaxIdentifier = 100
)

func requireText(field, v string, max int) error {
	if v == "" {
		return invalid(field, field+" mangler", field+" is required")
	}
	if utf8.RuneCountInString(v) > max {
		return invalid(field, field+" er for lang", field+" is too long")
	}
	return nil
}

// Routes send a case about a service to a caseworker group; services not
// listed go to the first line.
type Routes map[string]string

// DefaultRoutes is the help desk's standard routing.
func DefaultRoutes() Routes {
	return Routes{
		"esa":         "arkiv",
		"arkiv":       "arkiv",
		"fagsystem":   "tjeneste",
		"lisens":      "tjeneste",
		"programvare": "tjeneste",
	}
}

// Group is the group that receives a case about service.
func (r Routes) Group(service string) string {
	if g, ok := r[strings.ToLower(strings.TrimSpace(service))]; ok && g != "" {
		return g
	}
	return FirstLineGroup
}

// Open decides the opening event of a new case, routed to its group.
func Open(caseID, reference string, r OpenRequest, actor Actor, routes Routes) CaseOpened {
	reporter := actor.Username
	if r.OnBehalfOf != "" {
		reporter = r.OnBehalfOf
	}
	return CaseOpened{
		CaseID:      caseID,
		Reference:   reference,
		Kind:        r.Kind,
		Title:       r.Title,
		Description: r.Description,
		Priority:    r.Priority,
		Service:     r.Service,
		Channel:     r.Channel,
		Reporter:    reporter,
		CreatedBy:   actor.Username,
		Group:       routes.Group(r.Service),
	}
}

// Field limits of steps, in characters.
const (
	MaxComment = 10000
	MaxReason  = 2000
)

func stateConflict(verbNo, verbEn string, s Status) error {
	return conflict("saken kan ikke "+verbNo+" i status "+string(s), "the case cannot be "+verbEn+" in status "+string(s))
}

// open reports whether work on the case is still going on.
func (c Case) active() bool {
	return c.Status == StatusNew || c.Status == StatusInProgress || c.Status == StatusWaitingForUser || c.Status == StatusAwaitingApproval
}

// Claim decides whether actor may take the case.
func (c Case) Claim(actor Actor) (CaseClaimed, error) {
	if !actor.Has(RoleCaseworker) {
		return CaseClaimed{}, forbidden("bare saksbehandlere kan ta saker", "only caseworkers may claim cases")
	}
	if c.Assignee != "" && c.active() {
		return CaseClaimed{}, conflict("saken er allerede tatt av "+c.Assignee, "the case is already held by "+c.Assignee)
	}
	if c.Status != StatusNew {
		return CaseClaimed{}, stateConflict("tas", "claimed", c.Status)
	}
	return CaseClaimed{Assignee: actor.Username}, nil
}

// Assign decides a hand-over to a person or a group queue. The API has
// checked that the person is a caseworker and the group exists.
func (c Case) Assign(actor Actor, assignee, group string) (CaseAssigned, error) {
	if !actor.Has(RoleCaseworker) {
		return CaseAssigned{}, forbidden("bare saksbehandlere kan tildele saker", "only caseworkers may assign cases")
	}
	if assignee == "" && group == "" {
		return CaseAssigned{}, invalid("assignee", "oppgi assignee eller group", "give assignee or group")
	}
	if !c.active() {
		return CaseAssigned{}, stateConflict("tildeles", "assigned", c.Status)
	}
	if assignee == c.Assignee && (group == "" || group == c.Group) {
		return CaseAssigned{}, conflict("saken er allerede tildelt slik", "the case is already assigned so")
	}
	return CaseAssigned{Assignee: assignee, Group: group}, nil
}

// Comment decides whether actor may comment. Internal comments are for
// caseworkers; the reporter and caseworkers may write public ones.
func (c Case) Comment(actor Actor, id, body string, internal bool) (CommentAdded, error) {
	body = strings.TrimSpace(body)
	if err := requireText("body", body, MaxComment); err != nil {
		return CommentAdded{}, err
	}
	caseworker := actor.Has(RoleCaseworker)
	if !caseworker && actor.Username != c.Reporter && actor.Username != c.CreatedBy {
		return CommentAdded{}, forbidden("bare innmelder og saksbehandlere kan kommentere", "only the reporter and caseworkers may comment")
	}
	if internal && !caseworker {
		return CommentAdded{}, forbidden("bare saksbehandlere kan skrive interne kommentarer", "only caseworkers may write internal comments")
	}
	if c.Final() {
		return CommentAdded{}, stateConflict("kommenteres", "commented on", c.Status)
	}
	return CommentAdded{CommentID: id, Body: body, Internal: internal}, nil
}

// RequestInfo decides whether actor may ask the reporter a question.
func (c Case) RequestInfo(actor Actor, question string) (InfoRequested, error) {
	question = strings.TrimSpace(question)
	if err := requireText("question", question, MaxComment); err != nil {
		return InfoRequested{}, err
	}
	if !actor.Has(RoleCaseworker) {
		return InfoRequested{}, forbidden("bare saksbehandleren som har saken kan be om opplysninger", "only the assignee may request information")
	}
	if c.Status != StatusInProgress {
		return InfoRequested{}, stateConflict("settes på vent", "put on hold", c.Status)
	}
	if c.Assignee != actor.Username {
		return InfoRequested{}, forbidden("bare saksbehandleren som har saken kan be om opplysninger", "only the assignee may request information")
	}
	return InfoRequested{Question: question}, nil
}

// Reply decides whether actor may answer the open question.
func (c Case) Reply(actor Actor, body string) (UserReplied, error) {
	body = strings.TrimSpace(body)
	if err := requireText("body", body, MaxComment); err != nil {
		return UserReplied{}, err
	}
	if actor.Username != c.Reporter {
		return UserReplied{}, forbidden("bare innmelderen kan svare", "only the reporter may reply")
	}
	if c.Status != StatusWaitingForUser {
		return UserReplied{}, conflict("saken venter ikke på svar fra deg", "the case is not waiting for your reply")
	}
	return UserReplied{Body: body}, nil
}

// Resolve decides whether actor may resolve the case.
func (c Case) Resolve(actor Actor, resolution string) (CaseResolved, error) {
	resolution = strings.TrimSpace(resolution)
	if err := requireText("resolution", resolution, MaxResolution); err != nil {
		return CaseResolved{}, err
	}
	if !actor.Has(RoleCaseworker) {
		return CaseResolved{}, forbidden("bare saksbehandleren som har saken kan løse den", "only the assignee may resolve the case")
	}
	if c.Status != StatusInProgress && c.Status != StatusWaitingForUser {
		return CaseResolved{}, stateConflict("løses", "resolved", c.Status)
	}
	if c.Assignee != actor.Username {
		return CaseResolved{}, forbidden("bare saksbehandleren som har saken kan løse den", "only the assignee may resolve the case")
	}
	return CaseResolved{Resolution: resolution}, nil
}

// Confirm decides whether actor may confirm the resolution, closing the case.
func (c Case) Confirm(actor Actor) (CaseClosed, error) {
	if c.Reporter != actor.Username {
		return CaseClosed{}, forbidden("bare innmelderen kan bekrefte løsningen", "only the reporter may confirm the resolution")
	}
	if c.Status != StatusResolved {
		return CaseClosed{}, stateConflict("bekreftes", "confirmed", c.Status)
	}
	return CaseClosed{Reason: ClosedConfirmed}, nil
}

// Reopen decides whether actor may reopen a resolved case. The workflow
// closes the case when the reopen window ends, so a resolved case is
// always within it.
func (c Case) Reopen(actor Actor, reason string) (CaseReopened, error) {
	reason = strings.TrimSpace(reason)
	if err := requireText("reason", reason, MaxReason); err != nil {
		return CaseReopened{}, err
	}
	if c.Reporter != actor.Username {
		return CaseReopened{}, forbidden("bare innmelderen kan gjenåpne saken", "only the reporter may reopen the case")
	}
	if c.Kind != KindIncident && c.Kind != KindGuidance {
		return CaseReopened{}, conflict("en levert bestilling kan ikke gjenåpnes; meld en ny sak", "a delivered order cannot be reopened; report a new case")
	}
	if c.Status != StatusResolved {
		return CaseReopened{}, stateConflict("gjenåpnes", "reopened", c.Status)
	}
	return CaseReopened{Reason: reason}, nil
}

// Cancel decides whether actor may withdraw the case.
func (c Case) Cancel(actor Actor, reason string) (CaseCancelled, error) {
	reason = strings.TrimSpace(reason)
	if err := requireText("reason", reason, MaxReason); err != nil {
		return CaseCancelled{}, err
	}
	if c.Reporter != actor.Username && c.CreatedBy != actor.Username {
		return CaseCancelled{}, forbidden("bare innmelderen kan trekke saken", "only the reporter may cancel the case")
	}
	if !c.active() {
		return CaseCancelled{}, stateConflict("trekkes", "cancelled", c.Status)
	}
	if c.DepartureEffective {
		return CaseCancelled{}, conflict("fratreden har allerede trådt i kraft", "the departure has already taken effect")
	}
	return CaseCancelled{Reason: reason}, nil
}

func utf8Len(s string) int { return utf8.RuneCountInString(s) }
