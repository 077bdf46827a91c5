package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// The service owner's dashboard (GET /reports/kpi): the KPI report
// (desk.KPIReport, the same the JSON API answers; docs/KPI.md defines
// the figures) as charts drawn on the server with their figures in
// tables: opened and resolved per week, the backlog by age, response and
// resolution times (median and p90, service hours) and SLA compliance
// per priority and per group. Filters: from and to (dates, as the API
// takes them) and group. GET /reports/kpi.csv downloads the report as
// CSV (kpi.WriteCSV). Every report read is recorded by the desk; the
// weekly chart reads one report per week.

var kpiTemplate = parsePages("kpi.html")

func init() {
	addRoutes(func(s *Server) {
		s.mux.HandleFunc("GET /reports/kpi", s.signedIn(s.kpiDashboard))
		s.mux.HandleFunc("GET /reports/kpi.csv", s.signedIn(s.kpiCSV))
	})
}

// maxWeeks bounds the weekly chart: a longer period shows its last
// weeks.
const maxWeeks = 26

type kpiData struct {
	From, To, Group string
	Groups          choiceGroup
	Period          string
	FromISO, ToISO  string
	BacklogAt       moment
	CSVHref         string
	Cards           []kpiCard
	Charts          []chart
	// WeeksCut: the weekly chart shows only the last maxWeeks weeks.
	WeeksCut bool
}

// kpiCard is one headline figure.
type kpiCard struct {
	Key, Label, Text, Raw string
}

// kpiDashboard is GET /reports/kpi.
func (s *Server) kpiDashboard(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "kpi.title")
	actor := Actor(r)
	if !desk.Allowed(actor, desk.ActionKPI) {
		s.errorPage(w, r, http.StatusForbidden, "")
		return
	}
	q := r.URL.Query()
	d := kpiData{From: q.Get("from"), To: q.Get("to"), Group: q.Get("group")}
	v.Form = &Form{Values: url.Values{"from": {d.From}, "to": {d.To}, "group": {d.Group}}}
	rep, err := s.cfg.Desk.KPIReport(r.Context(), actor, desk.Period{From: d.From, To: d.To})
	if err != nil {
		if status, ok := v.Refused(err, "from", "to"); ok && status == http.StatusBadRequest {
			d.Groups = s.kpiGroups(v, nil)
			v.Data = d
			s.render(w, r, status, kpiTemplate, v)
			return
		}
		s.deskFailure(w, r, err)
		return
	}
	d.Groups = s.kpiGroups(v, rep.ByGroup)
	// The fields say the period shown, also when it was the default.
	v.Form.Values.Set("from", rep.From.In(helpdesk.Oslo).Format(time.DateOnly))
	v.Form.Values.Set("to", rep.To.Add(-time.Nanosecond).In(helpdesk.Oslo).Format(time.DateOnly))
	d.FromISO, d.ToISO = rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339)
	d.Period = v.T("kpi.period", v.Date(rep.From), v.Date(rep.To.Add(-time.Nanosecond)))
	d.BacklogAt = v.at(rep.BacklogAt)
	csv := url.Values{}
	csv.Set("from", d.FromISO)
	csv.Set("to", d.ToISO)
	d.CSVHref = "/reports/kpi.csv?" + csv.Encode()

	total, scope := rep.Total, "total"
	if d.Group != "" {
		total, scope = kpi.Figures{Backlog: kpi.Backlog{Buckets: emptyBuckets()}}, "group."+d.Group
		for _, row := range rep.ByGroup {
			if row.Key == d.Group {
				total = row.Figures
			}
		}
	}
	d.Cards = s.kpiCards(v, scope, total)

	weekly, cut, err := s.weeklyChart(r, v, actor, rep, d.Group)
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	d.WeeksCut = cut
	d.Charts = append(d.Charts, weekly, backlogChart(v, total, d.Group))
	allGroups := ""
	if d.Group != "" {
		allGroups = v.T("kpi.note.allGroups")
	}
	byPriority := priorityRows(v, rep.ByPriority)
	byGroup := groupRows(v, rep.ByGroup)
	d.Charts = append(d.Charts,
		timesChart(v, "response-priority", v.T("kpi.chart.responsePriority"), byPriority, func(f kpi.Figures) kpi.Stats { return f.FirstResponseHours }, allGroups),
		timesChart(v, "resolution-priority", v.T("kpi.chart.resolutionPriority"), byPriority, func(f kpi.Figures) kpi.Stats { return f.ResolutionHours }, allGroups),
		complianceChart(v, "compliance-priority", v.T("kpi.chart.compliancePriority"), byPriority, allGroups),
		timesChart(v, "response-group", v.T("kpi.chart.responseGroup"), byGroup, func(f kpi.Figures) kpi.Stats { return f.FirstResponseHours }, ""),
		timesChart(v, "resolution-group", v.T("kpi.chart.resolutionGroup"), byGroup, func(f kpi.Figures) kpi.Stats { return f.ResolutionHours }, ""),
		complianceChart(v, "compliance-group", v.T("kpi.chart.complianceGroup"), byGroup, ""),
	)
	for i := range d.Charts {
		d.Charts[i].TableSummary = v.T("kpi.table")
		d.Charts[i].layout()
	}
	v.Data = d
	s.render(w, r, http.StatusOK, kpiTemplate, v)
}

// kpiCSV is GET /reports/kpi.csv: the report as CSV, as the API's
// Accept: text/csv answers it.
func (s *Server) kpiCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rep, err := s.cfg.Desk.KPIReport(r.Context(), Actor(r), desk.Period{From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		s.deskFailure(w, r, err)
		return
	}
	var b bytes.Buffer
	kpi.WriteCSV(&b, rep)
	name := fmt.Sprintf("brukerhjelp-kpi-%s-%s.csv", rep.From.In(helpdesk.Oslo).Format(time.DateOnly),
		rep.To.Add(-time.Nanosecond).In(helpdesk.Oslo).Format(time.DateOnly))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
}

// kpiGroups is the group filter: every group, all first.
func (s *Server) kpiGroups(v *view, rows []kpi.Row) choiceGroup {
	seen := map[string]bool{}
	var ids []string
	for _, u := range s.cfg.Directory.Users() {
		for _, g := range u.Groups {
			if !seen[g] {
				seen[g], ids = true, append(ids, g)
			}
		}
	}
	for _, r := range rows {
		if !seen[r.Key] && r.Key != kpi.None {
			seen[r.Key], ids = true, append(ids, r.Key)
		}
	}
	slices.Sort(ids)
	var opts []choice
	for _, g := range ids {
		opts = append(opts, choice{Value: g, Label: groupName(v.Lang, g)})
	}
	g := v.choices("group", "kpi.filter.group", "", opts)
	g.Empty = v.T("kpi.filter.allGroups")
	return g
}

func (s *Server) kpiCards(v *view, scope string, f kpi.Figures) []kpiCard {
	hours := func(x *float64) string {
		if x == nil {
			return "–"
		}
		return v.T("kpi.hours", v.Lang.Decimal(*x, 2))
	}
	return []kpiCard{
		{Key: scope + ".opened", Label: v.T("kpi.card.opened"), Text: v.Number(int64(f.Opened)), Raw: strconv.Itoa(f.Opened)},
		{Key: scope + ".resolved", Label: v.T("kpi.card.resolved"), Text: v.Number(int64(f.Resolved)), Raw: strconv.Itoa(f.Resolved)},
		{Key: scope + ".backlog", Label: v.T("kpi.card.backlog"), Text: v.Number(int64(f.Backlog.Total)), Raw: strconv.Itoa(f.Backlog.Total)},
		{Key: scope + ".responseMedian", Label: v.T("kpi.card.responseMedian"), Text: hours(f.FirstResponseHours.Median), Raw: raw(f.FirstResponseHours.Median)},
		{Key: scope + ".resolutionMedian", Label: v.T("kpi.card.resolutionMedian"), Text: hours(f.ResolutionHours.Median), Raw: raw(f.ResolutionHours.Median)},
		{Key: scope + ".resolutionWithinTarget", Label: v.T("kpi.card.slaResolution"), Text: percent(v.Lang, f.ResolutionWithinTarget.Rate), Raw: raw(f.ResolutionWithinTarget.Rate)},
	}
}

// weeklyChart reads one report per week of the period (Monday to
// Monday, Oslo; the first and last cut to the period) and charts opened
// and resolved.
func (s *Server) weeklyChart(r *http.Request, v *view, actor helpdesk.Actor, rep kpi.Report, group string) (chart, bool, error) {
	c := chart{ID: "weekly", Title: v.T("kpi.chart.weekly"), KeyHeader: v.T("kpi.col.week"), Counts: true,
		Series: []chartSeries{{Key: "opened", Name: v.T("kpi.series.opened"), Class: "bh-s1"}, {Key: "resolved", Name: v.T("kpi.series.resolved"), Class: "bh-s2"}}}
	var weeks [][2]time.Time
	from, to := rep.From.In(helpdesk.Oslo), rep.To.In(helpdesk.Oslo)
	for start := from; start.Before(to); {
		y, m, d := start.Date()
		monday := time.Date(y, m, d, 0, 0, 0, 0, helpdesk.Oslo).AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
		end := monday.AddDate(0, 0, 7)
		if end.After(to) {
			end = to
		}
		weeks = append(weeks, [2]time.Time{start, end})
		start = end
	}
	cut := len(weeks) > maxWeeks
	if cut {
		weeks = weeks[len(weeks)-maxWeeks:]
	}
	var opened []string
	for _, wk := range weeks {
		wr, err := s.cfg.Desk.KPIReport(r.Context(), actor, desk.Period{From: wk[0].Format(time.RFC3339), To: wk[1].Format(time.RFC3339)})
		if err != nil {
			return chart{}, false, err
		}
		f := wr.Total
		if group != "" {
			f = kpi.Figures{}
			for _, row := range wr.ByGroup {
				if row.Key == group {
					f = row.Figures
				}
			}
		}
		_, week := wk[0].ISOWeek()
		row := chartRow{Key: wk[0].Format(time.DateOnly), Label: v.T("kpi.week", week), From: wk[0].Format(time.RFC3339), To: wk[1].Format(time.RFC3339),
			Span:   v.T("kpi.span", v.Date(wk[0]), v.Date(wk[1].Add(-time.Nanosecond))),
			Values: []chartValue{count(v, f.Opened), count(v, f.Resolved)}}
		c.Rows = append(c.Rows, row)
		opened = append(opened, v.T("kpi.desc.week", week, f.Opened, f.Resolved))
	}
	c.Desc = v.T("kpi.desc.weekly") + " " + v.Lang.List(opened) + "."
	return c, cut, nil
}

func backlogChart(v *view, f kpi.Figures, group string) chart {
	c := chart{ID: "backlog", Title: v.T("kpi.chart.backlog", v.Number(int64(f.Backlog.Total))), KeyHeader: v.T("kpi.col.age"), Counts: true,
		Series: []chartSeries{{Key: "count", Name: v.T("kpi.series.cases"), Class: "bh-s1"}}}
	var parts []string
	for _, b := range f.Backlog.Buckets {
		label := v.T("kpi.bucket", b.Label)
		c.Rows = append(c.Rows, chartRow{Key: b.Label, Label: label, Values: []chartValue{count(v, b.Count)}})
		parts = append(parts, v.T("kpi.desc.bucket", label, b.Count))
	}
	c.Desc = v.T("kpi.desc.backlog", f.Backlog.Total) + " " + v.Lang.List(parts) + "."
	if group != "" {
		c.Note = v.T("kpi.note.group", groupName(v.Lang, group))
	}
	return c
}

// labelled is a row of the report with the label a page gives its key.
type labelled struct {
	Key, Label string
	kpi.Figures
}

func priorityRows(v *view, rows []kpi.Row) []labelled {
	var out []labelled
	order := map[string]int{"critical": 0, "high": 1, "normal": 2, "low": 3, kpi.None: 4}
	for _, r := range rows {
		key := "kpi.priority." + r.Key
		label := r.Key
		if v.Lang.Has(key) {
			label = v.T(key)
		}
		out = append(out, labelled{Key: r.Key, Label: label, Figures: r.Figures})
	}
	slices.SortStableFunc(out, func(a, b labelled) int { return rank(order, a.Key) - rank(order, b.Key) })
	return out
}

func rank(order map[string]int, k string) int {
	if n, ok := order[k]; ok {
		return n
	}
	return len(order)
}

func groupRows(v *view, rows []kpi.Row) []labelled {
	var out []labelled
	for _, r := range rows {
		label := groupName(v.Lang, r.Key)
		if r.Key == kpi.None {
			label = v.T("kpi.noGroup")
		}
		out = append(out, labelled{Key: r.Key, Label: label, Figures: r.Figures})
	}
	return out
}

// timesChart charts the median and p90 of a duration per row.
func timesChart(v *view, id, title string, rows []labelled, stat func(kpi.Figures) kpi.Stats, note string) chart {
	c := chart{ID: id, Title: title, Note: note, KeyHeader: keyHeader(v, id),
		Series: []chartSeries{{Key: "median", Name: v.T("kpi.series.median"), Class: "bh-s1"}, {Key: "p90", Name: v.T("kpi.series.p90"), Class: "bh-s2"}}}
	var parts []string
	for _, r := range rows {
		st := stat(r.Figures)
		if st.Count == 0 {
			continue
		}
		c.Rows = append(c.Rows, chartRow{Key: r.Key, Label: r.Label, Values: []chartValue{hoursValue(v, st.Median), hoursValue(v, st.P90)}})
		parts = append(parts, v.T("kpi.desc.times", r.Label, hoursValue(v, st.Median).Text, hoursValue(v, st.P90).Text, st.Count))
	}
	if len(parts) == 0 {
		c.Desc = v.T("kpi.desc.none")
	} else {
		c.Desc = v.T("kpi.desc.timesLead") + " " + v.Lang.List(parts) + "."
	}
	return c
}

// complianceChart charts the share of responses and resolutions within
// their SLA targets per row, in per cent.
func complianceChart(v *view, id, title string, rows []labelled, note string) chart {
	c := chart{ID: id, Title: title, Note: note, KeyHeader: keyHeader(v, id),
		Series: []chartSeries{{Key: "responseWithinTarget", Name: v.T("kpi.series.response"), Class: "bh-s1"},
			{Key: "resolutionWithinTarget", Name: v.T("kpi.series.resolution"), Class: "bh-s2"}}}
	var parts []string
	for _, r := range rows {
		if r.ResponseWithinTarget.Of == 0 && r.ResolutionWithinTarget.Of == 0 {
			continue
		}
		resp, res := share(v, r.ResponseWithinTarget), share(v, r.ResolutionWithinTarget)
		c.Rows = append(c.Rows, chartRow{Key: r.Key, Label: r.Label, Values: []chartValue{resp, res}})
		parts = append(parts, v.T("kpi.desc.compliance", r.Label, resp.Text, res.Text))
	}
	if len(parts) == 0 {
		c.Desc = v.T("kpi.desc.none")
	} else {
		c.Desc = v.T("kpi.desc.complianceLead") + " " + v.Lang.List(parts) + "."
	}
	return c
}

// count is a number of cases.
func count(v *view, n int) chartValue {
	return chartValue{Raw: strconv.Itoa(n), Text: v.Number(int64(n)), Bar: float64(n)}
}

func hoursValue(v *view, x *float64) chartValue {
	if x == nil {
		return chartValue{Missing: true, Text: "–"}
	}
	return chartValue{Raw: raw(x), Text: v.T("kpi.hours", v.Lang.Decimal(*x, 2)), Bar: *x}
}

func share(v *view, s kpi.Share) chartValue {
	if s.Rate == nil {
		return chartValue{Missing: true, Text: "–"}
	}
	return chartValue{Raw: raw(s.Rate), Text: percent(v.Lang, s.Rate) + " (" + strconv.Itoa(s.Count) + "/" + strconv.Itoa(s.Of) + ")", Bar: *s.Rate * 100}
}

func percent(l i18n.Lang, rate *float64) string {
	if rate == nil {
		return "–"
	}
	return l.Decimal(*rate*100, 0) + "\u00a0%"
}

func raw(x *float64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

func emptyBuckets() []kpi.Bucket {
	out := make([]kpi.Bucket, len(kpi.Buckets))
	copy(out, kpi.Buckets)
	return out
}

// keyHeader names the first column of a chart's table by its dimension.
func keyHeader(v *view, id string) string {
	if strings.HasSuffix(id, "-group") {
		return v.T("kpi.col.group")
	}
	return v.T("kpi.col.priority")
}
