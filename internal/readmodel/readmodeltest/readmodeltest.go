// Package readmodeltest runs the read model's tests against both of its
// databases. A test names its read model by a file path, as for SQLite;
// under TestPostgres (Postgres below) the same path stands for a fresh
// PostgreSQL schema of its own, so tests run in parallel and again without
// meeting each other's rows.
package readmodeltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// EnvPostgres names the variable holding the PostgreSQL server the tests
// may use, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
// Unset, the PostgreSQL tests are skipped.
const EnvPostgres = "BRUKERHJELP_TEST_POSTGRES"

// prefix starts the names of the tests Postgres runs.
const prefix = "TestPostgres/"

// Postgres runs each of tests as a subtest of t named after the function,
// with its read models on PostgreSQL. Call it from a test named
// TestPostgres. Without EnvPostgres set it skips, saying so.
func Postgres(t *testing.T, tests ...func(*testing.T)) {
	t.Helper()
	if t.Name() != strings.TrimSuffix(prefix, "/") {
		t.Fatalf("readmodeltest.Postgres runs from a test named TestPostgres, not %s", t.Name())
	}
	if os.Getenv(EnvPostgres) == "" {
		t.Skipf("%s is not set: the read model is not tested on PostgreSQL (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres, EnvPostgres)
	}
	for _, test := range tests {
		name := runtime.FuncForPC(reflect.ValueOf(test).Pointer()).Name()
		name = name[strings.LastIndexByte(name, '.')+1:]
		t.Run(name, test)
	}
}

// OnPostgres reports whether t runs under TestPostgres.
func OnPostgres(t testing.TB) bool { return strings.HasPrefix(t.Name(), prefix) }

var (
	mu      sync.Mutex
	schemas = map[string]string{} // path → schema
)

// DSN returns where the read model a test calls path lives: path itself
// for SQLite, or, under TestPostgres, a PostgreSQL schema made for it
// (the same one each time the test asks for the same path), dropped when
// the test ends.
func DSN(t testing.TB, path string) string {
	t.Helper()
	if !OnPostgres(t) {
		return path
	}
	mu.Lock()
	schema, ok := schemas[path]
	if !ok {
		b := make([]byte, 8)
		rand.Read(b)
		schema = "rm_" + hex.EncodeToString(b)
		schemas[path] = schema
	}
	mu.Unlock()
	if !ok {
		server := os.Getenv(EnvPostgres)
		exec(t, server, `CREATE SCHEMA `+schema)
		t.Cleanup(func() {
			exec(t, server, `DROP SCHEMA `+schema+` CASCADE`)
			mu.Lock()
			delete(schemas, path)
			mu.Unlock()
		})
	}
	return withSchema(t, schema)
}

// PostgresDSN makes a fresh schema on the EnvPostgres server and returns
// its DSN; the schema is dropped when t ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return DSN(postgresT{t}, t.TempDir())
}

// postgresT is t, named as if under TestPostgres.
type postgresT struct{ testing.TB }

func (postgresT) Name() string { return prefix }

func withSchema(t testing.TB, schema string) string {
	return WithSchema(t, os.Getenv(EnvPostgres), schema)
}

// WithSchema returns server's DSN with its search_path set to schema.
func WithSchema(t testing.TB, server, schema string) string {
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs query on the database dsn names (a DSN returned), as someone
// tampering with it from outside would.
func Exec(t testing.TB, dsn, query string) {
	t.Helper()
	exec(t, dsn, query)
}

func exec(t testing.TB, dsn, query string) {
	t.Helper()
	driver, name := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if strings.HasPrefix(dsn, "postgres") {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Remove deletes the read model at dsn, as an operator deleting
// readmodel.db would: the file (and its -wal, -shm), or every table of the
// schema.
func Remove(t testing.TB, dsn string) {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres") {
		path := strings.TrimPrefix(dsn, "sqlite:")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
		return
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	exec(t, dsn, `DROP SCHEMA `+schema+` CASCADE`)
	exec(t, dsn, `CREATE SCHEMA `+schema)
}
