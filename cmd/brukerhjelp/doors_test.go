package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestDoorsSendTheAPIsAddressesToTheAPI(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Door", "api") })
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Door", "web") })
	h := doors(api, pages)
	for path, want := range map[string]string{
		"/api/v1/cases": "api", "/api/v1/openapi.json": "api", "/api": "api", "/healthz": "api", "/readyz": "api", "/metrics": "api",
		"/": "web", "/login": "web", "/cases/BH-2026-000001": "web", "/static/brukerhjelp.css": "web", "/apiary": "web",
		"/healthz/x": "web", "/tilgjengelighet": "web",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("X-Door"); got != want {
			t.Errorf("%s went to %s, want %s", path, got, want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:8080": true, "0.0.0.0:8080": false, "10.1.2.3:80": false} {
		a, _ := net.ResolveTCPAddr("tcp", addr)
		if got := isLoopback(a); got != want {
			t.Errorf("%s: got %v, want %v", addr, got, want)
		}
	}
}
