package api

import (
	"context"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
)

// Reports is the read model's side of GET /reports/kpi
// (readmodel.DB.ReportCases): every folded case that can count in a
// report of [from, to).
type Reports interface {
	ReportCases(ctx context.Context, from, to time.Time, fn func(helpdesk.Case) error) error
}

// defaultReportDays is the period of a report that names none.
const defaultReportDays = 30

// maxReportDays bounds a report's period.
const maxReportDays = 3660

// queryPeriod reads ?from=&to=: RFC 3339 times, or dates (YYYY-MM-DD) in
// Oslo, where from is the start of its day and to includes its whole day.
// Without to the period ends now; without from it starts 30 days before
// to. A period longer than maxDays is refused.
func queryPeriod(r *http.Request, now time.Time, maxDays int) (from, to time.Time, p *Problem) {
	parse := func(name string, endOfDay bool) (time.Time, *Problem) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		if d, err := time.ParseInLocation(time.DateOnly, v, helpdesk.Oslo); err == nil {
			if endOfDay {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		return time.Time{}, problem(r, http.StatusBadRequest, name,
			name+" må være et tidspunkt i RFC 3339 (2026-11-24T09:00:00+01:00) eller en dato (2026-11-24)",
			name+" must be an RFC 3339 time (2026-11-24T09:00:00+01:00) or a date (2026-11-24)")
	}
	if from, p = parse("from", false); p != nil {
		return
	}
	if to, p = parse("to", true); p != nil {
		return
	}
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -defaultReportDays)
	}
	switch {
	case !from.Before(to):
		p = problem(r, http.StatusBadRequest, "to", "to må være etter from", "to must be after from")
	case to.Sub(from) > time.Duration(maxDays)*24*time.Hour:
		p = problem(r, http.StatusBadRequest, "from", "perioden kan være høyst "+strconv.Itoa(maxDays)+" dager",
			"the period may be at most "+strconv.Itoa(maxDays)+" days")
	}
	return from, to, p
}

// handleKPI answers GET /reports/kpi?from=&to= (docs/KPI.md): JSON, or
// CSV when the caller accepts text/csv.
func (s *Server) handleKPI(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		writeProblem(w, problem(r, http.StatusServiceUnavailable, "", "rapportene er ikke tilgjengelige", "reports are not available"))
		return
	}
	now := time.Now()
	from, to, p := queryPeriod(r, now, maxReportDays)
	if p != nil {
		writeProblem(w, p)
		return
	}
	cal, err := calendar.New(s.policy.Calendar)
	if err != nil {
		s.internalError(w, r, "calendar", err)
		return
	}
	if !s.recordRead(w, r, audit.ReadKPI, "") {
		return
	}
	b := kpi.NewBuilder(from, to, now, cal)
	if err := s.reports.ReportCases(r.Context(), from, to, func(c helpdesk.Case) error { b.Add(c); return nil }); err != nil {
		s.internalError(w, r, "kpi report", err)
		return
	}
	rep := b.Report()
	if wantsCSV(r) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="kpi-`+from.Format("20060102")+"-"+to.Format("20060102")+`.csv"`)
		writeKPICSV(w, rep)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// wantsCSV reports whether Accept names text/csv (before any JSON type).
func wantsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case "text/csv":
			return true
		case "application/json", "application/*":
			return false
		}
	}
	return false
}

// kpiCSVHeader names the columns of the CSV report: one row for the total
// and one per kind, priority and group.
var kpiCSVHeader = func() []string {
	h := []string{"dimension", "key", "from", "to", "opened", "resolved", "backlog"}
	for _, b := range kpi.Buckets {
		h = append(h, "backlog_days_"+b.Label)
	}
	return append(h,
		"first_response_count", "first_response_median_hours", "first_response_p90_hours",
		"resolution_count", "resolution_median_hours", "resolution_p90_hours",
		"response_within_target", "response_measured", "response_within_target_rate",
		"resolution_within_target", "resolution_measured", "resolution_within_target_rate",
		"reopened", "reopen_measured", "reopen_rate",
		"approval_count", "approval_lead_median_hours", "approval_lead_p90_hours",
		"new_users_ready", "new_users_reported", "new_users_ready_rate")
}()

func writeKPICSV(w http.ResponseWriter, rep kpi.Report) {
	cw := csv.NewWriter(w)
	_ = cw.Write(kpiCSVHeader)
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	row := func(dim, key string, f kpi.Figures) {
		rec := []string{dim, key, rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339),
			strconv.Itoa(f.Opened), strconv.Itoa(f.Resolved), strconv.Itoa(f.Backlog.Total)}
		for _, b := range f.Backlog.Buckets {
			rec = append(rec, strconv.Itoa(b.Count))
		}
		for _, st := range []kpi.Stats{f.FirstResponseHours, f.ResolutionHours} {
			rec = append(rec, strconv.Itoa(st.Count), num(st.Median), num(st.P90))
		}
		for _, sh := range []kpi.Share{f.ResponseWithinTarget, f.ResolutionWithinTarget, f.Reopened} {
			rec = append(rec, strconv.Itoa(sh.Count), strconv.Itoa(sh.Of), num(sh.Rate))
		}
		st := f.ApprovalLeadHours
		rec = append(rec, strconv.Itoa(st.Count), num(st.Median), num(st.P90))
		sh := f.NewUsersReady
		rec = append(rec, strconv.Itoa(sh.Count), strconv.Itoa(sh.Of), num(sh.Rate))
		_ = cw.Write(rec)
	}
	row("total", "", rep.Total)
	for _, set := range []struct {
		dim  string
		rows []kpi.Row
	}{{"kind", rep.ByKind}, {"priority", rep.ByPriority}, {"group", rep.ByGroup}} {
		for _, rw := range set.rows {
			row(set.dim, rw.Key, rw.Figures)
		}
	}
	cw.Flush()
}
