package readmodel

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestSQLiteKeepsStatementJournalsInMemory: every connection of a SQLite
// read model keeps temporary data (a statement's undo pages) in memory,
// so an upsert does not open a temp file of its own.
func TestSQLiteKeepsStatementJournalsInMemory(t *testing.T) {
	db, err := openSQLite(filepath.Join(t.TempDir(), "readmodel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(3)
	conns := make([]*sql.Conn, 3) // three at once: each a new connection
	for i := range conns {
		if conns[i], err = db.Conn(t.Context()); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
		var store int
		if err := conns[i].QueryRowContext(t.Context(), "PRAGMA temp_store").Scan(&store); err != nil {
			t.Fatal(err)
		}
		if store != 2 { // MEMORY
			t.Errorf("connection %d: temp_store = %d, want 2 (memory)", i, store)
		}
	}
}
