package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAPIAsksReadyz(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	if err := API(context.Background(), addr); err != nil {
		t.Fatalf("ready API: %v", err)
	}
	// HTTP_ADDR as compose sets it (":port") means this host.
	port := addr[strings.LastIndex(addr, ":"):]
	if err := API(context.Background(), port); err != nil {
		t.Fatalf("ready API on %s: %v", port, err)
	}
	ready = false
	if err := API(context.Background(), addr); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unready API: got %v, want an error naming 503", err)
	}
	srv.Close()
	if err := API(context.Background(), addr); err == nil {
		t.Fatal("no API listening: got no error")
	}
	if err := API(context.Background(), "8080"); err == nil || !strings.Contains(err.Error(), "HTTP_ADDR") {
		t.Fatalf("bad HTTP_ADDR: got %v", err)
	}
}

func TestPollsFromFindsThisHostsWorker(t *testing.T) {
	pollers := []string{"4711@other-host@", WorkerIdentity("worker-2", 1), WorkerIdentity("worker-1", 7)}
	if !PollsFrom(pollers, "worker-1") {
		t.Error("worker-1 polls but was not found")
	}
	if PollsFrom(pollers, "worker") || PollsFrom(pollers, "other-host") {
		t.Error("a host without a Brukerhjelp worker (or a prefix of another's name) was taken as polling")
	}
}
