package devserver

import "testing"

// TestAttributeColumn: which of Temporal's visibility indexes are made
// partial, by their statements as the SQLite schema has them.
func TestAttributeColumn(t *testing.T) {
	for _, c := range []struct{ stmt, want string }{
		{`CREATE INDEX default_idx ON executions_visibility (namespace_id, (COALESCE(close_time, '9999-12-31 23:59:59+00:00')) DESC, start_time DESC, run_id)`, ""},
		{`CREATE INDEX by_parent_run_id ON executions_visibility (namespace_id, parent_run_id, (COALESCE(close_time, '9999-12-31 23:59:59+00:00')) DESC, start_time DESC, run_id)`, ""},
		{`CREATE INDEX by_keyword_01  ON executions_visibility (namespace_id, Keyword01,  (COALESCE(close_time, '9999-12-31 23:59:59+00:00')) DESC, start_time DESC, run_id)`, "Keyword01"},
		{`CREATE INDEX by_temporal_scheduled_by_id ON executions_visibility (namespace_id, TemporalScheduledById, (COALESCE(close_time, '9999-12-31 23:59:59+00:00')) DESC, start_time DESC, run_id)`, "TemporalScheduledById"},
		{`CREATE INDEX by_keyword_01 ON executions_visibility (namespace_id, Keyword01, (COALESCE(close_time, '9999-12-31 23:59:59+00:00')) DESC, start_time DESC, run_id) WHERE "Keyword01" IS NOT NULL`, ""},
		{`CREATE INDEX odd ON executions_visibility (namespace_id, "Key word", run_id)`, ""},
		{`CREATE INDEX two ON executions_visibility (namespace_id, Keyword01)`, ""},
	} {
		if got := attributeColumn(c.stmt); got != c.want {
			t.Errorf("attributeColumn(%s) = %q, want %q", c.stmt, got, c.want)
		}
	}
}
