package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperCommand is not a test: TestEveryCommandHelps runs the test
// binary as brukerhjelp through it, so exit codes and output are the
// real ones.
func TestHelperCommand(t *testing.T) {
	if os.Getenv("BRUKERHJELP_HELPER_COMMAND") != "1" {
		t.Skip("runs only as a helper process")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(context.Background(), args))
}

func brukerhjelp(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperCommand$", "--"}, args...)...)
	// No production settings: a command that tried to start would fail
	// on them, not show its help.
	cmd.Env = append([]string{"BRUKERHJELP_HELPER_COMMAND=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// Every command and subcommand answers -h and --help with its usage in
// bokmål and English and exit 0, without reading a setting or starting
// anything; a flag it does not know gives exit 2 and the usage.
func TestEveryCommandHelps(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "never-made")
	for _, c := range []struct {
		args []string
		says string // something only this command's help says
	}{
		{[]string{"dev", "--data-dir", dataDir}, "-temporal-ui-port"},
		{[]string{"api"}, "OIDC_ISSUER"},
		{[]string{"worker"}, "TEMPORAL_NAMESPACE"},
		{[]string{"healthcheck"}, "healthcheck api|worker"},
		{[]string{"healthcheck", "worker"}, "healthcheck api|worker"},
		{[]string{"projections"}, "projections rebuild"},
		{[]string{"projections", "rebuild", "--data-dir", dataDir}, "--verify"},
		{[]string{"audit"}, "audit replay"},
		{[]string{"audit", "replay", "BH-2026-000001", "--data-dir", dataDir}, "--as-of"},
		{[]string{"audit", "verify", "--data-dir", dataDir}, "audit verify"},
		{[]string{"audit", "export", "--data-dir", dataDir}, "audit export"},
		{[]string{"bench", "--data-dir", dataDir}, "-clients"},
		{[]string{"bench", "--scale", "--data-dir", dataDir}, "-scale"},
		{[]string{"seed", "--data-dir", dataDir, "--cases", "5"}, "-read-model"},
		{[]string{"help"}, "brukerhjelp dev"},
	} {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string(nil), c.args...), h)
			code, out, errOut := brukerhjelp(t, nil, args...)
			if code != 0 {
				t.Errorf("brukerhjelp %s: exit %d, want 0; stderr %s", strings.Join(args, " "), code, errOut)
				continue
			}
			for _, want := range []string{"Bruk / usage", c.says} {
				if !strings.Contains(out, want) {
					t.Errorf("brukerhjelp %s says %q, want %q in it", strings.Join(args, " "), out, want)
				}
			}
		}
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a help made the data dir %s (%v): something started", dataDir, err)
	}
	// Bilingual: dev's flags in bokmål and English.
	if _, out, _ := brukerhjelp(t, nil, "dev", "-h"); !strings.Contains(out, "all tilstand") || !strings.Contains(out, "all state") {
		t.Errorf("dev -h is not in both languages: %s", out)
	}

	for _, args := range [][]string{
		{"dev", "--bogus"}, {"bench", "--bogus"}, {"api", "--bogus"}, {"worker", "extra"},
		{"healthcheck"}, {"healthcheck", "nothing"}, {"projections", "--bogus"}, {"projections", "rebuild", "--bogus"},
		{"audit", "verify", "--bogus"}, {"audit", "nothing"}, {"nothing"}, {"seed", "--bogus"},
	} {
		code, out, errOut := brukerhjelp(t, nil, args...)
		if code != 2 || !strings.Contains(errOut, "sage") || out != "" {
			t.Errorf("brukerhjelp %s: exit %d, stdout %q, stderr %q; want exit 2 and the usage on stderr", strings.Join(args, " "), code, out, errOut)
		}
	}
}
