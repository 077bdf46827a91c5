package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/web/session"
)

// BenchmarkPages is the server's time for a page, the session looked up
// and the page rendered and compressed (docs/PERFORMANCE.md, web pages).
func BenchmarkPages(b *testing.B) {
	s, err := New(Config{Directory: directory.Demo(), DevLogin: true, InsecureCookie: true, Sessions: session.NewMemory(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// Sign in once, by hand.
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	cookie := rec.Result().Cookies()[0]
	token := csrfRe.FindStringSubmatch(rec.Body.String())[1]
	req := httptest.NewRequest(http.MethodPost, "/login", nil)
	req.PostForm = url.Values{"csrf": {token}, "username": {"per"}}
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	signedIn := rec.Result().Cookies()[0]
	for _, path := range []string{"/login", "/", "/tilgjengelighet"} {
		b.Run(path, func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				if path != "/login" {
					req.AddCookie(signedIn)
				}
				rec := httptest.NewRecorder()
				start := time.Now()
				s.ServeHTTP(rec, req)
				worst = max(worst, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
			b.ReportMetric(float64(worst.Microseconds()), "max-µs")
		})
	}
}
