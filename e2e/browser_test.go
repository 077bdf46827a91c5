package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// EnvBrowserTests set to 1 makes the browser tests required: without
// Chromium or the npm packages they fail instead of skipping (CI).
const EnvBrowserTests = "BRUKERHJELP_BROWSER_TESTS"

// TestBrowser runs the web pages' browser tests (web/e2e/*.test.js: real
// Chromium driven by playwright-core, checked by axe-core) against the
// real `brukerhjelp dev` binary. They need Debian's chromium and `npm ci`
// in web/e2e; without them the test says so and skips.
// BRUKERHJELP_SCREENSHOTS names a folder for the pages' screenshots
// (docs/screenshots refreshes the documentation's).
func TestBrowser(t *testing.T) {
	required := os.Getenv(EnvBrowserTests) == "1"
	skip := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("%s=1, but "+format, append([]any{EnvBrowserTests}, args...)...)
		}
		t.Skipf("browser tests skipped: "+format+" (set %s=1 to make this a failure)", append(args, EnvBrowserTests)...)
	}
	chromium := os.Getenv("BRUKERHJELP_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		skip("there is no Chromium at %s (apt-get install chromium)", chromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed (apt-get install nodejs npm)")
	}
	tests, err := filepath.Abs(filepath.Join("..", "web", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"playwright-core", "axe-core"} {
		if _, err := os.Stat(filepath.Join(tests, "node_modules", pkg, "package.json")); err != nil {
			skip("the npm package %s is not installed (cd web/e2e && npm ci)", pkg)
		}
	}
	// A relative folder is relative to the repository's root, as the
	// command is given there (go test ./e2e runs in e2e/).
	shots := os.Getenv("BRUKERHJELP_SCREENSHOTS")
	if shots != "" && !filepath.IsAbs(shots) {
		if shots, err = filepath.Abs(filepath.Join("..", shots)); err != nil {
			t.Fatal(err)
		}
	}

	s := startDev(t, t.TempDir(), ports{http: freePort(t), temporal: freePort(t)})
	// Every *.test.js in web/e2e (pages, portal, roles, privacy …; node
	// --test finds them), one file at a time: they share the one server.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-concurrency=1", "--test-reporter=spec")
	cmd.Dir = tests
	cmd.Env = append(os.Environ(), "BRUKERHJELP_URL="+s.base, "BRUKERHJELP_CHROMIUM="+chromium, "BRUKERHJELP_SCREENSHOTS="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test in web/e2e:\n%s", out)
	if err != nil {
		t.Fatalf("the browser tests failed: %v", err)
	}
}
