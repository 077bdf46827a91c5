package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/brukerhjelp/brukerhjelp/internal/auditcli"
)

// Help: every command answers -h, -help and --help with its usage on
// standard output and exit 0, before it reads a setting or starts
// anything; arguments a command does not take give exit 2 and the usage
// on standard error. Texts are in bokmål and English, like the top level.

const devUsage = `Bruk / usage: brukerhjelp dev [flagg / flags]

Hele løsningen innebygd i én prosess: Temporal-server, hendelseslager og
lesemodell på SQLite-filer i datakatalogen, arbeidsprosessen, HTTP-API-et
og innkommende e-post. Trenger bare Go.
The whole product embedded in one process: Temporal server, event store
and read model on SQLite files in the data dir, the worker, the HTTP API
and inbound mail. Needs nothing but Go.

Flagg / flags:
`

const prodEnv = `Innstillinger fra miljøet / settings from the environment:
  TEMPORAL_ADDRESS     Temporal-klyngen / the Temporal frontend, host:port
  TEMPORAL_NAMESPACE   navnerommet / the namespace (its search attributes: docs/OPERATIONS.md)
  EVENTSTORE_URL       esdb://…, kurrentdb://… eller / or sqlite:<path>
  DATABASE_URL         lesemodellen / the read model: postgres://… or sqlite:<path>
  DIRECTORY_FILE       brukere, enheter og grupper (YAML) / users, units and groups (YAML)
  HTTP_ADDR            api: HTTP-adressen / the HTTP address; worker: /metrics and /healthz (optional)
  OIDC_ISSUER, OIDC_AUDIENCE   api: OpenID Connect-utsteder og publikum / issuer and audience
  SMTP_URL             e-post ut gjennom et relé / mail out through a relay (optional)
  LOG_FORMAT           json (standard / default) eller / or text
En manglende eller feil innstilling stopper prosessen ved start og navngis.
A missing or malformed setting stops the process at start, naming it.
`

const apiUsage = `Bruk / usage: brukerhjelp api

HTTP-API-et (og projektoren som holder lesemodellen) i produksjon, mot en
Temporal-klynge, EventStoreDB og lesemodellen; tar ingen argumenter.
The HTTP API (and the projector that keeps the read model) in production,
against a Temporal cluster, EventStoreDB and the read model; no arguments.

` + prodEnv

const workerUsage = `Bruk / usage: brukerhjelp worker

Arbeidsprosessen for arbeidsflytene og aktivitetene, og e-post ut, i
produksjon; tar ingen argumenter. Starter ikke hvis navnerommet mangler
søkeattributtene (docs/OPERATIONS.md).
The worker that runs the workflows and activities, and mail out, in
production; no arguments. It refuses to start while the namespace lacks
the search attributes (docs/OPERATIONS.md).

` + prodEnv

const healthcheckUsage = `Bruk / usage: brukerhjelp healthcheck api|worker

Helsesjekken til containerne (bildet har ikke noe skall): "api" spør denne
vertens API om GET /readyz (HTTP_ADDR); "worker" spør Temporal om en
arbeidsprosess på denne verten henter fra oppgavekøen. Avslutter med 0 når
frisk, 1 ellers.
The containers' healthcheck (the image has no shell): "api" asks this
host's API for GET /readyz (HTTP_ADDR); "worker" asks Temporal whether a
worker of this host polls the task queue. Exit 0 when healthy, 1 if not.
`

const benchUsage = `Bruk / usage: brukerhjelp bench [flagg / flags]

Starter den innebygde løsningen (som dev) og måler gjennomstrømning og
svartider: ren Temporal mot ende til ende (docs/PERFORMANCE.md).
Starts the embedded stack (as dev does) and measures throughput and
latency: bare Temporal against end to end (docs/PERFORMANCE.md).

Flagg / flags:
`

// commandUsage prints each command's help.
var commandUsage = map[string]func(w io.Writer){
	"dev":         flagsUsage(devUsage, func() *flag.FlagSet { fs, _ := devFlagSet(new(devFlags)); return fs }),
	"api":         text(apiUsage),
	"worker":      text(workerUsage),
	"healthcheck": text(healthcheckUsage),
	"projections": text(projectionsUsage),
	"audit":       text(auditcli.Usage),
	"bench":       flagsUsage(benchUsage, func() *flag.FlagSet { fs, _ := benchFlagSet(new(benchFlags)); return fs }),
	"seed":        flagsUsage(seedUsage, func() *flag.FlagSet { return seedFlagSet(new(seedFlags)) }),
	"help":        text(usage),
}

func text(s string) func(io.Writer) { return func(w io.Writer) { fmt.Fprint(w, s) } }

// flagsUsage prints head and the flags of the set mk makes.
func flagsUsage(head string, mk func() *flag.FlagSet) func(io.Writer) {
	return func(w io.Writer) {
		fs := mk()
		fs.SetOutput(w)
		fmt.Fprint(w, head)
		fs.PrintDefaults()
	}
}

// usageOf is a flag set's Usage: its command's help on the set's output
// (standard error), as the flag package prints it after a parse error.
func usageOf(fs *flag.FlagSet, head string) func() {
	return func() {
		fmt.Fprint(fs.Output(), head)
		fs.PrintDefaults()
	}
}

// commandHelp answers -h/--help for the command args name, and arguments
// api and worker do not take: handled reports whether it did, code is the
// exit code.
func commandHelp(args []string) (code int, handled bool) {
	show, ok := commandUsage[args[0]]
	if !ok {
		return 0, false
	}
	if wantsHelp(args[1:]) {
		show(os.Stdout)
		return 0, true
	}
	if (args[0] == "api" || args[0] == "worker") && len(args) > 1 {
		fmt.Fprintf(os.Stderr, "brukerhjelp %s: uventet argument %q / unexpected argument\n\n", args[0], args[1])
		show(os.Stderr)
		return 2, true
	}
	return 0, false
}

// wantsHelp reports whether args ask for help (before a "--").
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

// usageError is a mistake in the command line: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode is 2 for a usage error, else 1.
func exitCode(err error) int {
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}
