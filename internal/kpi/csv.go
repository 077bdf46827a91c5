package kpi

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// csvHeader names the columns of the CSV report: one row for the total
// and one per kind, priority and group.
var csvHeader = func() []string {
	h := []string{"dimension", "key", "from", "to", "opened", "resolved", "backlog"}
	for _, b := range Buckets {
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

// WriteCSV writes a report as CSV: one row for the total and one per kind,
// priority and group (docs/KPI.md names the columns). Every door that
// offers the CSV download writes it with this.
func WriteCSV(w io.Writer, rep Report) {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	row := func(dim, key string, f Figures) {
		rec := []string{dim, key, rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339),
			strconv.Itoa(f.Opened), strconv.Itoa(f.Resolved), strconv.Itoa(f.Backlog.Total)}
		for _, b := range f.Backlog.Buckets {
			rec = append(rec, strconv.Itoa(b.Count))
		}
		for _, st := range []Stats{f.FirstResponseHours, f.ResolutionHours} {
			rec = append(rec, strconv.Itoa(st.Count), num(st.Median), num(st.P90))
		}
		for _, sh := range []Share{f.ResponseWithinTarget, f.ResolutionWithinTarget, f.Reopened} {
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
		rows []Row
	}{{"kind", rep.ByKind}, {"priority", rep.ByPriority}, {"group", rep.ByGroup}} {
		for _, rw := range set.rows {
			row(set.dim, rw.Key, rw.Figures)
		}
	}
	cw.Flush()
}
