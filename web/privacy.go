package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// The data protection officer's pages (docs/PRIVACY.md): find a person,
// see everything held about them, erase what the law allows (and read
// what was kept and why), and set or lift a legal hold on a case. Anyone
// may see their own data here too: /privacy takes them to it. Every
// decision is the desk's.
//
//	GET  /privacy                               search, holds by reference, the retention rules
//	GET  /privacy/people/{username}             a person's data
//	GET  /privacy/people/{username}/data.json   the same as JSON (the API's answer)
//	POST /privacy/people/{username}/erase       erase on request; the page says what went and what stayed
//	GET  /privacy/holds?reference=              to a case's hold page
//	GET  /privacy/cases/{ref}/legal-hold        a case's hold
//	POST /privacy/cases/{ref}/legal-hold        set one (reason)
//	POST /privacy/cases/{ref}/legal-hold/lift   lift it (reason)

var (
	privacyTemplate       = parsePage("privacy.html")
	privacyPersonTemplate = parsePage("privacy_person.html")
	privacyErasedTemplate = parsePage("privacy_erased.html")
	privacyHoldTemplate   = parsePage("privacy_hold.html")
)

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /privacy", s.signedIn(s.privacy))
		s.mux.HandleFunc("GET /privacy/people/{username}", s.signedIn(s.privacyPerson))
		s.mux.HandleFunc("GET /privacy/people/{username}/data.json", s.signedIn(s.privacyPersonJSON))
		s.mux.HandleFunc("POST /privacy/people/{username}/erase", s.signedIn(s.privacyErase))
		s.mux.HandleFunc("GET /privacy/holds", s.signedIn(s.privacyFindHold))
		s.mux.HandleFunc("GET /privacy/cases/{ref}/legal-hold", s.signedIn(s.privacyHold))
		s.mux.HandleFunc("POST /privacy/cases/{ref}/legal-hold", s.signedIn(s.privacySetHold))
		s.mux.HandleFunc("POST /privacy/cases/{ref}/legal-hold/lift", s.signedIn(s.privacyLiftHold))
	})
}

// Shown is a text as the page shows it: an erased field reads "[erased]"
// in English ("[slettet]", as the record has it, in bokmål), one whose
// stored text was tampered with "[unreadable]" ("[uleselig]"). Every page
// showing a case's text should pass it through.
func (v *view) Shown(s string) string {
	if v.Lang == i18n.EN {
		switch s {
		case helpdesk.Erased:
			return helpdesk.ErasedEnglish
		case helpdesk.Unreadable:
			return helpdesk.UnreadableEnglish
		}
	}
	return s
}

// Pick is the bokmål or the English of a text the domain gives in both.
func (v *view) Pick(nb, en string) string {
	if v.Lang == i18n.EN {
		return en
	}
	return nb
}

// Period is a retention rule's period in words: "2 år", "5 years".
func (v *view) Period(years, days int) string {
	switch {
	case days == 0:
		return v.T("privacy.period.years", years)
	case years == 0:
		return v.T("privacy.period.days", days)
	}
	return v.T("privacy.period.yearsDays", years, days)
}

// IsDPO reports whether the signed-in user is the data protection officer.
func (v *view) IsDPO() bool { return v.Actor.Has(helpdesk.RoleDPO) }

// privacyData is the start page's.
type privacyData struct {
	Q      string
	Found  []desk.Profile
	Search bool
	Rules  []helpdesk.RetentionRule
}

// privacy is GET /privacy: the data protection officer's start page;
// everyone else is taken to their own data.
func (s *Server) privacy(w http.ResponseWriter, r *http.Request) {
	actor := Actor(r)
	if !desk.Allowed(actor, desk.ActionFindPeople) {
		http.Redirect(w, r, "/privacy/people/"+url.PathEscape(actor.Username), http.StatusSeeOther)
		return
	}
	v := s.view(r, "privacy.title")
	d := privacyData{Q: strings.TrimSpace(r.URL.Query().Get("q")), Rules: s.cfg.Desk.RetentionPolicy().Rules}
	v.Form = &Form{Values: url.Values{"q": {d.Q}}}
	if _, d.Search = r.URL.Query()["q"]; d.Search {
		found, err := s.cfg.Desk.FindPeople(r.Context(), actor, d.Q)
		if err != nil {
			status, refused := v.Refused(err, "q")
			if !refused {
				s.deskFailure(w, r, err)
				return
			}
			v.Data = d
			s.render(w, r, status, privacyTemplate, v)
			return
		}
		d.Found = found
	}
	v.Data = d
	s.render(w, r, http.StatusOK, privacyTemplate, v)
}

// personPage is the person page's data.
type personPage struct {
	P    desk.PersonData
	Self bool
	// Erasable and Kept split the cases by what a request would do now.
	Erasable, Kept []desk.PersonCase
	// AccountErasable: the record of their account would go too.
	AccountErasable bool
}

// privacyPerson is GET /privacy/people/{username}.
func (s *Server) privacyPerson(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	p, err := s.cfg.Desk.PersonData(r.Context(), Actor(r), username)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	v := s.view(r, "privacy.person.title")
	v.Title = v.T("privacy.person.title", personName(p))
	s.render(w, r, http.StatusOK, privacyPersonTemplate, s.personView(v, p))
}

func (s *Server) personView(v *view, p desk.PersonData) *view {
	d := personPage{P: p, Self: p.Username == v.Actor.Username}
	for _, c := range p.Cases {
		if c.OnRequest.Kept == helpdesk.KeptErased {
			continue // nothing of it left to erase or keep
		}
		if c.OnRequest.Erase {
			d.Erasable = append(d.Erasable, c)
		} else {
			d.Kept = append(d.Kept, c)
		}
	}
	if a := p.Account; a != nil {
		d.AccountErasable = len(a.Accesses) == 0 && (a.Disabled || !a.Created)
	}
	v.Data = d
	return v
}

func personName(p desk.PersonData) string {
	if p.Directory != nil && p.Directory.DisplayName != "" {
		return p.Directory.DisplayName
	}
	if p.Account != nil && p.Account.DisplayName != "" && !helpdesk.IsErased(p.Account.DisplayName) {
		return p.Account.DisplayName
	}
	return p.Username
}

// privacyPersonJSON is GET /privacy/people/{username}/data.json: the
// person's data as the JSON API gives it, to keep.
func (s *Server) privacyPersonJSON(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	p, err := s.cfg.Desk.PersonData(r.Context(), Actor(r), username)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="personopplysninger-`+safeFileName(username)+`.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		s.log.WarnContext(r.Context(), "web: writing a person's data", "error", err)
	}
}

// safeFileName keeps what a file name may hold of a username.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// privacyErase is POST /privacy/people/{username}/erase: the form must
// confirm; the answer is the report of what went and what stayed.
func (s *Server) privacyErase(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	f := NewForm(r)
	actor := Actor(r)
	if f.Value("confirm") != "yes" {
		p, err := s.cfg.Desk.PersonData(r.Context(), actor, username)
		if err != nil {
			s.deskFailure(w, r, err)
			return
		}
		v := s.view(r, "privacy.person.title")
		v.Title = v.T("privacy.person.title", personName(p))
		v.Form = f
		f.Fail("confirm", v.T("privacy.erase.confirm.missing"))
		s.render(w, r, http.StatusBadRequest, privacyPersonTemplate, s.personView(v, p))
		return
	}
	rep, err := s.cfg.Desk.ErasePerson(r.Context(), actor, username)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	v := s.view(r, "privacy.erased.title")
	v.Data = rep
	s.render(w, r, http.StatusOK, privacyErasedTemplate, v)
}

// privacyFindHold is GET /privacy/holds?reference=: the start page's
// form, to the case's hold page.
func (s *Server) privacyFindHold(w http.ResponseWriter, r *http.Request) {
	ref := strings.TrimSpace(r.URL.Query().Get("reference"))
	if ref == "" {
		http.Redirect(w, r, "/privacy", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/privacy/cases/"+url.PathEscape(ref)+"/legal-hold", http.StatusSeeOther)
}

// holdPage is the hold page's data.
type holdPage struct {
	H desk.CaseHold
	// Back is the person page the officer came from, if any.
	Back string
}

// privacyHold is GET /privacy/cases/{ref}/legal-hold.
func (s *Server) privacyHold(w http.ResponseWriter, r *http.Request) {
	h, err := s.cfg.Desk.LegalHoldOf(r.Context(), Actor(r), r.PathValue("ref"))
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	v := s.view(r, "privacy.hold.title")
	v.Title = v.T("privacy.hold.title", h.Reference)
	v.Data = holdPage{H: h, Back: safeBack(r.URL.Query().Get("back"))}
	s.render(w, r, http.StatusOK, privacyHoldTemplate, v)
}

func (s *Server) privacySetHold(w http.ResponseWriter, r *http.Request) {
	s.changeHold(w, r, s.cfg.Desk.SetLegalHold)
}

func (s *Server) privacyLiftHold(w http.ResponseWriter, r *http.Request) {
	s.changeHold(w, r, s.cfg.Desk.LiftLegalHold)
}

// changeHold sets or lifts a hold and goes back to the hold page (303),
// or shows the form again with what is wrong.
func (s *Server) changeHold(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, a helpdesk.Actor, ref, reason string) (desk.CaseHold, error)) {
	f := NewForm(r)
	ref := r.PathValue("ref")
	back := safeBack(f.Value("back"))
	h, err := change(r.Context(), Actor(r), ref, f.Value("reason"))
	if err == nil {
		next := "/privacy/cases/" + url.PathEscape(h.Reference) + "/legal-hold"
		if back != "" {
			next += "?back=" + url.QueryEscape(back)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	cur, lerr := s.cfg.Desk.LegalHoldOf(r.Context(), Actor(r), ref)
	if lerr != nil {
		s.deskFailure(w, r, err)
		return
	}
	v := s.view(r, "privacy.hold.title")
	v.Title = v.T("privacy.hold.title", cur.Reference)
	v.Form = f
	status, refused := v.Refused(err, "reason")
	if !refused {
		s.deskFailure(w, r, err)
		return
	}
	v.Data = holdPage{H: cur, Back: back}
	s.render(w, r, status, privacyHoldTemplate, v)
}

// safeBack keeps a way back only to a person page of this site.
func safeBack(p string) string {
	if rest, ok := strings.CutPrefix(p, "/privacy/people/"); ok && rest != "" && !strings.ContainsAny(rest, "/\\?#:") {
		return p
	}
	return ""
}
