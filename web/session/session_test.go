package session

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// conformance is what every Store must do.
func conformance(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 12, 8, 0, 0, 0, time.UTC)
	ola := Session{ID: NewToken(), Username: "ola", CSRF: NewToken(), Created: t0, Seen: t0,
		Data: map[string]string{"roles": "employee"}}
	if err := st.Create(ctx, ola); err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, ola); err == nil {
		t.Error("a second session with the same token was created")
	}
	got, err := st.Get(ctx, ola.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "ola" || got.CSRF != ola.CSRF || !got.Created.Equal(t0) || !got.Seen.Equal(t0) || got.Data["roles"] != "employee" {
		t.Errorf("got %+v, want %+v", got, ola)
	}
	got.Data["roles"] = "auditor" // a copy: the store's session is not changed
	if again, _ := st.Get(ctx, ola.ID); again.Data["roles"] != "employee" {
		t.Errorf("changing a returned session changed the stored one: %v", again.Data)
	}
	if _, err := st.Get(ctx, "not-a-token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
	// Idle: per's session is used, ola's is not.
	per := Session{ID: NewToken(), Username: "per", CSRF: NewToken(), Created: t0, Seen: t0}
	if err := st.Create(ctx, per); err != nil {
		t.Fatal(err)
	}
	if err := st.Touch(ctx, per.ID, t0.Add(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.Touch(ctx, "not-a-token", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("touch of an unknown token: got %v, want ErrNotFound", err)
	}
	n, err := st.DeleteExpired(ctx, t0.Add(30*time.Minute), t0.Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("delete expired: got %d, %v; want 1 (ola's, idle)", n, err)
	}
	if _, err := st.Get(ctx, ola.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("ola's idle session is still there: %v", err)
	}
	if got, err := st.Get(ctx, per.ID); err != nil || !got.Seen.Equal(t0.Add(40*time.Minute)) {
		t.Errorf("per's session: got %+v, %v", got, err)
	}
	// Absolute: per's session is too old, however recently used.
	if n, err := st.DeleteExpired(ctx, t0, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("delete expired by age: got %d, %v; want 1", n, err)
	}
	anon := Session{ID: NewToken(), CSRF: NewToken(), Created: t0, Seen: t0}
	if err := st.Create(ctx, anon); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, anon.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, anon.ID); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := st.Get(ctx, anon.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted session: got %v, want ErrNotFound", err)
	}
}

func TestMemory(t *testing.T) { conformance(t, NewMemory()) }

func TestSQLite(t *testing.T) { testSQL(t) }

func TestPostgres(t *testing.T) { readmodeltest.Postgres(t, testSQL) }

func testSQL(t *testing.T) {
	st, err := OpenSQL(context.Background(), readmodeltest.DSN(t, filepath.Join(t.TempDir(), "readmodel.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conformance(t, st)
}

// The sessions live in the read model's database but are no part of the
// read model: resetting it for a rebuild signs nobody out.
func TestReadModelResetKeepsSessions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "readmodel.db")
	rm, err := readmodel.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	st, err := OpenSQL(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := Session{ID: NewToken(), Username: "ola", CSRF: NewToken(), Created: time.Now(), Seen: time.Now()}
	if err := st.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := rm.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Get(ctx, s.ID); err != nil || got.Username != "ola" {
		t.Fatalf("after a read model reset: got %+v, %v; want ola's session", got, err)
	}
}
