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
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/projection"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

const projectionsUsage = `Bruk / usage:
  brukerhjelp projections rebuild [--data-dir ./data] [--directory fil.yaml] [--read-model postgres://…]
      bygger lesemodellen (readmodel.db, eller den --read-model gir) på nytt fra hendelsesloggen (events.db); stopp dev først
      rebuilds the read model (readmodel.db, or the one --read-model names) in place from the record; stop dev first
  brukerhjelp projections rebuild --verify [--data-dir ./data] [--directory fil.yaml]
      bygger en ny lesemodell ved siden av og sammenligner rad for rad; avslutter med 0 hvis lik, 1 hvis ikke
      builds a fresh read model aside and compares it row by row; exit status 0 if identical, 1 if not
`

// runProjections runs "brukerhjelp projections …" and returns the exit
// status: 0 done (and identical, with --verify), 1 different or failed,
// 2 a usage error.
func runProjections(ctx context.Context, args []string) int {
	return projectionsCmd(ctx, args, os.Stdout, os.Stderr)
}

func projectionsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprint(stderr, projectionsUsage)
		return 2
	}
	fs := flag.NewFlagSet("projections rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, projectionsUsage) }
	dataDir := fs.String("data-dir", "./data", "datakatalogen til brukerhjelp dev (events.db, readmodel.db) / the data directory of brukerhjelp dev (events.db, readmodel.db)")
	verify := fs.Bool("verify", false, "bygg en ny lesemodell ved siden av og sammenlign med readmodel.db / build a fresh read model aside and compare it with readmodel.db instead of rebuilding in place")
	readModel := fs.String("read-model", "", "lesemodellen som bygges i stedet for readmodel.db: postgres://… eller sqlite:<sti> (ikke med --verify) / the read model to build instead of readmodel.db: postgres://… or sqlite:<path> (not with --verify)")
	dirFile := fs.String("directory", "", "katalogfilen dev kjører med (standard: den innebygde demo-organisasjonen) / the directory file dev runs with (default: the built-in demo organisation); notifications follow its groups")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "brukerhjelp projections rebuild: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *verify && *readModel != "" {
		fmt.Fprintln(stderr, "brukerhjelp projections rebuild: --verify compares readmodel.db; it does not take --read-model")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	if *verify {
		var same bool
		same, err = verifyReadModel(ctx, *dataDir, *dirFile, log, stdout)
		if err == nil && !same {
			return 1
		}
	} else {
		err = rebuildReadModel(ctx, *dataDir, *readModel, *dirFile, log, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "brukerhjelp projections rebuild:", err)
		return 1
	}
	return 0
}

// openRecord opens events.db of dataDir, which must exist, with its
// personal data decrypted by the data dir's keys (docs/PRIVACY.md): the
// read model is built from what the help desk reads.
func openRecord(ctx context.Context, dataDir string) (eventstore.Store, error) {
	path := filepath.Join(dataDir, "events.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("--data-dir: no record: %w", err)
	}
	raw, err := sqlitestore.Open(path)
	if err != nil {
		return nil, err
	}
	keys, ok, err := privacy.OpenDevKeys(ctx, dataDir, os.Getenv)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("the data dir's keys: %w", err)
	}
	if !ok {
		return raw, nil // a record from before encryption
	}
	store, err := privacy.New(raw, keys)
	if err != nil {
		raw.Close()
		keys.Close()
		return nil, err
	}
	return closeBoth{store, keys}, nil
}

// closeBoth is the record that closes its key store with it.
type closeBoth struct {
	*privacy.Store
	keys *privacy.SQLKeys
}

func (c closeBoth) Close() error { return errors.Join(c.Store.Close(), c.keys.Close()) }

// loadGroups is the directory the projection asks who works in which
// group and who an announcement reaches.
func loadGroups(file string) (*directory.Directory, error) {
	if file == "" {
		return directory.Demo(), nil
	}
	dir, err := directory.Load(file)
	if err != nil {
		return nil, fmt.Errorf("--directory: %w", err)
	}
	return dir, nil
}

// build projects the whole record into rm.
func build(ctx context.Context, store eventstore.Store, rm *readmodel.DB, dir *directory.Directory, log *slog.Logger) (readmodel.Stats, error) {
	p, err := projection.New(store, rm, projection.Options{Logger: log, Groups: dir, Audience: dir, ProgressInterval: 2 * time.Second})
	if err != nil {
		return readmodel.Stats{}, err
	}
	return p.CatchUp(ctx)
}

// rebuildReadModel empties the read model at dsn, readmodel.db when empty
// (keeping the read flags), and projects the record into it.
func rebuildReadModel(ctx context.Context, dataDir, dsn, dirFile string, log *slog.Logger, out io.Writer) error {
	if dsn == "" {
		dsn = filepath.Join(dataDir, "readmodel.db")
	}
	r, err := rebuildFromRecord(ctx, dataDir, dsn, dirFile, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Lesemodellen er bygd på nytt / the read model is rebuilt: position %d, %d applied, %d ignored, %d skipped, %d poisoned, %s\n",
		r.Position, r.Applied, r.Ignored, r.Skipped, r.Poisoned, r.took.Round(time.Millisecond))
	return nil
}

// rebuilt is what rebuildFromRecord did: the projection's figures, the
// read model's backend and how long the projection took.
type rebuilt struct {
	readmodel.Stats
	backend string
	took    time.Duration
}

// rebuildFromRecord opens dataDir's record (which must exist), empties the
// read model at dsn (keeping the read flags) and projects the whole
// record into it, with the groups of dirFile (the demo organisation when
// empty): `projections rebuild` and `seed` both build a read model so.
func rebuildFromRecord(ctx context.Context, dataDir, dsn, dirFile string, log *slog.Logger) (rebuilt, error) {
	groups, err := loadGroups(dirFile)
	if err != nil {
		return rebuilt{}, err
	}
	store, err := openRecord(ctx, dataDir)
	if err != nil {
		return rebuilt{}, err
	}
	defer store.Close()
	rm, err := readmodel.Open(ctx, dsn)
	if err != nil {
		return rebuilt{}, err
	}
	defer rm.Close()
	if err := rm.Reset(ctx); err != nil {
		return rebuilt{}, err
	}
	start := time.Now()
	st, err := build(ctx, store, rm, groups, log)
	if err != nil {
		return rebuilt{}, err
	}
	return rebuilt{Stats: st, backend: rm.Backend(), took: time.Since(start)}, nil
}

// verifyReadModel builds a fresh read model from the record in a
// temporary directory and compares it with readmodel.db, printing each
// difference. same is true when there is none.
func verifyReadModel(ctx context.Context, dataDir, dirFile string, log *slog.Logger, out io.Writer) (same bool, err error) {
	groups, err := loadGroups(dirFile)
	if err != nil {
		return false, err
	}
	livePath := filepath.Join(dataDir, "readmodel.db")
	if _, err := os.Stat(livePath); err != nil {
		return false, fmt.Errorf("--data-dir: no read model to verify: %w", err)
	}
	store, err := openRecord(ctx, dataDir)
	if err != nil {
		return false, err
	}
	defer store.Close()
	live, err := readmodel.Open(ctx, livePath)
	if err != nil {
		return false, err
	}
	defer live.Close()
	if why := live.Rebuilt(); why != "" {
		fmt.Fprintf(out, "readmodel.db was %s: it is emptied, and rebuilt at the next start\n", why)
	}
	tmp, err := os.MkdirTemp("", "brukerhjelp-verify-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	fresh, err := readmodel.Open(ctx, filepath.Join(tmp, "readmodel.db"))
	if err != nil {
		return false, err
	}
	defer fresh.Close()
	fmt.Fprintln(out, "Bygger en ny lesemodell fra hendelsesloggen / building a fresh read model from the record …")
	start := time.Now()
	st, err := build(ctx, store, fresh, groups, log)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "Bygd / built: position %d, %d events applied, in %s. Sammenligner / comparing …\n",
		st.Position, st.Applied, time.Since(start).Round(time.Millisecond))
	rows, diffs, err := readmodel.Compare(ctx, live, fresh, func(d readmodel.Difference) {
		fmt.Fprintln(out, "  ulik / differs:", d)
	})
	if err != nil {
		return false, err
	}
	if diffs == 0 {
		fmt.Fprintf(out, "Lik / identical: %d rows compared (read flags aside)\n", rows)
		return true, nil
	}
	fmt.Fprintf(out, "ULIK / DIFFERENT: %d of %d rows differ; rebuild with: brukerhjelp projections rebuild --data-dir %s\n", diffs, rows, dataDir)
	return false, nil
}
