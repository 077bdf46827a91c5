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
}

// Normalize fills defaults and checks the request; the error names the field.
func (r *OpenRequest) Normalize(actor Actor) error {
	r.Title = strings.TrimSpace(r.Title)
	r.Description = strings.TrimSpace(r.Description)
	if r.Kind != KindIncident && r.Kind != KindGuidance {
		return invalid("kind", "ukjent eller ikke støttet sakstype", "unknown or unsupported case kind")
	}
	if err := requireText("title", r.Title, MaxTitle); err != nil {
		return err
	}
	if err := requireText("description", r.Description, MaxDescription); err != nil {
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
	if utf8.RuneCountInString(r.Service) > 100 {
		return invalid("service", "tjenestenavnet er for langt (maks 100 tegn)", "service is too long (max 100 characters)")
	}
	if r.OnBehalfOf != "" && !actor.Has(RoleCaseworker) {
		return forbidden("bare saksbehandlere kan melde saker på vegne av andre", "only caseworkers may report on behalf of others")
	}
	return nil
}

func requireText(field, v string, max int) error {
	if v == "" {
		return invalid(field, field+" mangler", field+" is required")
	}
	if utf8.RuneCountInString(v) > max {
		return invalid(field, field+" er for lang", field+" is too long")
	}
	return nil
}

// Open decides the opening event of a new case.
func Open(caseID, reference string, r OpenRequest, actor Actor) CaseOpened {
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
		Group:       FirstLineGroup,
	}
}

// Claim decides whether actor may take the case.
func (c Case) Claim(actor Actor) (CaseClaimed, error) {
	if !actor.Has(RoleCaseworker) {
		return CaseClaimed{}, forbidden("bare saksbehandlere kan ta saker", "only caseworkers may claim cases")
	}
	if c.Assignee != "" {
		return CaseClaimed{}, conflict("saken er allerede tatt av "+c.Assignee, "the case is already held by "+c.Assignee)
	}
	if c.Status != StatusNew && c.Status != StatusInProgress {
		return CaseClaimed{}, conflict("saken kan ikke tas i status "+string(c.Status), "the case cannot be claimed in status "+string(c.Status))
	}
	return CaseClaimed{Assignee: actor.Username}, nil
}

// Resolve decides whether actor may resolve the case.
func (c Case) Resolve(actor Actor, resolution string) (CaseResolved, error) {
	resolution = strings.TrimSpace(resolution)
	if err := requireText("resolution", resolution, MaxResolution); err != nil {
		return CaseResolved{}, err
	}
	if c.Status != StatusInProgress {
		return CaseResolved{}, conflict("saken kan ikke løses i status "+string(c.Status), "the case cannot be resolved in status "+string(c.Status))
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
		return CaseClosed{}, conflict("saken kan ikke bekreftes i status "+string(c.Status), "the case cannot be confirmed in status "+string(c.Status))
	}
	return CaseClosed{Reason: "confirmed"}, nil
}
