// Command brukerhjelp is the composition root of Brukerhjelp: it wires the
// stores, Temporal, the worker and the HTTP API for each way of running.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `brukerhjelp — IT-brukerhjelp for offentlig sektor

Bruk / usage:
  brukerhjelp dev [flagg]   hele løsningen innebygd i én prosess / the whole embedded stack
  brukerhjelp api           HTTP-API mot Temporal-klynge, EventStoreDB og lesemodell / the HTTP API in production
  brukerhjelp worker        arbeidsprosessen for arbeidsflytene / the workflow worker in production
  brukerhjelp healthcheck api|worker
                            helsesjekk for containere / the containers' healthcheck
  brukerhjelp projections   bygg eller kontroller lesemodellen / rebuild or verify the read model
  brukerhjelp audit replay|verify|export …  revisorverktøy på hendelseslageret / auditor tools on the event store
  brukerhjelp keys generate|rotate|status  hovednøkler og datanøkler for personopplysninger / master and data keys of personal data
  brukerhjelp bench [flagg] måler gjennomstrømning og svartider / measures throughput and latency
  brukerhjelp seed --cases N [flagg]  skriver år med saker i en ny datakatalog / writes years of cases into a new data dir
  brukerhjelp help          denne teksten / this text

api og worker leser innstillingene fra miljøet / read their settings from the environment:
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, EVENTSTORE_URL, DATABASE_URL, HTTP_ADDR,
  OIDC_ISSUER, OIDC_AUDIENCE, SMTP_URL, DIRECTORY_FILE,
  BRUKERHJELP_MASTER_KEY_FILE (eller / or BRUKERHJELP_MASTER_KEY), KEYSTORE_URL
  (valgfritt / optional: LOG_FORMAT=json|text, standard / default json;
   nettsidenes innlogging / the web pages' sign-in: OIDC_CLIENT_ID, PUBLIC_URL, OIDC_CLIENT_SECRET;
   RETENTION_FILE, TEMPORAL_UI_ORIGIN: docs/PRIVACY.md)

Kjør "brukerhjelp dev -h" for flaggene / for the flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	// -h or --help after any command shows its help and starts nothing
	// (help.go); so do arguments a command does not take, with exit 2.
	if code, handled := commandHelp(args); handled {
		return code
	}
	switch args[0] {
	case "dev":
		if err := runDev(ctx, args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "brukerhjelp dev:", err)
			return exitCode(err)
		}
		return 0
	case "api", "worker":
		run := runAPI
		if args[0] == "worker" {
			run = runWorker
		}
		if err := run(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "brukerhjelp %s: %v\n", args[0], err)
			return 1
		}
		return 0
	case "healthcheck":
		if err := runHealthcheck(ctx, args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "brukerhjelp healthcheck:", err)
			return exitCode(err)
		}
		return 0
	case "projections":
		return runProjections(ctx, args[1:])
	case "audit":
		return runAudit(ctx, args[1:])
	case "bench":
		return benchCommand(ctx, args[1:])
	case "seed":
		return seedCommand(ctx, args[1:])
	case "keys":
		return runKeys(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "brukerhjelp: ukjent kommando %q / unknown command\n\n%s", args[0], usage)
	return 2
}
