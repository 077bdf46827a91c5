package main

import (
	"context"
	"os"

	"github.com/brukerhjelp/brukerhjelp/internal/auditcli"
)

// runAudit is `brukerhjelp audit replay|verify|export …` (internal/auditcli):
// offline, on the data dir's events.db opened read-only.
func runAudit(ctx context.Context, args []string) int {
	return auditcli.Run(ctx, args, os.Stdout, os.Stderr)
}
