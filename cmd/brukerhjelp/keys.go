package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

const keysUsage = `Bruk / usage:
  brukerhjelp keys generate
      skriver en ny hovednøkkel (base64) / prints a new master key (base64)
  brukerhjelp keys rotate [--data-dir ./data | --keystore postgres://…]
      pakker alle datanøkler inn på nytt med den første hovednøkkelen; hendelsesloggen endres ikke
      wraps every data key again with the first master key; the record is not touched
  brukerhjelp keys status [--data-dir ./data | --keystore postgres://…]
      teller datanøklene per hovednøkkel, og de slettede / counts the data keys by master key, and the erased ones

Hovednøklene leses fra BRUKERHJELP_MASTER_KEY_FILE eller BRUKERHJELP_MASTER_KEY, ellers <data-dir>/master.key
/ the master keys come from BRUKERHJELP_MASTER_KEY_FILE or BRUKERHJELP_MASTER_KEY, else <data-dir>/master.key.
Rotasjon / rotation (docs/PRIVACY.md): put the new key first in the file, the old one after it; restart; run
"keys rotate"; then remove the old key once no running workflow needs it.
`

func runKeys(ctx context.Context, args []string) int { return keysCmd(ctx, args, os.Stdout, os.Stderr) }

func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || !slices.Contains([]string{"generate", "rotate", "status"}, args[0]) {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	if args[0] == "generate" {
		fmt.Fprintln(stdout, privacy.GenerateMasterKey())
		return 0
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./data", "the data dir of brukerhjelp dev (keys.db, master.key)")
	keystore := fs.String("keystore", "", "the key store of production (KEYSTORE_URL), instead of the data dir's")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	keys, err := openKeysFor(ctx, *dataDir, *keystore)
	if err != nil {
		fmt.Fprintln(stderr, "brukerhjelp keys:", err)
		return 1
	}
	defer keys.Close()
	if args[0] == "rotate" {
		n, err := keys.Rewrap(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "brukerhjelp keys rotate:", err)
			return 1
		}
		fmt.Fprintf(stdout, "Pakket inn på nytt / rewrapped: %d datanøkler / data keys\n", n)
	}
	st, err := keys.Stats(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "brukerhjelp keys:", err)
		return 1
	}
	for _, id := range slices.Sorted(maps.Keys(st.Live)) {
		fmt.Fprintf(stdout, "  %s: %d\n", id, st.Live[id])
	}
	fmt.Fprintf(stdout, "  slettet / erased: %d\n", st.Erased)
	return 0
}

// openKeysFor opens the key store the operator names: production's, or
// the dev data dir's.
func openKeysFor(ctx context.Context, dataDir, keystore string) (*privacy.SQLKeys, error) {
	ring, err := privacy.LoadKeyring(os.Getenv)
	if errors.Is(err, privacy.ErrNoMasterKey) && keystore == "" {
		b, rerr := os.ReadFile(filepath.Join(dataDir, privacy.DevMasterKeyFile))
		if rerr != nil {
			return nil, fmt.Errorf("%w (nor %s: %w)", err, filepath.Join(dataDir, privacy.DevMasterKeyFile), rerr)
		}
		ring, err = privacy.ParseKeyring(string(b))
	}
	if err != nil {
		return nil, err
	}
	if keystore == "" {
		path := filepath.Join(dataDir, privacy.DevKeyStoreFile)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("--data-dir: no key store: %w", err)
		}
		keystore = path
	}
	return privacy.OpenKeys(ctx, keystore, ring)
}
