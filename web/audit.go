package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// The auditor's pages: GET /audit (find a case, verify the whole record,
// export a period, the log of reads), GET /audit/export (the JSON Lines
// download), GET /audit/reads (who read what, when) and the case's
// timeline (audit_case.go). Every one of them is a GET that writes
// nothing: the desk records each read on the record, as it does for the
// JSON API.

var (
	auditTemplate      = parsePages("audit.html")
	auditReadsTemplate = parsePages("audit_reads.html")
)

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /audit", s.signedIn(s.auditHome))
		s.mux.HandleFunc("GET /audit/export", s.signedIn(s.auditExport))
		s.mux.HandleFunc("GET /audit/reads", s.signedIn(s.auditReads))
		s.mux.HandleFunc("GET /audit/cases", s.signedIn(s.auditFind))
	})
}

type auditHomeData struct {
	// Verified is the result of verifying everything, when asked.
	Verified *verifyView
	Today    string
	MonthAgo string
}

type verifyView struct {
	OK     bool
	Value  string
	Text   string
	Stream string
	Href   string
}

// auditHome is GET /audit; ?verify=all recomputes every hash chain.
func (s *Server) auditHome(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "audit.title")
	if !desk.Allowed(Actor(r), desk.ActionAuditReads) {
		s.errorPage(w, r, http.StatusForbidden, "")
		return
	}
	now := v.now.In(helpdesk.Oslo)
	d := auditHomeData{Today: now.Format(time.DateOnly), MonthAgo: now.AddDate(0, -1, 0).Format(time.DateOnly)}
	v.Form = &Form{Values: url.Values{"from": {d.MonthAgo}, "to": {d.Today}}}
	if r.URL.Query().Get("verify") == "all" {
		res, err := s.cfg.Desk.VerifyAll(r.Context(), Actor(r))
		if err != nil {
			s.deskFailure(w, r, err)
			return
		}
		vv := &verifyView{OK: res.OK, Value: "ok", Text: v.T("audit.verifyAll.ok", v.Number(int64(res.Events)))}
		if !res.OK {
			rev := "?"
			if res.FirstBadRevision != nil {
				rev = fmt.Sprint(*res.FirstBadRevision)
			}
			vv.Value, vv.Stream = rev, res.FirstBadStream
			vv.Text = v.T("audit.verifyAll.bad", res.FirstBadStream, rev)
			if id, ok := strings.CutPrefix(res.FirstBadStream, "case-"); ok {
				vv.Href = "/audit/cases/" + url.PathEscape(id)
			}
		}
		d.Verified = vv
	}
	v.Data = d
	s.render(w, r, http.StatusOK, auditTemplate, v)
}

// auditFind is GET /audit/cases?ref=: to the case's timeline.
func (s *Server) auditFind(w http.ResponseWriter, r *http.Request) {
	ref := strings.TrimSpace(r.URL.Query().Get("ref"))
	if ref == "" {
		http.Redirect(w, r, "/audit", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/audit/cases/"+url.PathEscape(ref), http.StatusSeeOther)
}

// dayRange reads from and to as the export and the log of reads take
// them: dates (Oslo), to including its whole day; empty is open.
func dayRange(from, to string) (time.Time, time.Time, string, bool) {
	var f, t time.Time
	if from != "" {
		d, err := time.ParseInLocation(time.DateOnly, from, helpdesk.Oslo)
		if err != nil {
			return f, t, "from", false
		}
		f = d
	}
	if to != "" {
		d, err := time.ParseInLocation(time.DateOnly, to, helpdesk.Oslo)
		if err != nil {
			return f, t, "to", false
		}
		t = d.AddDate(0, 0, 1)
	}
	return f, t, "", true
}

// auditExport is GET /audit/export?from=&to= (dates): every event of the
// period as JSON Lines, downloaded.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, bad, ok := dayRange(q.Get("from"), q.Get("to"))
	if !ok {
		v := s.view(r, "audit.title")
		v.Form = &Form{Values: q}
		v.Form.Fail(bad, v.T("audit.date.bad"))
		v.Data = auditHomeData{}
		s.render(w, r, http.StatusBadRequest, auditTemplate, v)
		return
	}
	export, err := s.cfg.Desk.Export(r.Context(), Actor(r), from, to)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	name := "brukerhjelp-" + orAll(q.Get("from")) + "-" + orAll(q.Get("to")) + ".jsonl"
	h := w.Header()
	h.Set("Content-Type", "application/jsonl; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	rc := http.NewResponseController(w)
	if err := export(r.Context(), w, func() { _ = rc.Flush() }); err != nil && r.Context().Err() == nil {
		s.log.ErrorContext(r.Context(), "web: audit export", "error", err)
	}
}

func orAll(s string) string {
	if s == "" {
		return "alt"
	}
	return s
}

type auditReadsData struct {
	From, To string
	Reads    []readView
}

type readView struct {
	At                     moment
	Who, Roles, What, Ref  string
	Href, Query, RequestID string
}

// auditReads is GET /audit/reads?from=&to=: who read the record, when
// and what (reading it is recorded too).
func (s *Server) auditReads(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "audit.reads.title")
	q := r.URL.Query()
	d := auditReadsData{From: q.Get("from"), To: q.Get("to")}
	if d.From == "" && d.To == "" {
		d.From = v.now.In(helpdesk.Oslo).AddDate(0, 0, -7).Format(time.DateOnly)
	}
	v.Form = &Form{Values: url.Values{"from": {d.From}, "to": {d.To}}}
	log, err := s.cfg.Desk.AuditReads(r.Context(), Actor(r), desk.Period{From: d.From, To: d.To})
	if err != nil {
		if status, ok := v.Refused(err, "from", "to"); ok && status == http.StatusBadRequest {
			v.Data = d
			s.render(w, r, status, auditReadsTemplate, v)
			return
		}
		s.deskFailure(w, r, err)
		return
	}
	for i := len(log.Reads) - 1; i >= 0; i-- { // newest first
		rd := log.Reads[i]
		what := "audit.read." + rd.What
		var roles []string
		for _, role := range rd.Roles {
			key := "role." + role
			if v.Lang.Has(key) {
				role = v.T(key)
			}
			roles = append(roles, role)
		}
		rv := readView{At: v.atSecond(rd.At), Who: s.nameOf(rd.Actor), Roles: v.Lang.List(roles), What: rd.What,
			Ref: rd.Ref, Query: rd.Query, RequestID: rd.RequestID}
		if v.Lang.Has(what) {
			rv.What = v.T(what)
		}
		if rd.Ref != "" {
			rv.Href = "/audit/cases/" + url.PathEscape(rd.Ref)
		}
		d.Reads = append(d.Reads, rv)
	}
	v.Data = d
	s.render(w, r, http.StatusOK, auditReadsTemplate, v)
}
