package devserver

// SetMaxConns changes the SQLite connection limit for file databases and
// returns a func restoring it; for the throughput comparison only.
func SetMaxConns(n int) (restore func()) {
	old := maxConns
	maxConns = n
	return func() { maxConns = old }
}
