package devserver

// SetMaxConns changes the SQLite connection limit for file databases and
// returns a func restoring it; for the throughput comparison only.
func SetMaxConns(n int) (restore func()) {
	old := maxConns
	maxConns = n
	return func() { maxConns = old }
}

// SetDynamicConfig overrides dynamic config keys of the servers started
// after it and returns a func restoring the defaults; for the latency trace.
func SetDynamicConfig(overrides map[string]any) (restore func()) {
	old := dynamicOverrides
	dynamicOverrides = overrides
	return func() { dynamicOverrides = old }
}

// ForcesSearchAttributeRefresh says whether the server still reads the
// search attributes from the database on every use (startupClient).
func (s *Server) ForcesSearchAttributeRefresh() bool { return s.dc.forceRefresh.Load() }

// SetSparseIndexes turns the partial visibility indexes of new files off
// (false) or on, and returns a func restoring the default; for the
// benchmark of their cost only.
func SetSparseIndexes(on bool) (restore func()) {
	old := sparseIndexes
	sparseIndexes = on
	return func() { sparseIndexes = old }
}
