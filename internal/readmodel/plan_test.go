package readmodel_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/calendar"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel/readmodeltest"
)

// fillSynthetic writes n cases of the synthetic desk (scale_bench_test.go)
// through the projection's write path.
func fillSynthetic(t testing.TB, db *readmodel.DB, n int) {
	t.Helper()
	for from := 0; from < n; from += 500 {
		var cases []helpdesk.Case
		for i := from; i < min(from+500, n); i++ {
			cases = append(cases, scaleCase(i, n))
		}
		putBatch(t, db, uint64(from), cases)
	}
}

// Full scans of a table, in either database's words.
var (
	sqliteFullScan = regexp.MustCompile(`^SCAN (cases|tasks|kpi_facts|t|c|f)$`)
	pgFullScan     = regexp.MustCompile(`Seq Scan on (cases|tasks|kpi_facts)`)
	// A walk of the whole list order, filtering as it goes: fine for a
	// list without filters (it stops after a page), a scan in disguise
	// for a filter few cases pass.
	sqliteWalk = regexp.MustCompile(`^SCAN cases USING (COVERING )?INDEX (cases_recent|cases_due)`)
	pgWalk     = regexp.MustCompile(`Index (Only )?Scan( Backward)? using (cases_recent|cases_due) on cases`)
)

// unfiltered matches the conditions of a list query that selects every
// case, or every case after a cursor: a walk in list order reads no more
// than its LIMIT then.
var unfiltered = regexp.MustCompile(`(?s)WHERE (TRUE|\((updated_at|due_key) [<>] \? OR \((updated_at|due_key) = \? AND id [<>] \?\)\))\s+ORDER BY`)

// filters reports whether query has conditions that a walk in list order
// would have to test case after case.
func filters(query string) bool {
	return strings.Contains(query, "FROM cases WHERE") && !unfiltered.MatchString(query)
}

// TestCommonQueriesUseIndexes fails when the plan of a list, queue,
// search or task query that the pages and the API run becomes a scan of
// every case (or every task).
func TestCommonQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	fillSynthetic(t, db, 3000)
	// As the projection leaves it, and with the planner's statistics of
	// what the tables hold (after a rebuild).
	t.Run("without statistics", func(t *testing.T) { commonQueriesUseIndexes(t, db) })
	if err := db.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("with statistics", func(t *testing.T) { commonQueriesUseIndexes(t, db) })
}

func commonQueriesUseIndexes(t *testing.T, db *readmodel.DB) {
	ctx := context.Background()
	all := readmodel.Visibility{All: true}
	open := []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval}
	type list struct {
		name string
		f    readmodel.Filter
		// walk: the list order itself serves this query (no filter).
		walk bool
	}
	lists := []list{
		{"every case, recent first", readmodel.Filter{Visibility: all}, true},
		{"every case, soonest due first", readmodel.Filter{SortDue: true, Visibility: all}, true},
		{"open queue by due", readmodel.Filter{Statuses: open, SortDue: true, Visibility: all}, false},
		{"open queue, recent first", readmodel.Filter{Statuses: open, Visibility: all}, false},
		{"a group's unassigned queue", readmodel.Filter{Statuses: open, Group: "nettverk", Unassigned: true, SortDue: true, Visibility: all}, false},
		{"a caseworker's queue", readmodel.Filter{Statuses: open, Assignee: "cw07", SortDue: true, Visibility: all}, false},
		{"one status", readmodel.Filter{Status: helpdesk.StatusWaitingForUser, Visibility: all}, false},
		{"one status by due", readmodel.Filter{Status: helpdesk.StatusNew, SortDue: true, Visibility: all}, false},
		{"kind", readmodel.Filter{Kind: helpdesk.KindDeparture, Visibility: all}, false},
		{"group", readmodel.Filter{Group: "arkiv", Visibility: all}, false},
		{"assignee", readmodel.Filter{Assignee: "cw03", Visibility: all}, false},
		{"unassigned", readmodel.Filter{Unassigned: true, Group: helpdesk.FirstLineGroup, Visibility: all}, false},
		{"reporter", readmodel.Filter{Reporter: "u00042", Visibility: all}, false},
		{"a user's own cases", readmodel.Filter{Visibility: readmodel.Visibility{User: "u00042"}}, false},
		{"an approver's cases", readmodel.Filter{Visibility: readmodel.Visibility{User: "leder007", Deputising: []string{"leder008"}}}, false},
		{"rare word", readmodel.Filter{Q: "pc123456", Visibility: all}, false},
		{"reference", readmodel.Filter{Q: helpdesk.FormatReference(2024, 1234), Visibility: all}, false},
		{"no such word", readmodel.Filter{Q: "finnesikke", Visibility: all}, false},
		{"word in a queue", readmodel.Filter{Q: "vpn", Statuses: open, SortDue: true, Visibility: all}, false},
	}
	// strict: no walk of any index from its start either (the report's
	// parts each seek their own instant's range).
	check := func(t *testing.T, walk, strict bool, run func()) {
		t.Helper()
		var queries [][2]any
		db.TraceQueries(func(q string, args []any) { queries = append(queries, [2]any{q, args}) })
		defer db.TraceQueries(nil)
		run()
		if len(queries) == 0 {
			t.Fatal("no query was run")
		}
		for _, q := range queries {
			plan, err := db.ExplainPlan(ctx, q[0].(string), q[1].([]any))
			if err != nil {
				t.Fatalf("explain %s: %v", q[0], err)
			}
			for _, line := range strings.Split(plan, "\n") {
				full, walks := sqliteFullScan.MatchString(line), sqliteWalk.MatchString(line)
				if readmodeltest.OnPostgres(t) {
					full, walks = pgFullScan.MatchString(line), pgWalk.MatchString(line)
				}
				if readmodeltest.OnPostgres(t) {
					full = full || (strict && strings.Contains(line, "Index Scan") && !strings.Contains(plan, "Index Cond"))
				} else {
					// The report reads its indexes only, never the rows (but
					// for the few new users).
					full = full || (strict && (strings.HasPrefix(line, "SCAN ") ||
						(strings.HasPrefix(line, "SEARCH") && !strings.Contains(line, "COVERING INDEX") && !strings.Contains(line, "cases_newuser") &&
							// the report's days by their key (kpi_days.go)
							!strings.HasPrefix(line, "SEARCH kpi_days USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"))))
				}
				if full || (walks && !walk && filters(q[0].(string))) {
					t.Errorf("the plan scans instead of seeking (%q):\n%s\nquery: %s %v", line, plan, q[0], q[1])
				}
			}
		}
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			check(t, l.walk, false, func() {
				f := l.f
				f.Limit = 20
				p, err := db.ListCases(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if p.NextCursor != "" { // the next page too
					f.Cursor = p.NextCursor
					if _, err := db.ListCases(ctx, f); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
	actors := []helpdesk.Actor{
		{Username: "leder007", Deputising: []string{"leder008"}},
		{Username: "cw01", Roles: []helpdesk.Role{helpdesk.RoleCaseworker}, Groups: []string{"klient", helpdesk.FirstLineGroup}},
		{Username: "u00042"},
	}
	for _, a := range actors {
		t.Run(fmt.Sprintf("tasks of %s", a.Username), func(t *testing.T) {
			check(t, false, false, func() {
				if _, err := db.ListTasks(ctx, readmodel.TaskFilter{OpenOnly: true, For: &a}); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
	t.Run("kpi report of a year", func(t *testing.T) {
		check(t, false, true, func() {
			from := time.Date(2025, 12, 1, 0, 0, 0, 0, helpdesk.Oslo)
			b := kpi.NewBuilder(from, from.AddDate(1, 0, 0), scaleEnd, kpi.Fast(calendar.Default()))
			if err := db.FillKPI(ctx, b); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("open case load", func(t *testing.T) {
		check(t, false, false, func() {
			if _, err := db.OpenCaseLoad(ctx, []string{"cw01", "cw02"}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestDeferredIndexesComeBack: a rebuild's deferred indexes are made
// again by the function it gets, or, had it stopped before, by the next
// Open.
func TestDeferredIndexesComeBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "readmodel.db")
	db := open(t, path)
	all, err := db.Indexes(ctx)
	if err != nil || all < 20 {
		t.Fatalf("%d indexes (%v)", all, err)
	}
	restore, err := db.DeferIndexes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Indexes(ctx); n != 1 {
		t.Errorf("%d indexes while deferred, want 1 (tasks_case)", n)
	}
	if err := restore(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Indexes(ctx); n != all {
		t.Errorf("%d indexes after restoring, want %d", n, all)
	}
	if _, err := db.DeferIndexes(ctx); err != nil { // and a stop before restoring
		t.Fatal(err)
	}
	db.Close()
	again := open(t, path)
	if n, _ := again.Indexes(ctx); n != all {
		t.Errorf("%d indexes after opening again, want %d", n, all)
	}
}
