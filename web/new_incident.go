package web

import (
	"net/http"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The incident and guidance forms (API.md section 4: title, description,
// priority, service, and for caseworkers onBehalfOf and channel), with
// hints that help the reporter be precise and attachments. A caseworker
// registers a phone call with the same form: the caller picked from the
// directory, channel phone (/cases/new?kind=incident&channel=phone).

var incidentTemplate = parsePage("new_incident.html", "upload.html")

// services are those the forms offer (the API takes any name; routing
// knows esa, arkiv, fagsystem, lisens and programvare), in this order.
var services = []string{"pc", "skriver", "nett", "e-post", "office", "telefon", "innlogging", "esa", "fagsystem", "lisens", "programvare"}

// incidentData is what an incident or guidance form shows beside its
// fields.
type incidentData struct {
	Kind       helpdesk.Kind
	Services   []string
	Priorities []helpdesk.Priority
	// People and Channels are a caseworker's: whom they report for.
	People   []named
	Channels []helpdesk.Channel
	// Channel is the one chosen when the form is first shown; Phone
	// when it is a phone call, whose caller must be named.
	Channel string
	Phone   bool
}

func init() {
	for _, k := range []helpdesk.Kind{helpdesk.KindIncident, helpdesk.KindGuidance} {
		addCaseForm(caseForm{kind: k, page: incidentTemplate,
			fields: []string{"title", "description", "service", "priority", "onBehalfOf", "channel", "attachments"},
			data:   incidentFormData(k), read: readIncident})
	}
}

func incidentFormData(k helpdesk.Kind) func(s *Server, r *http.Request, v *view) (any, error) {
	return func(s *Server, r *http.Request, v *view) (any, error) {
		d := incidentData{Kind: k, Services: services, Priorities: helpdesk.Priorities}
		if v.Actor.Has(helpdesk.RoleCaseworker) {
			d.People = s.names(v).everyone()
			d.Channels = []helpdesk.Channel{helpdesk.ChannelPhone, helpdesk.ChannelEmail, helpdesk.ChannelPortal}
			d.Channel = string(helpdesk.ChannelPortal)
			if c := helpdesk.Channel(r.URL.Query().Get("channel")); c.Valid() {
				d.Channel = string(c)
			}
			if v.Form != nil {
				d.Channel = v.Form.Value("channel")
			}
			if d.Channel == string(helpdesk.ChannelPhone) {
				d.Phone = true
				v.Title = v.T("incident.phone.title")
			}
		}
		return d, nil
	}
}

// readIncident reads an incident or guidance form, storing its files.
func readIncident(s *Server, r *http.Request, f *Form) desk.NewCase {
	req := helpdesk.OpenRequest{Title: f.Value("title"), Description: f.Value("description"),
		Priority: helpdesk.Priority(f.Value("priority")), Service: f.Value("service")}
	if Actor(r).Has(helpdesk.RoleCaseworker) {
		req.OnBehalfOf, req.Channel = f.Value("onBehalfOf"), helpdesk.Channel(f.Value("channel"))
		if req.Channel == helpdesk.ChannelPhone && req.OnBehalfOf == "" {
			f.Fail("onBehalfOf", Lang(r).T("incident.onBehalfOf.missing"))
		}
	}
	// The desk refuses an empty title or description too; the form says
	// what to write in words a reporter knows.
	if strings.TrimSpace(req.Title) == "" {
		f.Fail("title", Lang(r).T("incident.title.missing"))
	}
	if strings.TrimSpace(req.Description) == "" {
		f.Fail("description", Lang(r).T("incident.description.missing"))
	}
	files := s.uploads(r, f, "attachments")
	return desk.NewCase{Incident: &req, Attachments: files}
}
