package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/seed"
)

const seedUsage = `Bruk / usage: brukerhjelp seed --cases N [flagg / flags]

Skriver en fylkeskommunes år med saker rett inn i hendelsesloggen i en ny
datakatalog (som arbeidsflytene ville skrevet dem: samme hendelser, strømmer,
ID-er og SLA), og bygger lesemodellen; så viser "brukerhjelp dev --data-dir"
dem. Samme --seed, --cases, --years og --until gir den samme loggen.
Writes a county's years of cases straight into the record of a new data dir
(as the workflows would have written them: the same events, streams, IDs and
SLA), then builds the read model; "brukerhjelp dev --data-dir" shows them.
The same --seed, --cases, --years and --until give the same record.
(docs/PERFORMANCE.md, "A million cases")

Flagg / flags:
`

type seedFlags struct {
	dataDir   string
	cases     int
	seed      uint64
	years     int
	until     string
	readModel string
	directory string
	overwrite bool
}

func seedFlagSet(f *seedFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.Usage = usageOf(fs, seedUsage)
	fs.StringVar(&f.dataDir, "data-dir", "./data", "en ny eller tom datakatalog / a new or empty data dir")
	fs.IntVar(&f.cases, "cases", 0, fmt.Sprintf("antall saker (1–%d), påkrevd / number of cases (1–%d), required", seed.MaxCases, seed.MaxCases))
	fs.Uint64Var(&f.seed, "seed", 1, "frø for tilfeldighetene; samme frø gir samme logg / the random seed; the same seed gives the same record")
	fs.IntVar(&f.years, "years", 2, "hvor mange år sakene spres over / how many years the cases span")
	fs.StringVar(&f.until, "until", "", "siste dag i loggen, ÅÅÅÅ-MM-DD (standard: i går) / the record's last day, YYYY-MM-DD (default: yesterday, Oslo)")
	fs.StringVar(&f.readModel, "read-model", "", "lesemodellen som bygges: postgres://…, sqlite:<sti> eller none (standard: readmodel.db i datakatalogen, den dev bruker) / the read model to build: postgres://…, sqlite:<path> or none, to build none (dev builds it at its first start; default: readmodel.db in the data dir, the one dev uses)")
	fs.StringVar(&f.directory, "directory", "", "YAML-fil med brukere, enheter og grupper (standard: demo-organisasjonen) / YAML file with users, units and groups (default: the demo organisation)")
	fs.BoolVar(&f.overwrite, "overwrite", false, "erstatt loggen, nøklene og lesemodellen som ligger i datakatalogen / replace the record, keys and read model already in the data dir")
	return fs
}

// seedCommand runs `brukerhjelp seed` and returns its exit code.
func seedCommand(ctx context.Context, args []string) int {
	if err := runSeed(ctx, args, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "brukerhjelp seed:", err)
		return exitCode(err)
	}
	return 0
}

// dataDirFiles are what a data dir of dev holds; --overwrite removes
// these and nothing else.
var dataDirFiles = []string{"events.db", "readmodel.db", "temporal.db", privacy.DevKeyStoreFile, privacy.DevMasterKeyFile, "outbox", "attachments"}

func isDataDirFile(name string) bool {
	for _, f := range dataDirFiles {
		if name == f || strings.HasPrefix(name, f+"-") { // -wal, -shm, -journal
			return true
		}
	}
	return false
}

// checkSeedDir refuses a data dir that holds anything, unless overwrite
// and all it holds is a data dir's files.
func checkSeedDir(dir string, overwrite bool) (remove []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("--data-dir: %w", err)}
	}
	var names, foreign []string
	for _, e := range entries {
		names = append(names, e.Name())
		if !isDataDirFile(e.Name()) {
			foreign = append(foreign, e.Name())
		}
	}
	switch {
	case len(names) == 0:
		return nil, nil
	case !overwrite:
		return nil, usageError{fmt.Errorf("--data-dir %s is not empty (%s): seed writes a new record only; give a new or empty directory, or --overwrite to replace the record there", dir, strings.Join(names, ", "))}
	case len(foreign) > 0:
		return nil, usageError{fmt.Errorf("--data-dir %s holds files that are not a data dir's (%s); --overwrite replaces only a data dir's record, keys and read model", dir, strings.Join(foreign, ", "))}
	}
	return names, nil
}

func parseSeedFlags(args []string, stderr io.Writer) (seedFlags, seed.Options, error) {
	var f seedFlags
	fs := seedFlagSet(&f)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, seed.Options{}, err
		}
		return f, seed.Options{}, usageError{err}
	}
	if fs.NArg() > 0 {
		return f, seed.Options{}, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	opt := seed.Options{Cases: f.cases, Seed: f.seed, Years: f.years}
	if f.until == "" {
		opt.Until = time.Now().In(helpdesk.Oslo).AddDate(0, 0, -1)
	} else {
		t, err := time.ParseInLocation(time.DateOnly, f.until, helpdesk.Oslo)
		if err != nil {
			return f, opt, usageError{fmt.Errorf("--until: %q is not a date YYYY-MM-DD", f.until)}
		}
		opt.Until = t
	}
	if err := opt.Check(); err != nil {
		return f, opt, usageError{err}
	}
	if f.dataDir == "" {
		return f, opt, usageError{errors.New("--data-dir: empty")}
	}
	if rm := f.readModel; rm != "" && rm != "none" && !strings.HasPrefix(rm, "postgres://") && !strings.HasPrefix(rm, "postgresql://") &&
		(!strings.HasPrefix(rm, "sqlite:") || strings.TrimPrefix(rm, "sqlite:") == "") {
		return f, opt, usageError{fmt.Errorf("--read-model: %q is neither postgres://…, sqlite:<path> nor none", rm)}
	}
	if f.directory != "" {
		dir, err := loadGroups(f.directory)
		if err != nil {
			return f, opt, usageError{err}
		}
		opt.Directory = dir
	}
	return f, opt, nil
}

// runSeed writes the record, then the read model.
func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, opt, err := parseSeedFlags(args, stderr)
	if err != nil {
		return err
	}
	remove, err := checkSeedDir(f.dataDir, f.overwrite)
	if err != nil {
		return err
	}
	for _, name := range remove {
		if err := os.RemoveAll(filepath.Join(f.dataDir, name)); err != nil {
			return fmt.Errorf("--overwrite: %w", err)
		}
	}
	if err := os.MkdirAll(f.dataDir, 0o750); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	began := time.Now()
	fmt.Fprintf(stdout, "Skriver / writing %d cases over %d years up to %s (seed %d) into %s\n",
		opt.Cases, opt.Years, opt.Until.Format(time.DateOnly), opt.Seed, f.dataDir)
	tot, err := writeSeedRecord(ctx, f.dataDir, opt, stdout)
	if err != nil {
		return err
	}
	recordTime := time.Since(began)
	fmt.Fprintf(stdout, "Hendelsesloggen er skrevet / the record is written: %d cases, %d events, %s to %s, in %s (%.0f cases/s)\n",
		tot.Cases, tot.Events, tot.From.In(helpdesk.Oslo).Format(time.DateOnly), tot.Until.In(helpdesk.Oslo).Format(time.DateOnly),
		recordTime.Round(time.Millisecond), float64(tot.Cases)/recordTime.Seconds())
	fmt.Fprintf(stdout, "  by kind:   %s\n", countLine(tot.ByKind))
	fmt.Fprintf(stdout, "  by status: %s\n", countLine(tot.ByStatus))
	fmt.Fprintf(stdout, "  still open (no workflow runs them): %d cases, %d open tasks\n", tot.Open, tot.OpenTasks)
	if len(tot.Announcements) > 0 {
		fmt.Fprintf(stdout, "  announcements: %s\n", countLine(tot.Announcements))
		fmt.Fprintf(stdout, "  linked to an outage: %d cases\n", tot.Linked)
	}

	if f.readModel == "none" {
		fmt.Fprintf(stdout, "Ferdig / done: %d cases, %d events in %s; no read model built (--read-model none): dev builds it at its first start, or brukerhjelp projections rebuild --data-dir %s\n",
			tot.Cases, tot.Events, recordTime.Round(time.Millisecond), f.dataDir)
		return nil
	}
	rmBegan := time.Now()
	dsn := f.readModel
	if dsn == "" {
		dsn = filepath.Join(f.dataDir, "readmodel.db")
	}
	fmt.Fprintln(stdout, "Bygger lesemodellen / building the read model …")
	if err := buildSeedReadModel(ctx, f.dataDir, dsn, f.directory, stderr, stdout); err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	fmt.Fprintf(stdout, "Ferdig / done: %d cases, %d events; record %s, read model %s, total %s\n",
		tot.Cases, tot.Events, recordTime.Round(time.Millisecond), time.Since(rmBegan).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	return nil
}

func countLine[K ~string](m map[K]int) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// writeSeedRecord opens the data dir's record as dev does — its master
// key, its key store, events.db behind the privacy decorator — and writes
// the cases into it. The record is written with synchronous=NORMAL: a
// seed that dies is started again in a new directory, so it needs no
// fsync per commit; closing checkpoints it.
func writeSeedRecord(ctx context.Context, dataDir string, opt seed.Options, progress io.Writer) (seed.Totals, error) {
	ring, err := privacy.DevKeyring(dataDir, os.Getenv)
	if err != nil {
		return seed.Totals{}, fmt.Errorf("master key: %w", err)
	}
	keys, err := privacy.OpenKeys(ctx, filepath.Join(dataDir, privacy.DevKeyStoreFile), ring)
	if err != nil {
		return seed.Totals{}, fmt.Errorf("key store: %w", err)
	}
	defer keys.Close()
	raw, err := sqlitestore.Open(filepath.Join(dataDir, "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal),
		// A quarter GiB of page cache for the indexes of millions of events.
		sqlitestore.WithWriteCache(256<<10))
	if err != nil {
		return seed.Totals{}, fmt.Errorf("event store: %w", err)
	}
	bulk := seed.NewKeys(keys)
	store, err := privacy.New(raw, bulk)
	if err != nil {
		raw.Close()
		return seed.Totals{}, err
	}
	opt.Progress = progress
	opt.BeforeChunk = bulk.Prepare
	tot, err := seed.Write(ctx, store, opt)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("event store: %w", cerr)
	}
	return tot, err
}

// buildSeedReadModel projects the new record into the read model at dsn
// (emptied first), as `projections rebuild` does.
func buildSeedReadModel(ctx context.Context, dataDir, dsn, dirFile string, logOut, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := rebuildFromRecord(ctx, dataDir, dsn, dirFile, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Lesemodellen er bygd / the read model is built (%s): position %d, %d applied, %d ignored, %d skipped, %d poisoned, %s\n",
		r.backend, r.Position, r.Applied, r.Ignored, r.Skipped, r.Poisoned, r.took.Round(time.Millisecond))
	if r.Poisoned > 0 {
		return fmt.Errorf("%d events could not be projected", r.Poisoned)
	}
	return nil
}
