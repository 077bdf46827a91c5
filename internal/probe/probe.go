// Package probe answers the container healthchecks of the production
// image, which has no shell and no curl: `brukerhjelp healthcheck api`
// asks the API's GET /readyz, `brukerhjelp healthcheck worker` asks
// Temporal whether the worker of this host polls the task queue.
package probe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// API asks the API listening on httpAddr (HTTP_ADDR, host:port; an empty
// or unspecified host means this host) whether it is ready.
func API(ctx context.Context, httpAddr string) error {
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /readyz answered %s", resp.Status)
	}
	return nil
}

// WorkerIdentity is the Temporal identity a production worker process
// polls under: it names the host, so a healthcheck on that host can find
// it among the task queue's pollers.
func WorkerIdentity(hostname string, pid int) string {
	return fmt.Sprintf("brukerhjelp-worker@%s/%d", hostname, pid)
}

// Hostname is os.Hostname, or "unknown".
func Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

// PollsFrom reports whether one of the pollers' identities is a worker on
// hostname (any process).
func PollsFrom(identities []string, hostname string) bool {
	prefix := "brukerhjelp-worker@" + hostname + "/"
	for _, id := range identities {
		if strings.HasPrefix(id, prefix) {
			return true
		}
	}
	return false
}
