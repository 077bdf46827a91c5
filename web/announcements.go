package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// Announcements (API.md section 9): GET /announcements lists them and,
// for operations, holds the form that POSTs a new one to /announcements
// (kind, title, titleEn, body, bodyEn, startsAt, endsAt, services: the
// API's names; the times as the browser's date-and-time fields send
// them, read in Oslo time). GET /announcements/{id} is one, with the
// cases linked to an outage counted live; resolving the outage POSTs to
// /announcements/{id}/resolve (comment), which resolves and tells its
// linked cases, as the API does.
//
// activeAnnouncements and the template announcement_banner.html are for
// the home page: the announcements in effect now, in the reader's
// language.

var (
	announcementsTemplate = parsePages("announcements.html", "announcement_banner.html")
	announcementTemplate  = parsePages("announcement.html")
)

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /announcements", s.signedIn(s.announcements))
		s.mux.HandleFunc("POST /announcements", s.signedIn(s.announce))
		s.mux.HandleFunc("GET /announcements/{id}", s.signedIn(s.announcement))
		s.mux.HandleFunc("POST /announcements/{id}/resolve", s.signedIn(s.resolveAnnouncement))
	})
}

// announcementView is an announcement as a page shows it, in the
// reader's language.
type announcementView struct {
	ID, Ref, Href, Kind, KindCode string
	Title, Body                   string
	Status, StatusCode            string
	Starts, Ends, Resolved        moment
	Services                      string
	Linked                        int
	Cases                         []linkedCaseView
	Resolution                    string
	By                            string
	Active                        bool
	// Window says when, in words: "fra i dag 09:00", "i dag 09:00 – i
	// morgen 12:00".
	Window string
	// Resolvable: the reader may resolve it now (operations, an active
	// outage).
	Resolvable bool
}

type linkedCaseView struct {
	Ref, Href, Reporter string
}

// announcementOf describes a in v's language.
func (s *Server) announcementOf(v *view, a helpdesk.Announcement) announcementView {
	av := announcementView{ID: a.ID, Ref: a.Reference, Href: "/announcements/" + url.PathEscape(a.ID), KindCode: string(a.Kind),
		Title: a.Title, Body: a.Body, StatusCode: string(a.Status), Starts: v.at(a.StartsAt), Resolved: v.at(a.ResolvedAt),
		Services: strings.Join(a.Services, ", "), Linked: a.LinkedCount, Resolution: a.Resolution, By: s.nameOf(a.CreatedBy),
		Active: a.ActiveAt(v.now)}
	if v.Lang == i18n.EN {
		av.Title, av.Body = a.English()
	}
	kindKey, statusKey := "announcements.kind."+string(a.Kind), "announcements.status."+string(a.Status)
	av.Kind, av.Status = v.T(kindKey), v.T(statusKey)
	av.Window = v.T("announcements.from", av.Starts.Text)
	if a.EndsAt != nil {
		av.Ends = v.at(*a.EndsAt)
		av.Window = v.T("announcements.window", av.Starts.Text, av.Ends.Text)
	}
	for _, c := range a.LinkedCases {
		av.Cases = append(av.Cases, linkedCaseView{Ref: c.Reference, Href: "/cases/" + url.PathEscape(c.Reference), Reporter: s.nameOf(c.Reporter)})
	}
	av.Resolvable = a.Kind == helpdesk.AnnouncementOutage && a.Status != helpdesk.AnnouncementResolved &&
		desk.Allowed(v.Actor, desk.ActionResolveAnnouncement)
	return av
}

// activeAnnouncements are the announcements in effect now, outages
// first, as r's reader reads them: for the home page, with the template
// "announcement-banner" (announcement_banner.html; parse it with the
// page: parsePages("home.html", "announcement_banner.html")) and the
// result as its dot. An error leaves them out rather than failing the
// page (they are a courtesy there; /announcements lists them all).
func (s *Server) activeAnnouncements(r *http.Request) announcementBanner {
	if s.cfg.Desk == nil {
		return announcementBanner{}
	}
	active := true
	items, err := s.cfg.Desk.ListAnnouncements(r.Context(), Actor(r), desk.AnnouncementFilter{Active: &active})
	if err != nil {
		s.log.WarnContext(r.Context(), "web: active announcements", "error", err)
		return announcementBanner{}
	}
	v := s.view(r, "announcements.title")
	var outages, rest []announcementView
	for _, a := range items {
		av := s.announcementOf(v, a)
		if a.Kind == helpdesk.AnnouncementOutage {
			outages = append(outages, av)
		} else {
			rest = append(rest, av)
		}
	}
	return announcementBanner{Heading: v.T("announcements.banner"), Items: append(outages, rest...)}
}

// announcementBanner is what the banner shows: the announcements in
// effect now, under a heading.
type announcementBanner struct {
	Heading string
	Items   []announcementView
}

type announcementsData struct {
	Active announcementBanner
	Others []announcementView
	// MayAnnounce: the form is shown (operations).
	MayAnnounce    bool
	Kinds          choiceGroup
	IdempotencyKey string
}

// announcements is GET /announcements.
func (s *Server) announcements(w http.ResponseWriter, r *http.Request) {
	s.renderAnnouncements(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderAnnouncements(w http.ResponseWriter, r *http.Request, status int, f *Form, key string) {
	v := s.view(r, "announcements.title")
	v.Form = f
	if f == nil {
		// The form starts as an outage from now.
		v.Form = &Form{Values: url.Values{"kind": {string(helpdesk.AnnouncementOutage)},
			"startsAt": {v.now.In(helpdesk.Oslo).Format("2006-01-02T15:04")}}}
	}
	// Those in effect, however long ago they were published, and then
	// the latest of the others: one list of the latest would lose an
	// outage behind years of notices.
	active, inactive := true, false
	items, err := s.cfg.Desk.ListAnnouncements(r.Context(), Actor(r), desk.AnnouncementFilter{Active: &active})
	if err == nil {
		var others []helpdesk.Announcement
		others, err = s.cfg.Desk.ListAnnouncements(r.Context(), Actor(r), desk.AnnouncementFilter{Active: &inactive})
		items = append(items, others...)
	}
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	d := announcementsData{MayAnnounce: desk.Allowed(v.Actor, desk.ActionCreateAnnouncement), IdempotencyKey: key}
	if d.IdempotencyKey == "" {
		d.IdempotencyKey = uuid.NewString()
	}
	for _, a := range items {
		av := s.announcementOf(v, a)
		if av.Active {
			d.Active.Items = append(d.Active.Items, av)
		} else {
			d.Others = append(d.Others, av)
		}
	}
	d.Active.Heading = v.T("announcements.banner")
	d.Kinds = v.choices("kind", "announcements.form.kind", "", []choice{
		{Value: string(helpdesk.AnnouncementOutage), Label: v.T("announcements.kind.outage"), Hint: v.T("announcements.form.kind.outage")},
		{Value: string(helpdesk.AnnouncementMaintenance), Label: v.T("announcements.kind.maintenance"), Hint: v.T("announcements.form.kind.maintenance")},
	}, string(helpdesk.AnnouncementOutage))
	v.Data = d
	if s.cfg.Live != nil {
		v.Live = "/live?kind=announcement"
	}
	s.render(w, r, status, announcementsTemplate, v)
}

// localTime is the browser's date-and-time field ("2026-03-02T10:00", in
// Oslo) as RFC 3339; RFC 3339 passes as it is, "" stays "".
func localTime(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return s, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, helpdesk.Oslo); err == nil {
			return t.Format(time.RFC3339), true
		}
	}
	return s, false
}

// announce is POST /announcements: operations publish; 303 to the new
// announcement's page, or the form again with what is wrong.
func (s *Server) announce(w http.ResponseWriter, r *http.Request) {
	f := NewForm(r)
	l := Lang(r)
	key := f.Value("idempotencyKey")
	if _, err := uuid.Parse(key); err != nil {
		key = uuid.NewString()
	}
	if !desk.Allowed(Actor(r), desk.ActionCreateAnnouncement) {
		s.errorPage(w, r, http.StatusForbidden, "")
		return
	}
	req := helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementKind(f.Value("kind")), Title: f.Value("title"), Body: f.Value("body"),
		TitleEn: f.Value("titleEn"), BodyEn: f.Value("bodyEn"), Services: splitComma(f.Value("services"))}
	var ok bool
	if req.StartsAt, ok = localTime(f.Value("startsAt")); !ok {
		f.Fail("startsAt", l.T("announcements.form.time.bad"))
	}
	if req.EndsAt, ok = localTime(f.Value("endsAt")); !ok {
		f.Fail("endsAt", l.T("announcements.form.time.bad"))
	}
	if f.HasErrors() {
		s.renderAnnouncements(w, r, http.StatusBadRequest, f, key)
		return
	}
	a, err := s.cfg.Desk.Announce(r.Context(), Actor(r), desk.NewAnnouncement{Request: req, IdempotencyKey: "web:" + key})
	if err != nil {
		v := s.view(r, "announcements.title")
		v.Form = f
		status, refused := v.Refused(err, "kind", "title", "titleEn", "body", "bodyEn", "startsAt", "endsAt", "services")
		if !refused {
			s.deskFailure(w, r, err)
			return
		}
		s.renderAnnouncements(w, r, status, v.Form, key)
		return
	}
	http.Redirect(w, r, "/announcements/"+url.PathEscape(a.ID), http.StatusSeeOther)
}

// announcement is GET /announcements/{id}.
func (s *Server) announcement(w http.ResponseWriter, r *http.Request) {
	s.renderAnnouncement(w, r, http.StatusOK, nil)
}

func (s *Server) renderAnnouncement(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	a, err := s.cfg.Desk.Announcement(r.Context(), Actor(r), r.PathValue("id"))
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	v := s.view(r, "announcements.title")
	v.Form = f
	av := s.announcementOf(v, a)
	v.Title = av.Title
	v.Data = av
	if s.cfg.Live != nil {
		v.Live = "/live?kind=announcement"
	}
	s.render(w, r, status, announcementTemplate, v)
}

// resolveAnnouncement is POST /announcements/{id}/resolve: the outage
// is over; its open linked cases are resolved and their reporters told.
func (s *Server) resolveAnnouncement(w http.ResponseWriter, r *http.Request) {
	f := NewForm(r)
	id := r.PathValue("id")
	if _, err := s.cfg.Desk.ResolveOutage(r.Context(), Actor(r), id, f.Value("comment")); err != nil {
		v := s.view(r, "announcements.title")
		v.Form = f
		status, refused := v.Refused(err, "comment")
		if !refused || status == http.StatusNotFound {
			s.deskFailure(w, r, err)
			return
		}
		s.renderAnnouncement(w, r, status, v.Form)
		return
	}
	http.Redirect(w, r, "/announcements/"+url.PathEscape(id), http.StatusSeeOther)
}
