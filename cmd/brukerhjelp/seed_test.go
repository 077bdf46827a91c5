package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/api"
)

// seeded is one small seeded data dir the tests share, and what seed
// printed about it.
var seeded struct {
	once sync.Once
	dir  string
	out  string
	err  error
}

const seededCases = 240

func seededDir(t *testing.T) (dir, out string) {
	t.Helper()
	seeded.once.Do(func() {
		parent, err := os.MkdirTemp("", "brukerhjelp-seeded-")
		if err != nil {
			seeded.err = err
			return
		}
		seeded.dir = filepath.Join(parent, "data")
		var stdout, stderr bytes.Buffer
		err = runSeed(context.Background(), []string{"--data-dir", seeded.dir, "--cases", strconv.Itoa(seededCases), "--seed", "3", "--until", "2026-11-27"}, &stdout, &stderr)
		seeded.out, seeded.err = stdout.String(), err
		if err != nil {
			seeded.err = err
			seeded.out += stderr.String()
		}
	})
	if seeded.err != nil {
		t.Fatalf("seed: %v\n%s", seeded.err, seeded.out)
	}
	return seeded.dir, seeded.out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seeded.dir != "" {
		os.RemoveAll(filepath.Dir(seeded.dir))
	}
	os.Exit(code)
}

// Bad flags, and a data dir that holds something, give a clear error
// naming the flag, exit 2, and write nothing.
func TestSeedRefusesBadFlagsAndWritesNothing(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "data")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{}, "--cases"},
		{[]string{"--cases", "0"}, "--cases"},
		{[]string{"--cases", "lots"}, "cases"},
		{[]string{"--cases", "10", "--years", "0"}, "--years"},
		{[]string{"--cases", "10", "--until", "2026-13-01"}, "--until"},
		{[]string{"--cases", "10", "--read-model", "mysql://x"}, "--read-model"},
		{[]string{"--cases", "10", "extra"}, "unexpected argument"},
	} {
		code, _, stderr := brukerhjelp(t, nil, append([]string{"seed", "--data-dir", dir}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.says) {
			t.Errorf("seed %v: exit %d, stderr %q; want 2 naming %s", c.args, code, stderr, c.says)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("seed %v made the data dir", c.args)
		}
	}
	// A data dir with something in it is not written to.
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"--overwrite"}} {
		code, _, stderr := brukerhjelp(t, nil, append([]string{"seed", "--data-dir", dir, "--cases", "5"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "notes.txt") {
			t.Errorf("seed %v into a dir with notes.txt: exit %d, stderr %q", args, code, stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the refused dir now holds %d entries", len(entries))
	}
}

// The seeded dir passes audit verify; seeding it again is refused, and
// --overwrite replaces it with the same record (the same seed).
func TestSeededDirVerifiesAndIsNotSeededTwice(t *testing.T) {
	dir, out := seededDir(t)
	if !strings.Contains(out, strconv.Itoa(seededCases)+" cases") || !strings.Contains(out, "by status:") {
		t.Fatalf("seed printed no totals:\n%s", out)
	}
	code, stdout, stderr := brukerhjelp(t, nil, "audit", "verify", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("audit verify on the seeded dir: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, stderr = brukerhjelp(t, nil, "seed", "--data-dir", dir, "--cases", "5")
	if code != 2 || !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "--overwrite") {
		t.Errorf("seeding a seeded dir again: exit %d, %q", code, stderr)
	}
}

// What seed reported is what a caseworker then sees in the product: the
// cases by kind and by status through the API, a case's history as a
// real one reads, and a step on a case seed left open refused with a
// clear error instead of a crash.
func TestSeededCasesShowInTheProduct(t *testing.T) {
	dir, out := seededDir(t)
	byKind, byStatus := countsOf(t, out, "by kind:"), countsOf(t, out, "by status:")
	port, err := freeLocalPort()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := startStack(ctx, devFlags{dataDir: dir, httpAddr: "127.0.0.1:0", temporalPort: port, smtpAddr: "off",
		rateLimit: api.RateLimit{PerSecond: -1}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	b := &bencher{st: st, http: http.DefaultClient}
	if err := b.awaitReady(ctx, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	type item struct {
		Reference string `json:"reference"`
		Kind      string `json:"kind"`
		Status    string `json:"status"`
	}
	list := func(query string) []item {
		var all []item
		cursor := ""
		for {
			var p struct {
				Items      []item  `json:"items"`
				NextCursor *string `json:"nextCursor"`
			}
			if err := b.call(ctx, "GET", "/api/v1/cases?limit=200"+query+cursor, "per", "", http.StatusOK, &p); err != nil {
				t.Fatal(err)
			}
			all = append(all, p.Items...)
			if p.NextCursor == nil {
				return all
			}
			cursor = "&cursor=" + *p.NextCursor
		}
	}
	total := 0
	for kind, n := range byKind {
		if got := len(list("&kind=" + kind)); got != n {
			t.Errorf("kind=%s lists %d cases, seed reported %d", kind, got, n)
		}
		total += n
	}
	if total != seededCases {
		t.Errorf("seed reported %d cases by kind, wrote %d", total, seededCases)
	}
	var open, closed item
	for status, n := range byStatus {
		got := list("&status=" + status)
		if len(got) != n {
			t.Errorf("status=%s lists %d cases, seed reported %d", status, len(got), n)
		}
		for _, c := range got {
			switch c.Status {
			case "new", "in-progress", "waiting-for-user", "awaiting-approval", "active":
				if open.Reference == "" || open.Kind == "esa-access" {
					open = c // a ticket if there is one
				}
			}
			if c.Status == "closed" && c.Kind == "incident" && closed.Reference == "" {
				closed = c
			}
		}
	}
	// A closed incident's history, as the auditor reads it.
	var hist []struct {
		Type  string `json:"type"`
		Actor string `json:"actor"`
	}
	if err := b.call(ctx, "GET", "/api/v1/cases/"+closed.Reference+"/history", "siri", "", http.StatusOK, &hist); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range hist {
		types = append(types, e.Type)
	}
	line := strings.Join(types, " ")
	if !strings.HasPrefix(line, "CaseOpened SLAStarted") || !strings.Contains(line, "CaseClaimed SLAResponded") || !strings.HasSuffix(line, "CaseClosed") {
		t.Errorf("%s's history: %s", closed.Reference, line)
	}
	// Operations' announcements, as everyone reads them.
	published := 0
	for _, n := range countsOf(t, out, "announcements:") {
		published += n
	}
	var anns struct {
		Items []struct {
			Reference string `json:"reference"`
			Kind      string `json:"kind"`
			Status    string `json:"status"`
		} `json:"items"`
	}
	if err := b.call(ctx, "GET", "/api/v1/announcements?limit=200", "ola", "", http.StatusOK, &anns); err != nil {
		t.Fatal(err)
	}
	if published == 0 || len(anns.Items) != published {
		t.Errorf("GET /api/v1/announcements lists %d, seed reported %d", len(anns.Items), published)
	}
	// A step on a case seed left open: no workflow runs it; a clear 409.
	if open.Reference == "" {
		t.Fatalf("seed left no case open among %v", byStatus)
	}
	worker := "per"
	if open.Kind == "esa-access" {
		worker = "arne" // arkiv grants and removes accesses
	}
	err = b.call(ctx, "POST", "/api/v1/cases/"+open.Reference+"/comment", worker, `{"body":"Ser på det nå."}`, http.StatusOK, nil)
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "brukerhjelp seed") {
		t.Errorf("commenting on seeded open case %s: %v; want a 409 saying no workflow runs it", open.Reference, err)
	}
}

// countsOf reads "label: a 1, b 2" from seed's output.
func countsOf(t *testing.T, out, label string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), label)
		if !ok {
			continue
		}
		for _, part := range strings.Split(rest, ",") {
			f := strings.Fields(part)
			if len(f) != 2 {
				t.Fatalf("%q: %q", label, part)
			}
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			m[f[0]] = n
		}
	}
	if len(m) == 0 {
		t.Fatalf("no %q line in:\n%s", label, out)
	}
	return m
}

// bench --scale on a seeded dir names every query with its figures and
// the process's memory.
func TestBenchScaleReportsEveryQuery(t *testing.T) {
	dir, _ := seededDir(t)
	f, err := parseBenchFlags([]string{"--scale", "--data-dir", dir, "--clients", "1", "--duration", "300ms"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runBenchScale(context.Background(), f, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	report := out.String()
	row := regexp.MustCompile(`(?m)^(\S+)\s+1\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)ms\s+([\d.]+)ms$`)
	rows := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(report, -1) {
		rows[m[1]] = m
	}
	for _, q := range []string{"list-open", "list-kind", "list-group", "list-deep", "list-mine", "queue", "queue-page",
		"search-common", "search-rare", "tasks-approver", "tasks-group", "kpi-year", "announcements", "outage-page"} {
		m, ok := rows[q]
		if !ok {
			t.Errorf("the report has no row for %s:\n%s", q, report)
			continue
		}
		if ops, _ := strconv.Atoi(m[2]); ops < 1 || m[3] != "0" {
			t.Errorf("%s: %s ops, %s errors:\n%s", q, m[2], m[3], report)
		}
		if p50, _ := strconv.ParseFloat(m[5], 64); p50 <= 0 {
			t.Errorf("%s: p50 %s", q, m[5])
		}
	}
	if !regexp.MustCompile(`memory: peak RSS \d+ MiB`).MatchString(report) {
		t.Errorf("no memory line:\n%s", report)
	}
	// bench --scale without a seeded dir says what it needs.
	f, _ = parseBenchFlags([]string{"--scale", "--data-dir", t.TempDir()})
	if err := runBenchScale(context.Background(), f, io.Discard); err == nil || !strings.Contains(err.Error(), "brukerhjelp seed") {
		t.Errorf("bench --scale on an empty dir: %v", err)
	}
}

// --scale measures at 1 and 8 clients unless told otherwise.
func TestBenchScaleClients(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scale", "--data-dir", "d"}, "[1 8]"},
		{[]string{"--scale", "--clients", "4", "--data-dir", "d"}, "[4]"},
		{[]string{"--scale", "--clients=2,3"}, "[2 3]"},
		{[]string{"-clients", "1", "--scale"}, "[1]"},
	} {
		f, err := parseBenchFlags(c.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(scaleDefaults(f, c.args).clients); got != c.want {
			t.Errorf("%v: clients %s, want %s", c.args, got, c.want)
		}
	}
}
