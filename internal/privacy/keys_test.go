package privacy_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// keyStoreDSN is a key store of the test's own: a SQLite file, or under
// TestPostgres a PostgreSQL schema.
func keyStoreDSN(t *testing.T) string {
	return readmodeltest.DSN(t, filepath.Join(t.TempDir(), "keys.db"))
}

func TestPostgres(t *testing.T) {
	readmodeltest.Postgres(t, testKeyLifecycle, testConcurrentFirstKeys, testRotation)
}

func TestKeyLifecycle(t *testing.T)        { testKeyLifecycle(t) }
func TestConcurrentFirstKeys(t *testing.T) { testConcurrentFirstKeys(t) }
func TestRotation(t *testing.T)            { testRotation(t) }

// testKeyLifecycle: a scope gets a key once and keeps it; erasing
// destroys it for good; the next key is a new generation.
func testKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	keys := openKeys(t, keyStoreDSN(t), testRing(t))
	k1, err := keys.Current(ctx, "case-a")
	if err != nil || k1.ID != "case-a/1" || len(k1.Secret) != privacy.DataKeySize {
		t.Fatalf("first key = %+v, %v", k1.ID, err)
	}
	again, _ := keys.Current(ctx, "case-a")
	got, err := keys.Get(ctx, k1.ID)
	if err != nil || string(again.Secret) != string(k1.Secret) || string(got.Secret) != string(k1.Secret) {
		t.Errorf("the key changed: %v", err)
	}
	if _, err := keys.Get(ctx, "case-b/1"); !errors.Is(err, privacy.ErrNoKey) {
		t.Errorf("Get of a key never made = %v, want ErrNoKey", err)
	}
	other, _ := keys.Current(ctx, "case-b")
	if ids, err := keys.Erase(ctx, "case-a", "retention"); err != nil || len(ids) != 1 {
		t.Fatalf("Erase = %v, %v", ids, err)
	}
	if _, err := keys.Get(ctx, k1.ID); !errors.Is(err, privacy.ErrErased) {
		t.Errorf("Get after erasure = %v, want ErrErased", err)
	}
	if k, err := keys.Get(ctx, other.ID); err != nil || string(k.Secret) != string(other.Secret) {
		t.Errorf("another scope's key after the erasure: %v", err)
	}
	k2, err := keys.Current(ctx, "case-a")
	if err != nil || k2.ID != "case-a/2" || string(k2.Secret) == string(k1.Secret) {
		t.Errorf("the key after erasure = %s, %v", k2.ID, err)
	}
	st, err := keys.Stats(ctx)
	if err != nil || st.Erased != 1 || st.Live[testRingID(t, keys)] != 2 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

func testRingID(t *testing.T, keys *privacy.SQLKeys) string {
	st, _ := keys.Stats(context.Background())
	for id := range st.Live {
		return id
	}
	return ""
}

// testConcurrentFirstKeys: appends to a new scope racing each other get
// one key, so they encrypt alike.
func testConcurrentFirstKeys(t *testing.T) {
	ctx := context.Background()
	keys := openKeys(t, keyStoreDSN(t), testRing(t))
	var wg sync.WaitGroup
	got := make([]string, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := keys.Current(ctx, "person-ola")
			got[i], errs[i] = string(k.Secret)+k.ID, err
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != got[0] {
			t.Fatalf("caller %d got another key (%v)", i, errs[i])
		}
	}
}

// testRotation: a new master key first in the ring, then Rewrap, and the
// old master key can go: the record reads as before, untouched.
func testRotation(t *testing.T) {
	ctx := context.Background()
	dsn := keyStoreDSN(t)
	oldLine, newLine := privacy.GenerateMasterKey(), privacy.GenerateMasterKey()
	oldRing, _ := privacy.ParseKeyring(oldLine)
	keys := openKeys(t, dsn, oldRing)
	k, err := keys.Current(ctx, "case-a")
	if err != nil {
		t.Fatal(err)
	}
	both, err := privacy.ParseKeyring("# rotating\n" + newLine + "\n" + oldLine + "\n")
	if err != nil {
		t.Fatal(err)
	}
	rotating := openKeys(t, dsn, both)
	if got, err := rotating.Get(ctx, k.ID); err != nil || string(got.Secret) != string(k.Secret) {
		t.Fatalf("with both master keys the key reads: %v", err)
	}
	n, err := rotating.Rewrap(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Rewrap = %d, %v; want 1", n, err)
	}
	if n, _ := rotating.Rewrap(ctx); n != 0 {
		t.Errorf("a second Rewrap rewrapped %d", n)
	}
	newRing, _ := privacy.ParseKeyring(newLine)
	if got, err := openKeys(t, dsn, newRing).Get(ctx, k.ID); err != nil || string(got.Secret) != string(k.Secret) {
		t.Errorf("after rotation the new master key alone reads: %v", err)
	}
	if _, err := openKeys(t, dsn, oldRing).Get(ctx, k.ID); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("after rotation the old master key alone = %v, want a clear refusal", err)
	}
}

func TestKeyrings(t *testing.T) {
	if _, err := privacy.LoadKeyring(func(string) string { return "" }); !errors.Is(err, privacy.ErrNoMasterKey) {
		t.Errorf("no setting = %v, want ErrNoMasterKey", err)
	}
	if _, err := privacy.ParseKeyring("c2hvcnQ="); err == nil || !strings.Contains(err.Error(), "5 bytes, want 32") {
		t.Errorf("a short key = %v", err)
	}
	line := privacy.GenerateMasterKey()
	if _, err := privacy.ParseKeyring(line + "," + line); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a key given twice = %v", err)
	}
	dir := t.TempDir()
	env := func(string) string { return "" }
	a, err := privacy.DevKeyring(dir, env)
	if err != nil {
		t.Fatal(err)
	}
	b, err := privacy.DevKeyring(dir, env)
	if err != nil || a.CurrentID() != b.CurrentID() {
		t.Errorf("dev made a second master key: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, privacy.DevMasterKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("dev's master key file: %v, mode %v", err, fi.Mode())
	}
	file := filepath.Join(dir, "prod.key")
	os.WriteFile(file, []byte(line+"\n"), 0o600)
	c, err := privacy.LoadKeyring(func(k string) string {
		if k == privacy.EnvMasterKeyFile {
			return file
		}
		return ""
	})
	want, _ := privacy.ParseKeyring(line)
	if err != nil || c.CurrentID() != want.CurrentID() {
		t.Errorf("the key file: %v", err)
	}
	_ = helpdesk.Erased
}
