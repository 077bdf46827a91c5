package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func msSeries(name string, clients int, elapsed time.Duration, samples ...int) series {
	s := series{name: name, clients: clients, elapsed: elapsed}
	for _, v := range samples {
		s.add(time.Duration(v) * time.Millisecond)
	}
	return s
}

func TestPercentileIsNearestRank(t *testing.T) {
	// 1..100 ms in reverse: p50 is the 50th smallest, p99 the 99th.
	var samples []int
	for v := 100; v >= 1; v-- {
		samples = append(samples, v)
	}
	s := msSeries("x", 1, time.Second, samples...)
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.5, time.Millisecond}} {
		if got := s.percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	// Few samples: p99 of three is the largest, p50 the middle one.
	few := msSeries("x", 1, time.Second, 30, 10, 20)
	if got := few.percentile(99); got != 30*time.Millisecond {
		t.Errorf("p99 of three = %v, want 30ms", got)
	}
	if got := few.percentile(50); got != 20*time.Millisecond {
		t.Errorf("p50 of three = %v, want 20ms", got)
	}
	if got := (series{}).percentile(50); got != 0 {
		t.Errorf("p50 of none = %v, want 0", got)
	}
	if few.samples[0] != 30*time.Millisecond {
		t.Error("percentile reordered the recorded samples")
	}
}

func TestReportShowsThroughputPercentilesAndRatio(t *testing.T) {
	r := round{
		clients: 8,
		bare:    msSeries("bare", 8, 2*time.Second, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100), // 5/s
		create:  msSeries("create", 8, 2*time.Second, 100, 200, 300, 400),
		visible: msSeries("e2e", 8, 2*time.Second, 110, 220, 330, 440), // 2/s
		claim:   msSeries("claim", 8, time.Second, 5, 6),
		resolve: msSeries("resolve", 8, time.Second, 7),
	}
	r.visible.errors, r.visible.firstError = 1, "POST /api/v1/cases: 503"
	r.bare.cpu, r.claim.cpu = 250*time.Millisecond, 30*time.Millisecond // 25 ms and 15 ms an operation
	if got := r.ratio(); got != 0.4 {
		t.Errorf("ratio = %v, want 0.4 (2/s over 5/s)", got)
	}
	var b strings.Builder
	writeReport(&b, []round{r})
	out := b.String()
	for _, want := range []string{
		"test     clients      ops  errors      ops/s        p50        p99     cpu/op",
		"bare           8       10       0        5.0     50.0ms    100.0ms     25.0ms",
		"create         8        4       0        2.0    200.0ms    400.0ms",
		"e2e            8        4       1        2.0    220.0ms    440.0ms",
		"first error: POST /api/v1/cases: 503",
		"claim          8        2       0        2.0      5.0ms      6.0ms     15.0ms",
		"ratio 0.40  (clients 8: e2e 2.0/s over bare 5.0/s; goal ≥ 1.0)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if got := (round{}).ratio(); got != 0 {
		t.Errorf("ratio without bare throughput = %v, want 0", got)
	}
}

func TestDriveCountsSamplesErrorsAndStopsWhenWorkRunsOut(t *testing.T) {
	s := drive(context.Background(), "x", 3, 200*time.Millisecond, func(ctx context.Context, c, i int) error {
		switch {
		case c == 0 && i >= 2:
			return errNoMoreWork // client 0 has two items only
		case c == 1 && i == 0:
			return errors.New("boom")
		}
		time.Sleep(5 * time.Millisecond)
		return nil
	})
	if s.errors != 1 || s.firstError != "boom" {
		t.Errorf("errors = %d (%q), want 1 (boom)", s.errors, s.firstError)
	}
	if len(s.samples) < 3 || s.elapsed < 200*time.Millisecond {
		t.Errorf("%d samples in %v; want the clients to keep going for the duration", len(s.samples), s.elapsed)
	}
	for _, d := range s.samples {
		if d < 5*time.Millisecond {
			t.Errorf("sample %v is shorter than the op", d)
		}
	}
	if s.cpu <= 0 {
		t.Errorf("cpu %v: the series' process CPU time was not taken", s.cpu)
	}
}

func TestCPUPerOpIsTheSeriesCPUOverItsOperations(t *testing.T) {
	s := msSeries("claim", 1, time.Second, 10, 20, 30, 40)
	s.cpu = 60 * time.Millisecond
	if got := s.cpuPerOp(); got != 15*time.Millisecond {
		t.Errorf("cpu/op = %v, want 15ms", got)
	}
	if got := (series{cpu: time.Second}).cpuPerOp(); got != 0 {
		t.Errorf("cpu/op without operations = %v, want 0", got)
	}
}

func TestParseBenchFlags(t *testing.T) {
	f, err := parseBenchFlags(nil)
	if err != nil || len(f.clients) != 3 || f.clients[2] != 32 || f.duration != 10*time.Second || f.dataDir != "" {
		t.Errorf("defaults = %+v, %v", f, err)
	}
	if f, err := parseBenchFlags([]string{"--scale", "--data-dir", "d", "--read-model", "postgres://h/db"}); err != nil || f.readModel != "postgres://h/db" {
		t.Errorf("--scale --read-model = %+v, %v", f, err)
	}
	for _, bad := range [][]string{{"--clients", "1,x"}, {"--clients", "0"}, {"--duration", "0s"}, {"extra"}, {"--read-model", "postgres://h/db"}} {
		if _, err := parseBenchFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestMemProfileIsWrittenOnlyWhenAsked(t *testing.T) {
	if f, err := parseBenchFlags([]string{"--memprofile", "heap.prof"}); err != nil || f.memProfile != "heap.prof" {
		t.Fatalf("--memprofile = %+v, %v", f, err)
	}
	if err := writeHeapProfile(""); err != nil {
		t.Errorf("no --memprofile: %v", err)
	}
	path := filepath.Join(t.TempDir(), "heap.prof")
	if err := writeHeapProfile(path); err != nil {
		t.Fatal(err)
	}
	// A pprof profile is a gzipped protocol buffer.
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("heap profile = %d bytes starting % x, %v; want a gzip stream", len(b), b[:min(len(b), 2)], err)
	}
	if err := writeHeapProfile(filepath.Join(t.TempDir(), "missing", "heap.prof")); err == nil || !strings.Contains(err.Error(), "--memprofile") {
		t.Errorf("unwritable path: %v", err)
	}
}
