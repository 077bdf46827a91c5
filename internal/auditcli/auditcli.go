// Package auditcli is the auditor's command line, brukerhjelp audit
// (API.md section 1): replay a case as it was, verify every hash chain,
// export the record as JSON Lines. It works offline on a data dir's
// events.db, opened read-only, so it needs no Temporal and may run next to
// a `brukerhjelp dev` writing the same file. It lives outside
// cmd/brukerhjelp so its tests do not link the Temporal server.
package auditcli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// Exit codes.
const (
	ExitOK     = 0 // done; for verify: every chain intact
	ExitBroken = 1 // verify: a chain is broken (or an event is missing); replay: no such case then
	ExitUsage  = 2 // bad arguments
	ExitFailed = 3 // the store could not be read
)

// Usage is the help text of brukerhjelp audit.
const Usage = `Bruk / usage:
  brukerhjelp audit replay <ref> [--as-of T] [--data-dir ./data]
      saken slik den var på tidspunktet T (RFC 3339; standard nå), og historikken fram til da
      the case as it was at T (RFC 3339; default now), and its history up to then
  brukerhjelp audit verify [--data-dir ./data]
      regner ut hash-kjeden i hver strøm på nytt; avslutter med 0 hvis alt er intakt, 1 ellers
      recomputes every stream's hash chain; exits 0 if all is intact, 1 otherwise
  brukerhjelp audit export [--from T] [--to T] [--data-dir ./data]
      alle hendelser registrert i [from, to) som JSON Lines på standard ut
      every event recorded in [from, to) as JSON Lines on standard output

Verktøyene leser <data-dir>/events.db skrivebeskyttet / the tools read <data-dir>/events.db read-only.
`

// Run runs `brukerhjelp audit <args>` and returns its exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, Usage)
		return ExitUsage
	}
	// -h or --help anywhere (before "--") shows the usage and reads
	// nothing.
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, Usage)
			return ExitOK
		}
	}
	switch args[0] {
	case "replay":
		return replay(ctx, args[1:], stdout, stderr)
	case "verify":
		return verify(ctx, args[1:], stdout, stderr)
	case "export":
		return export(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, Usage)
		return ExitOK
	}
	fmt.Fprintf(stderr, "brukerhjelp audit: ukjent kommando %q / unknown command\n\n%s", args[0], Usage)
	return ExitUsage
}

// flags parses args with flags and positionals in any order.
func flags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseFailed is the exit code of a command line the flags refused (and
// reported, with the usage, on stderr).
func parseFailed(err error, stdout io.Writer) int {
	if errors.Is(err, flag.ErrHelp) { // -help=true, which Run does not catch
		fmt.Fprint(stdout, Usage)
		return ExitOK
	}
	return ExitUsage
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("brukerhjelp audit "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, "\n%s", Usage) }
	dataDir := fs.String("data-dir", "./data", "datakatalogen med events.db / the data dir holding events.db")
	return fs, dataDir
}

// timeFlag is an optional RFC 3339 time.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(v string) error {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return errors.New("må være et tidspunkt i RFC 3339 / must be an RFC 3339 time (2026-11-24T09:00:00+01:00)")
	}
	f.t = t
	return nil
}

func open(dataDir string, stderr io.Writer) (*sqlitestore.ReadOnly, bool) {
	store, err := sqlitestore.OpenReadOnly(filepath.Join(dataDir, "events.db"))
	if err != nil {
		fmt.Fprintf(stderr, "brukerhjelp audit: kan ikke lese hendelseslageret / cannot read the event store: %v\n", err)
		return nil, false
	}
	return store, true
}

// reader is what replay and export read: the record with its personal
// data decrypted by the data dir's keys (docs/PRIVACY.md), an erased
// field as [slettet]. Without the master key the fields stay encrypted,
// and stderr says so; verify needs no keys at all (the chain covers what
// is stored).
func reader(ctx context.Context, dataDir string, store *sqlitestore.ReadOnly, stderr io.Writer) (audit.Reader, func()) {
	keys, ok, err := privacy.OpenDevKeys(ctx, dataDir, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "brukerhjelp audit: personopplysningene vises kryptert / personal data is shown encrypted: %v\n", err)
		return store, func() {}
	}
	if !ok {
		return store, func() {}
	}
	return privacy.NewReadOnly(store, keys), func() { keys.Close() }
}

func replay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dataDir := newFlags("replay", stderr)
	var asOf timeFlag
	fs.Var(&asOf, "as-of", "tidspunktet (RFC 3339; standard nå) / the instant (RFC 3339; default now)")
	pos, err := flags(fs, args)
	if err != nil {
		return parseFailed(err, stdout)
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "brukerhjelp audit replay: oppgi én saksreferanse / give one case reference\n\n%s", Usage)
		return ExitUsage
	}
	at := asOf.t
	if at.IsZero() {
		at = time.Now()
	}
	raw, ok := open(*dataDir, stderr)
	if !ok {
		return ExitFailed
	}
	defer raw.Close()
	store, done := reader(ctx, *dataDir, raw, stderr)
	defer done()
	id, err := audit.ResolveRef(ctx, store, pos[0])
	var c helpdesk.Case
	var evs []eventstore.RecordedEvent
	if err == nil {
		c, evs, err = audit.CaseAsOf(ctx, store, id, at)
	}
	if errors.Is(err, audit.ErrNoCase) {
		fmt.Fprintf(stderr, "brukerhjelp audit replay: ingen sak %s på tidspunktet %s / no case %s at %s\n",
			pos[0], at.Format(time.RFC3339), pos[0], at.Format(time.RFC3339))
		return ExitBroken
	}
	if err != nil {
		fmt.Fprintf(stderr, "brukerhjelp audit replay: %v\n", err)
		return ExitFailed
	}
	history := make([]audit.HistoryEvent, len(evs))
	for i, e := range evs {
		history[i] = audit.HistoryOf(e)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		AsOf    time.Time            `json:"asOf"`
		Case    helpdesk.Case        `json:"case"`
		History []audit.HistoryEvent `json:"history"`
	}{at, c, history}); err != nil {
		fmt.Fprintf(stderr, "brukerhjelp audit replay: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}

func verify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dataDir := newFlags("verify", stderr)
	pos, err := flags(fs, args)
	if err != nil {
		return parseFailed(err, stdout)
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "brukerhjelp audit verify: uventet argument %q / unexpected argument\n", pos[0])
		return ExitUsage
	}
	store, ok := open(*dataDir, stderr)
	if !ok {
		return ExitFailed
	}
	defer store.Close()
	res, err := store.VerifyAll(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "brukerhjelp audit verify: %v\n", err)
		return ExitFailed
	}
	switch {
	case res.OK:
		fmt.Fprintf(stdout, "OK: %d hendelser, alle hash-kjeder er intakte / %d events, every hash chain intact\n", res.Events, res.Events)
		return ExitOK
	case res.FirstBadStream != "" && res.FirstBadRevision != nil:
		fmt.Fprintf(stdout, "BRUTT / BROKEN: strøm / stream %s, første ugyldige revisjon / first bad revision %d\n",
			res.FirstBadStream, *res.FirstBadRevision)
	default:
		fmt.Fprintf(stdout, "BRUTT / BROKEN: posisjonene har hull, en hendelse er slettet / positions have a gap, an event was deleted (%d events)\n", res.Events)
	}
	return ExitBroken
}

func export(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dataDir := newFlags("export", stderr)
	var from, to timeFlag
	fs.Var(&from, "from", "fra og med (RFC 3339) / from, inclusive")
	fs.Var(&to, "to", "til, ikke med (RFC 3339) / to, exclusive")
	pos, err := flags(fs, args)
	if err != nil {
		return parseFailed(err, stdout)
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "brukerhjelp audit export: uventet argument %q / unexpected argument\n", pos[0])
		return ExitUsage
	}
	if !to.t.IsZero() && to.t.Before(from.t) {
		fmt.Fprintln(stderr, "brukerhjelp audit export: --to er før --from / --to is before --from")
		return ExitUsage
	}
	raw, ok := open(*dataDir, stderr)
	if !ok {
		return ExitFailed
	}
	defer raw.Close()
	store, done := reader(ctx, *dataDir, raw, stderr)
	defer done()
	w := bufio.NewWriterSize(stdout, 64<<10)
	err = audit.Export(ctx, store, w, from.t, to.t, func() { _ = w.Flush() })
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintf(stderr, "brukerhjelp audit export: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}
