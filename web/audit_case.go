package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// The auditor's timeline of one case (GET /audit/cases/{ref}): every
// event of its record oldest first, with actor, time, "on behalf of",
// its hash and the hash it chains to (Desk.History); the chain checked
// (Desk.VerifyCase: data-field="verify", data-value "ok" or the first
// bad revision, marked in the timeline); the case as it was at a moment
// (?asOf=T, RFC 3339 or the browser's date-and-time field, in Oslo; or
// ?step=N, the N-th event, from the slider: answered with a redirect to
// its asOf) folded by Desk.CaseAsOf, data-field="status" with the API's
// status; and the SLA explained as a bar of running, paused and
// out-of-hours intervals with its deadlines (Desk.ExplainSLA). All reads,
// each recorded by the desk; nothing on the page writes.

var auditCaseTemplate = parsePages("audit_case.html")

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /audit/cases/{ref}", s.signedIn(s.auditCase))
	})
}

type auditCaseData struct {
	Ref, Href, AsOfInput string
	Verify               verifyView
	Then                 thenView
	Events               []eventView
	Step, MaxStep        int
	StepText             string
	SLA                  *slaView
}

// thenView is the case as it was at a moment.
type thenView struct {
	AsOf                 moment
	Now                  bool
	Status, StatusCode   string
	Title, Kind          string
	Assignee, Group      string
	Priority, Resolution string
	Revision             int64
	OpenTasks            []string
}

type eventView struct {
	Revision                      uint64
	Type, What                    string
	At                            moment
	Actor, OnBehalfOf             string
	Hash, PrevHash, Short         string
	PrevShort                     string
	Data                          string
	Bad, Unverified, After, Shown bool
	AsOfHref                      string
}

// auditCase is GET /audit/cases/{ref}.
func (s *Server) auditCase(w http.ResponseWriter, r *http.Request) {
	actor, ref := Actor(r), r.PathValue("ref")
	ctx := r.Context()
	v := s.view(r, "audit.case.title")
	q := r.URL.Query()
	history, err := s.cfg.Desk.History(ctx, actor, ref)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	if step := q.Get("step"); step != "" {
		// The slider names an event: show the case as it was right
		// after it, at an address that says when.
		n, err := strconv.Atoi(step)
		if err != nil || n < 0 || n >= len(history) {
			n = len(history) - 1
		}
		u := url.Values{"asOf": {history[n].OccurredAt.Format(time.RFC3339Nano)}}
		http.Redirect(w, r, r.URL.Path+"?"+u.Encode(), http.StatusSeeOther)
		return
	}
	var asOf time.Time
	if raw := q.Get("asOf"); raw != "" {
		at, ok := localTime(raw)
		t, err := time.Parse(time.RFC3339Nano, at)
		if !ok || err != nil {
			v.Form = &Form{Values: url.Values{"asOf": {raw}}}
			v.Form.Fail("asOf", v.T("audit.asOf.bad"))
		} else {
			asOf = t
		}
	}
	status := http.StatusOK
	if v.Form.HasErrors() {
		status = http.StatusBadRequest
	}
	then, at, err := s.cfg.Desk.CaseAsOf(ctx, actor, ref, asOf)
	if desk.IsKind(err, desk.NotFound) && !asOf.IsZero() {
		// Before the case existed: say so beside the field, and show it
		// as it is now.
		v.Form = &Form{Values: url.Values{"asOf": {q.Get("asOf")}}}
		status, _ = v.Refused(err, "asOf")
		then, at, err = s.cfg.Desk.CaseAsOf(ctx, actor, ref, time.Time{})
		asOf = time.Time{}
	}
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	verified, err := s.cfg.Desk.VerifyCase(ctx, actor, ref)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	d := auditCaseData{Ref: then.Reference, Href: "/audit/cases/" + url.PathEscape(then.Reference),
		AsOfInput: at.In(helpdesk.Oslo).Format("2006-01-02T15:04:05")}
	v.Title = v.T("audit.case.title", then.Reference)
	d.Verify = verifyView{OK: verified.OK, Value: "ok", Text: v.T("audit.verify.ok", verified.Events)}
	bad := uint64(0)
	if !verified.OK {
		d.Verify.Value = "?"
		if verified.FirstBadRevision != nil {
			bad = *verified.FirstBadRevision
			d.Verify.Value = strconv.FormatUint(bad, 10)
		}
		d.Verify.Text = v.T("audit.verify.bad", d.Verify.Value)
	}
	d.Then = s.thenOf(v, then, at, asOf.IsZero())
	for i, e := range history {
		ev := eventView{Revision: e.Revision, Type: e.Type, At: v.atSecond(e.OccurredAt), Actor: s.actorName(v.Lang, e.Actor),
			Hash: e.Hash, PrevHash: e.PrevHash, Short: shortHash(e.Hash), PrevShort: shortHash(e.PrevHash), Data: prettyJSON(e.Data),
			After: !asOf.IsZero() && e.OccurredAt.After(at), AsOfHref: d.Href + "?asOf=" + url.QueryEscape(e.OccurredAt.Format(time.RFC3339Nano))}
		what := "audit.event." + e.Type
		ev.What = e.Type
		if v.Lang.Has(what) {
			ev.What = v.T(what)
		}
		if !verified.OK && verified.FirstBadRevision != nil {
			ev.Bad, ev.Unverified = e.Revision == bad, e.Revision > bad
		}
		ev.OnBehalfOf = s.nameOf(onBehalfOf(e.Type, e.Actor, e.Data))
		if !ev.After {
			d.Step = i
		}
		d.Events = append(d.Events, ev)
	}
	d.MaxStep = len(history) - 1
	if len(d.Events) > 0 {
		e := d.Events[d.Step]
		d.StepText = v.T("audit.slider.value", e.Revision, e.What, e.At.Text)
	}
	if sla, err := s.cfg.Desk.ExplainSLA(ctx, actor, ref); err == nil {
		d.SLA = s.slaViewOf(v, sla)
	} else if !desk.IsKind(err, desk.NotFound) {
		s.deskFailure(w, r, err)
		return
	}
	v.Data = d
	s.render(w, r, status, auditCaseTemplate, v)
}

// atSecond is t to the second: an auditor tells apart events of one
// minute ("i dag 14:30:07").
func (v *view) atSecond(t time.Time) moment {
	m := v.at(t)
	if m.Text != "" {
		m.Text += t.In(helpdesk.Oslo).Format(":05")
	}
	return m
}

func (s *Server) thenOf(v *view, c helpdesk.Case, at time.Time, now bool) thenView {
	t := thenView{AsOf: v.atSecond(at), Now: now, Status: caseStatus(v.Lang, c.Status), StatusCode: string(c.Status), Title: c.Title,
		Kind: caseKind(v.Lang, c.Kind), Assignee: s.nameOf(c.Assignee), Group: groupName(v.Lang, c.Group), Resolution: c.Resolution,
		Revision: c.Revision}
	if c.Priority != "" {
		key := "kpi.priority." + string(c.Priority)
		t.Priority = v.T(key)
	}
	for _, task := range c.Tasks {
		if task.Status == helpdesk.TaskStatusOpen {
			t.OpenTasks = append(t.OpenTasks, task.Title)
		}
	}
	return t
}

// actorName is who recorded an event: a person, or the help desk itself.
func (s *Server) actorName(l i18n.Lang, actor string) string {
	if actor == "" || actor == "brukerhjelp" || actor == "system" {
		return l.T("live.system")
	}
	return s.nameOf(actor)
}

// onBehalfOf is whom an event was done for: a deputy's decision names
// the approver; a case opened by someone else names its reporter.
func onBehalfOf(eventType, actor string, data json.RawMessage) string {
	var d struct {
		OnBehalfOf string `json:"onBehalfOf"`
		Reporter   string `json:"reporter"`
	}
	if json.Unmarshal(data, &d) != nil {
		return ""
	}
	if d.OnBehalfOf != "" {
		return d.OnBehalfOf
	}
	if eventType == (helpdesk.CaseOpened{}).EventType() && d.Reporter != "" && d.Reporter != actor {
		return d.Reporter
	}
	return ""
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// slaView is a case's SLA as a bar over time: running, paused and
// out-of-hours stretches, the deadlines marked, and the same as a table.
type slaView struct {
	Priority, Desc             string
	Response, Resolution       string
	ResponseDue, ResolutionDue moment
	Used                       string
	Width, Height              float64
	Segments                   []slaSegment
	Marks                      []slaMark
	// Now marks the moment the explanation runs to.
	Now        *slaMark
	Rows       []slaRow
	Milestones []slaRow
}

type slaSegment struct {
	X, W  float64
	Class string
}

type slaMark struct {
	X          float64
	Label      string
	LabelX     float64
	Anchor     string
	Row        float64
	Class      string
	Breached   bool
	DeadlineAt moment
}

type slaRow struct {
	State, Start, End moment
	What, Minutes     string
	StateCode         string
}

const (
	slaBarX = 10.0
	slaBarW = 620.0
	slaBarY = 34.0
	slaBarH = 26.0
)

func (s *Server) slaViewOf(v *view, e desk.SLAExplanation) *slaView {
	sv := &slaView{Width: 640, Height: 112, Used: v.T("kpi.hours", v.Lang.Decimal(e.UsedHours, 2)),
		Response: v.T("kpi.hours", v.Lang.Decimal(e.ResponseTarget, 1)), Resolution: v.T("kpi.hours", v.Lang.Decimal(e.ResolutionTarget, 1))}
	if e.Priority != "" {
		key := "kpi.priority." + string(e.Priority)
		sv.Priority = v.T(key)
	}
	if len(e.Intervals) == 0 {
		sv.Desc = v.T("audit.sla.none")
		return sv
	}
	start, end := e.Intervals[0].Start, e.Intervals[len(e.Intervals)-1].End
	if e.SLA != nil {
		sv.ResponseDue, sv.ResolutionDue = v.at(deref(e.SLA.ResponseDue)), v.at(deref(e.SLA.ResolutionDue))
		for _, due := range []*time.Time{e.SLA.ResponseDue, e.SLA.ResolutionDue} {
			if due != nil && due.After(end) {
				end = *due
			}
		}
	}
	span := end.Sub(start)
	if span <= 0 {
		span = time.Minute
	}
	x := func(t time.Time) float64 { return round1(slaBarX + float64(t.Sub(start))/float64(span)*slaBarW) }
	sums := map[string]float64{}
	for _, iv := range e.Intervals {
		cls := map[string]string{"running": "bh-sla-run", "paused": "bh-sla-pause", "out-of-hours": "bh-sla-off"}[iv.State]
		sv.Segments = append(sv.Segments, slaSegment{X: x(iv.Start), W: round1(x(iv.End) - x(iv.Start)), Class: cls})
		sums[iv.State] += iv.End.Sub(iv.Start).Hours()
		key := "audit.sla.state." + iv.State
		sv.Rows = append(sv.Rows, slaRow{StateCode: iv.State, What: v.T(key), Start: v.at(iv.Start), End: v.at(iv.End),
			Minutes: v.Lang.Decimal(iv.ServiceMinutes, 0)})
	}
	if e.SLA != nil {
		marks := []struct {
			due      *time.Time
			key      string
			breached bool
		}{{e.SLA.ResponseDue, "audit.sla.responseDue", e.SLA.ResponseBreached}, {e.SLA.ResolutionDue, "audit.sla.resolutionDue", e.SLA.ResolutionBreached}}
		for i, m := range marks {
			if m.due == nil {
				continue
			}
			mx := x(*m.due)
			label := v.T(m.key)
			if m.breached {
				label = v.T("audit.sla.breached", label)
			}
			// The response deadline is labelled above the bar, the
			// resolution deadline below, so the two never overlap.
			mk := slaMark{X: mx, Label: label, LabelX: mx, Anchor: "middle", Row: 18, Class: "bh-sla-due",
				Breached: m.breached, DeadlineAt: v.at(*m.due)}
			if i == 1 {
				mk.Row = 102
			}
			switch {
			case mx < 80:
				mk.Anchor, mk.LabelX = "start", mx+2
			case mx > 560:
				mk.Anchor, mk.LabelX = "end", mx-2
			}
			sv.Marks = append(sv.Marks, mk)
		}
	}
	if now := x(e.AsOf); now <= slaBarX+slaBarW {
		sv.Now = &slaMark{X: now, LabelX: now, Label: v.T("audit.sla.now"), Anchor: "middle", Row: 84}
		if now < 40 {
			sv.Now.Anchor, sv.Now.LabelX = "start", now+2
		}
	}
	for _, m := range e.Milestones {
		key := "audit.sla.milestone." + m.Type
		sv.Milestones = append(sv.Milestones, slaRow{What: v.T(key), Start: v.at(m.At), StateCode: m.Type})
	}
	sv.Desc = v.T("audit.sla.desc", sv.Priority, v.Lang.Decimal(sums["running"], 1), v.Lang.Decimal(sums["paused"], 1),
		v.Lang.Decimal(sums["out-of-hours"], 1), sv.Used)
	return sv
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// ViewBox is the SLA bar's viewBox.
func (sv *slaView) ViewBox() string { return fmt.Sprintf("0 0 %g %g", sv.Width, sv.Height) }
