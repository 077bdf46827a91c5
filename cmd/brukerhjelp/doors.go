package main

import (
	"net"
	"net/http"
	"strings"
)

// doors sends the JSON API's addresses (/api/…, /healthz, /readyz,
// /metrics) to the API and every other address to the web pages: both
// doors on one address (API.md section 9), neither knowing the other.
func doors(api, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPIPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

func isAPIPath(p string) bool {
	switch p {
	case "/api", "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(p, "/api/")
}

// isLoopback reports whether addr listens on a loopback address only
// (127.0.0.1, ::1): there dev mode's cookies go without Secure, since
// the browser speaks plain HTTP to it.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
