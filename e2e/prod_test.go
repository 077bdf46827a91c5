package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// Production refuses to start with a missing or malformed setting, and
// names it; above all, never without an identity provider.
func TestProductionProcessesRefuseBadSettings(t *testing.T) {
	good := []string{"TEMPORAL_ADDRESS=127.0.0.1:1", "TEMPORAL_NAMESPACE=default", "EVENTSTORE_URL=sqlite:" + t.TempDir() + "/events.db",
		"DATABASE_URL=sqlite:" + t.TempDir() + "/readmodel.db", "HTTP_ADDR=127.0.0.1:0", "DIRECTORY_FILE=/nonexistent/directory.yaml",
		"OIDC_AUDIENCE=brukerhjelp", "BRUKERHJELP_MASTER_KEY=" + privacy.GenerateMasterKey()}
	tests := []struct {
		process string
		env     []string
		names   []string
	}{
		{"api", nil, []string{"TEMPORAL_ADDRESS", "EVENTSTORE_URL", "DATABASE_URL", "HTTP_ADDR", "OIDC_ISSUER", "OIDC_AUDIENCE", "DIRECTORY_FILE",
			"KEYSTORE_URL", "BRUKERHJELP_MASTER_KEY_FILE"}},
		{"api", good, []string{"OIDC_ISSUER"}},
		{"api", append(good, "OIDC_ISSUER=https://login.fylke.example", "DATABASE_URL=mysql://x"), []string{"DATABASE_URL"}},
		{"worker", append(good, "EVENTSTORE_URL=ftp://x"), []string{"EVENTSTORE_URL"}},
		{"worker", good, []string{"DIRECTORY_FILE"}}, // the file does not exist
	}
	for _, tt := range tests {
		cmd := exec.Command(binary, tt.process)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, tt.env...)
		out, err := cmd.CombinedOutput()
		exit, ok := err.(*exec.ExitError)
		if !ok || exit.ExitCode() != 1 {
			t.Errorf("%s %v: got %v, want exit code 1\n%s", tt.process, tt.env, err, out)
			continue
		}
		for _, n := range tt.names {
			if !strings.Contains(string(out), n) {
				t.Errorf("%s: the message does not name %s:\n%s", tt.process, n, out)
			}
		}
	}
}
