package api

import (
	"mime"
	"net/http"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
)

// handleKPI answers GET /reports/kpi?from=&to= (docs/KPI.md): JSON, or
// CSV when the caller accepts text/csv.
func (s *Server) handleKPI(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rep, err := s.desk.KPIReport(r.Context(), s.actor(r), desk.Period{From: q.Get("from"), To: q.Get("to")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantsCSV(r) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="kpi-`+rep.From.Format("20060102")+"-"+rep.To.Format("20060102")+`.csv"`)
		kpi.WriteCSV(w, rep)
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
