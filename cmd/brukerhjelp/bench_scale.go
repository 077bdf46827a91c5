package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/api"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// scaleQuery is one read the users of a large help desk make, as they
// make it: over HTTP, as a user of the demo organisation.
type scaleQuery struct {
	name string
	user string
	path string
	web  bool // a web page (signed in as user), not the JSON API
}

// deepPages is how far into a list the deep-page query starts (its
// cursor, 50 cases a page).
const deepPages = 20

// runBenchScale measures the read side on a seeded data dir (brukerhjelp
// seed): lists and queues with filters, a deep page, free-text search,
// tasks and the KPI report for a year, at each client count, and the
// process's peak memory (docs/PERFORMANCE.md, "A million cases").
func runBenchScale(ctx context.Context, f benchFlags, out io.Writer) error {
	if f.dataDir == "" {
		return usageError{errors.New("--scale: give --data-dir, a data dir written by brukerhjelp seed")}
	}
	if _, err := os.Stat(filepath.Join(f.dataDir, "events.db")); err != nil {
		return usageError{fmt.Errorf("--scale: --data-dir %s holds no record (brukerhjelp seed writes one): %w", f.dataDir, err)}
	}
	temporalPort, err := freeLocalPort()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	began := time.Now()
	st, err := startStack(ctx, devFlags{
		dataDir: f.dataDir, readModel: f.readModel, httpAddr: "127.0.0.1:0", temporalPort: temporalPort, smtpAddr: "off",
		rateLimit: api.RateLimit{PerSecond: -1},
	}, log)
	if err != nil {
		return err
	}
	defer st.close()
	b := &bencher{st: st, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}}
	if err := b.awaitReady(ctx, 30*time.Minute); err != nil {
		return err
	}
	fmt.Fprintf(out, "stack ready in %v on %s; %d CPUs, GOMAXPROCS %d\n",
		time.Since(began).Round(time.Millisecond), f.dataDir, runtime.NumCPU(), runtime.GOMAXPROCS(0))

	queries, err := b.scaleQueries(ctx)
	if err != nil {
		return fmt.Errorf("--scale: preparing the queries: %w", err)
	}
	web, err := b.signIn(ctx, "per")
	if err != nil {
		return fmt.Errorf("--scale: signing in to the web pages: %w", err)
	}
	stop, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	// Each row as it is measured: a slow query (the KPI report over a
	// large record) shows what came before it while it runs.
	writeScaleHeader(out)
	for _, n := range f.clients {
		for _, q := range queries {
			fmt.Fprintf(os.Stderr, "measuring %s at %d clients …\n", q.name, n)
			client := b.http
			if q.web {
				client = web
			}
			writeScaleRow(out, drive(ctx, q.name, n, f.duration, func(ctx context.Context, c, i int) error {
				return get(ctx, client, st.base+q.path, q.user, q.web)
			}))
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	writeScaleFooter(out, queries, memoryOf())
	return nil
}

// scaleDefaults measures --scale at 1 and 8 clients unless --clients says
// otherwise: 32 clients folding a year of a million cases each for the
// KPI report at once measures nothing a help desk does.
func scaleDefaults(f benchFlags, args []string) benchFlags {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "clients" {
			return f
		}
	}
	f.clients = []int{1, 8}
	return f
}

// awaitReady waits until /readyz answers 200: the projector has caught
// up with the record.
func (b *bencher) awaitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := get(ctx, b.http, b.st.base+"/readyz", "", false)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

var rareWord = regexp.MustCompile(`PC-\d{6}|0x[0-9A-F]{8}`)

// scaleQueries are the reads to measure, with what they need found
// first: a rare word from a case's description, the cursor of a deep
// page, the year the KPI report covers.
func (b *bencher) scaleQueries(ctx context.Context) ([]scaleQuery, error) {
	type page struct {
		Items []struct {
			Reference string    `json:"reference"`
			UpdatedAt time.Time `json:"updatedAt"`
		} `json:"items"`
		NextCursor *string `json:"nextCursor"`
	}
	var latest page
	if err := b.call(ctx, "GET", "/api/v1/cases?kind=incident&limit=1", "per", "", http.StatusOK, &latest); err != nil {
		return nil, err
	}
	if len(latest.Items) == 0 {
		return nil, errors.New("the read model holds no incident; seed the data dir first (brukerhjelp seed)")
	}
	var one struct {
		Description string `json:"description"`
	}
	if err := b.call(ctx, "GET", "/api/v1/cases/"+latest.Items[0].Reference, "per", "", http.StatusOK, &one); err != nil {
		return nil, err
	}
	rare := rareWord.FindString(one.Description)
	if rare == "" {
		rare = latest.Items[0].Reference
	}
	// The cursor deepPages pages into the closed cases.
	deep := "/api/v1/cases?status=closed&limit=50"
	cursor := ""
	for i := 0; i < deepPages; i++ {
		var p page
		if err := b.call(ctx, "GET", deep+cursor, "per", "", http.StatusOK, &p); err != nil {
			return nil, err
		}
		if p.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	// The KPI report of the year up to the last case.
	to := latest.Items[0].UpdatedAt.In(helpdesk.Oslo)
	from := to.AddDate(-1, 0, 1)
	kpi := "/api/v1/reports/kpi?from=" + from.Format(time.DateOnly) + "&to=" + to.Format(time.DateOnly)
	// The outage with the most linked cases: its page lists them all.
	var anns struct {
		Items []struct {
			ID          string `json:"id"`
			Kind        string `json:"kind"`
			LinkedCount int    `json:"linkedCount"`
		} `json:"items"`
	}
	if err := b.call(ctx, "GET", "/api/v1/announcements?limit=200", "tor", "", http.StatusOK, &anns); err != nil {
		return nil, err
	}
	outage, linked := "", -1
	for _, a := range anns.Items {
		if a.Kind == string(helpdesk.AnnouncementOutage) && a.LinkedCount > linked {
			outage, linked = a.ID, a.LinkedCount
		}
	}
	var more []scaleQuery
	if outage != "" {
		more = append(more, scaleQuery{"outage-page", "per", "/announcements/" + outage, true})
	}
	return append([]scaleQuery{
		{"list-open", "per", "/api/v1/cases?status=open", false},
		{"list-kind", "per", "/api/v1/cases?kind=incident&status=closed", false},
		{"list-group", "lise", "/api/v1/cases?group=tjeneste&status=all", false},
		{"list-deep", "per", deep + cursor, false},
		{"list-mine", "ola", "/api/v1/cases", false},
		{"queue", "per", "/api/v1/cases?group=brukerhjelp&status=open&assignee=none&sort=due", false},
		{"queue-page", "per", "/cases?group=brukerhjelp&status=open&assignee=none&sort=due", true},
		{"search-common", "per", "/api/v1/cases?q=skriveren", false},
		{"search-rare", "per", "/api/v1/cases?q=" + url.QueryEscape(rare), false},
		{"tasks-approver", "kari", "/api/v1/tasks", false},
		{"tasks-group", "lise", "/api/v1/tasks", false},
		{"kpi-year", "nina", kpi, false},
		{"announcements", "ola", "/api/v1/announcements", false},
	}, more...), nil
}

// signIn signs user in to the web pages (dev sign-in) and returns a
// client that carries the session.
func (b *bencher) signIn(ctx context.Context, user string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Jar: jar, Transport: b.http.Transport}
	req, _ := http.NewRequestWithContext(ctx, "GET", b.st.base+"/login", nil)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		return nil, errors.New("the sign-in page has no CSRF token")
	}
	form := url.Values{"csrf": {string(m[1])}, "username": {user}}
	req, _ = http.NewRequestWithContext(ctx, "POST", b.st.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /login: %d", resp.StatusCode)
	}
	return c, nil
}

// get reads url as user (a bearer token for the API; the session for a
// web page) and wants 200, reading the whole body as a browser would.
func get(ctx context.Context, c *http.Client, u, user string, web bool) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	if user != "" && !web {
		req.Header.Set("Authorization", "Bearer dev:"+user)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", strings.TrimPrefix(u, "http://"), resp.StatusCode)
	}
	if n == 0 {
		return fmt.Errorf("GET %s: empty answer", u)
	}
	return nil
}

// memory is the process's resident memory: now and its peak.
type memory struct{ rss, peak int64 } // bytes

// memoryOf reads /proc/self/status (Linux); zero elsewhere.
func memoryOf() memory {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return memory{}
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			m.rss = kb << 10
		case "VmHWM":
			m.peak = kb << 10
		}
	}
	return m
}

// writeScaleHeader, writeScaleRow and writeScaleFooter print the report:
// one row per query and client count, then what each query asked and the
// memory line.
func writeScaleHeader(w io.Writer) {
	fmt.Fprintf(w, "%-15s %7s %8s %7s %10s %10s %10s\n", "query", "clients", "ops", "errors", "ops/s", "p50", "p99")
}

func writeScaleRow(w io.Writer, s series) {
	fmt.Fprintf(w, "%-15s %7d %8d %7d %10.1f %10s %10s\n", s.name, s.clients, len(s.samples), s.errors,
		s.throughput(), ms(s.percentile(50)), ms(s.percentile(99)))
	if s.firstError != "" {
		fmt.Fprintf(w, "                first error: %s\n", s.firstError)
	}
}

func writeScaleFooter(w io.Writer, queries []scaleQuery, mem memory) {
	fmt.Fprintln(w, "queries:")
	for _, q := range queries {
		fmt.Fprintf(w, "  %-15s as %-5s GET %s\n", q.name, q.user, q.path)
	}
	if mem.peak > 0 {
		fmt.Fprintf(w, "memory: peak RSS %d MiB, now %d MiB (the whole process: the stack as dev runs it, and the bench's clients; goal: dev under 1024 MiB)\n",
			mem.peak>>20, mem.rss>>20)
	}
}
