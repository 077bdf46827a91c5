package readmodel

import "testing"

func TestRebindNumbersPlaceholdersOutsideQuotes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`SELECT '?' || ?, "we?ird" FROM t -- why?
			WHERE x = ?`, `SELECT '?' || $1, "we?ird" FROM t -- why?
			WHERE x = $2`},
		{`SELECT 'it''s?' , ?`, `SELECT 'it''s?' , $1`},
	} {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
