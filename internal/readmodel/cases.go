package readmodel

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Page sizes of ListCases.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ErrBadCursor means a paging cursor was not one ListCases made.
var ErrBadCursor = errors.New("bad cursor")

// CaseSummary is a case as lists show it: the case's own field names,
// without description, comments and tasks.
type CaseSummary struct {
	ID         string            `json:"id"`
	Reference  string            `json:"reference"`
	Kind       helpdesk.Kind     `json:"kind"`
	Status     helpdesk.Status   `json:"status"`
	Title      string            `json:"title"`
	Priority   helpdesk.Priority `json:"priority,omitempty"`
	Service    string            `json:"service,omitempty"`
	Channel    helpdesk.Channel  `json:"channel,omitempty"`
	Reporter   string            `json:"reporter"`
	CreatedBy  string            `json:"createdBy,omitempty"`
	Assignee   string            `json:"assignee"`
	Group      string            `json:"group"`
	Reopened   int               `json:"reopened"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	ResolvedAt *time.Time        `json:"resolvedAt,omitempty"`
	ClosedAt   *time.Time        `json:"closedAt,omitempty"`
	Revision   int64             `json:"revision"`
	SLA        *SLASummary       `json:"sla,omitempty"`
}

// SLASummary is where a case's SLA stands.
type SLASummary struct {
	ResponseDue        *time.Time `json:"responseDue"`
	ResolutionDue      *time.Time `json:"resolutionDue"`
	Paused             bool       `json:"paused"`
	ResponseBreached   bool       `json:"responseBreached"`
	ResolutionBreached bool       `json:"resolutionBreached"`
}

// Visibility says whose cases a caller may see. The zero value sees
// nothing, so a forgotten visibility fails closed.
type Visibility struct {
	// All: caseworkers and auditors see every case.
	All bool
	// User sees the cases they reported or created and those with an
	// approval they decide (as approver, as fallback once escalated, or
	// as a deputy of one of Deputising).
	User       string
	Deputising []string
}

// VisibleTo is what actor may see: the same rule as helpdesk.Actor.CanSee,
// written as a query.
func VisibleTo(a helpdesk.Actor) Visibility {
	if a.Has(helpdesk.RoleCaseworker) || a.Has(helpdesk.RoleAuditor) {
		return Visibility{All: true}
	}
	return Visibility{User: a.Username, Deputising: a.Deputising}
}

// Filter selects the cases ListCases returns. Empty fields do not filter.
type Filter struct {
	Kind   helpdesk.Kind
	Status helpdesk.Status
	// Statuses, when not empty, keeps cases in any of them (a work
	// queue: the open statuses); with Status both must hold.
	Statuses []helpdesk.Status
	Assignee string
	// Unassigned keeps the cases nobody holds (a group's queue).
	Unassigned bool
	Group      string
	Reporter   string
	// SortDue lists the soonest resolution deadline first (cases without
	// an SLA last), instead of the most recently updated first.
	SortDue bool
	// Q matches case-insensitively anywhere in reference, title or
	// description.
	Q string
	// Limit is the page size, 1..MaxLimit; 0 means DefaultLimit.
	Limit int
	// Cursor continues after the page that returned it.
	Cursor     string
	Visibility Visibility
}

// Page is one page of cases, most recently updated first. NextCursor is
// empty on the last page.
type Page struct {
	Items      []CaseSummary `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// ListCases returns a page of the cases f selects, most recently updated
// first. Paging is by key (updated time, id), so a page never repeats or
// skips a case that did not change in between; a case that changes moves
// to the top.
//
// Every filter is served by an index (readmodel.go), and so is q
// (search.go): the page first looks through the next cases in list
// order, which finds a common word at once; a rarer one is looked up in
// the full text index, whose answers are then few (searchCases).
func (d *DB) ListCases(ctx context.Context, f Filter) (Page, error) {
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return Page{}, fmt.Errorf("read model: limit %d is not within 1..%d", f.Limit, MaxLimit)
	}
	var w where
	w.visibility(f.Visibility)
	w.eq("kind", string(f.Kind))
	w.eq("status", string(f.Status))
	if len(f.Statuses) > 0 {
		// Each status is a branch of its own (listCases): one seek and a
		// walk in order each, whatever the planner thinks of how the
		// statuses spread over the list order.
		for _, st := range f.Statuses {
			if !slices.Contains(w.statuses, string(st)) {
				w.statuses = append(w.statuses, string(st))
			}
		}
		slices.Sort(w.statuses)
	}
	w.eq("assignee", f.Assignee)
	if f.Unassigned {
		w.add("assignee = ''")
	}
	w.eq("grp", f.Group)
	w.eq("reporter", f.Reporter)
	// Paging is by key in list order: (updated_at, id) descending, or by
	// deadline (due_key: a case without one counts as due at the end of
	// time) and id ascending.
	order := `updated_at DESC, id DESC`
	if f.SortDue {
		order = `due_key ASC, id ASC`
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		if f.SortDue {
			w.add("(due_key > ? OR (due_key = ? AND id > ?))", at, at, id)
		} else {
			w.add("(updated_at < ? OR (updated_at = ? AND id < ?))", at, at, id)
		}
	}
	var (
		items []CaseSummary
		err   error
	)
	if f.Q == "" {
		items, err = d.listCases(ctx, w, order, limit+1)
	} else {
		items, err = d.searchCases(ctx, w, order, f.SortDue, limit+1, searchTerms(f.Q))
	}
	if err != nil {
		return Page{}, fmt.Errorf("read model: list cases: %w", err)
	}
	page := Page{Items: items}
	// One row more than asked for says there is a next page.
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		at := last.UpdatedAt.UnixNano()
		if f.SortDue {
			at = noDue
			if last.SLA != nil && last.SLA.ResolutionDue != nil {
				at = last.SLA.ResolutionDue.UnixNano()
			}
		}
		page.NextCursor = encodeCursor(at, last.ID)
	}
	return page, nil
}

// A search (q) first reads the next cases in list order, by their id and
// words only, and keeps those that match: a word many cases have fills a
// page from the first thousand. It reads on, a chunk twice the last each
// time, while at least one case in searchDensity matched so far; once
// fewer match, or after scanMax cases, it asks the full text index for
// the rest of the page. Matches that sparse are few in all (about
// N/searchDensity of N cases), so sorting the index's answers is quick,
// and a search reads at most about the square root of N·limit rows either
// way.
const (
	scanBeforeIndex = 1000
	scanMax         = 16_000
	searchDensity   = 200
)

// searchCases is listCases for the cases that also match terms.
func (d *DB) searchCases(ctx context.Context, w where, order string, sortDue bool, n int, terms []string) ([]CaseSummary, error) {
	if len(terms) == 0 {
		return []CaseSummary{}, nil // no word: nothing matches
	}
	var (
		items          []CaseSummary
		looked         int
		after          = w
		lastAt, lastID = int64(0), ""
	)
	for chunk := scanBeforeIndex; ; chunk *= 2 {
		sc, err := d.scanCases(ctx, after, order, chunk, terms, n-len(items))
		if err != nil {
			return nil, err
		}
		items = append(items, sc.items...)
		looked += sc.looked
		if len(items) >= n || sc.looked < chunk {
			// A full page, or every case the filters select was looked at.
			return items[:min(n, len(items))], nil
		}
		lastAt, lastID = sc.lastAt, sc.lastID
		after = w
		after.after(sortDue, lastAt, lastID)
		if looked >= scanMax || len(items)*searchDensity < looked {
			break
		}
	}
	// The rest of the page, after the last case looked at, by the index.
	if d.pg {
		after.add("to_tsvector('simple', search) @@ to_tsquery('simple', ?)", tsQuery(terms))
	} else {
		after.add("cases.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)", ftsQuery(terms))
	}
	// The index finds the candidates; the definition (search.go) decides.
	find := "instr(' ' || search, ?) > 0"
	if d.pg {
		find = "strpos(' ' || search, ?) > 0"
	}
	for _, t := range terms {
		after.add(find, " "+t)
	}
	// All the index's matches, then the first of them in list order: with
	// ORDER BY … LIMIT a planner may walk the list order instead, testing
	// every case, when it takes the words for common (PostgreSQL does).
	// The matches are few: common words were found above.
	if len(after.sets) > 0 {
		cond, args := after.anyOfSets()
		after.add(cond, args...)
	}
	if len(after.statuses) > 0 {
		args := make([]any, len(after.statuses))
		for i, st := range after.statuses {
			args[i] = st
		}
		after.add("status IN ("+placeholders(len(args))+")", args...)
	}
	rows, err := d.query(ctx, `SELECT id, updated_at, due_key FROM cases WHERE `+after.sql(), after.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		id      string
		updated int64
		due     int64
	}
	var found []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.id, &k.updated, &k.due); err != nil {
			return nil, err
		}
		found = append(found, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	slices.SortFunc(found, func(a, b key) int {
		if sortDue {
			return cmp.Or(cmp.Compare(a.due, b.due), strings.Compare(a.id, b.id))
		}
		return cmp.Or(cmp.Compare(b.updated, a.updated), strings.Compare(b.id, a.id))
	})
	ids := make([]any, 0, n-len(items))
	keys := map[string][2]int64{}
	for _, k := range found[:min(len(found), n-len(items))] {
		ids = append(ids, k.id)
		keys[k.id] = [2]int64{k.updated, k.due}
	}
	rest, err := d.casesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	return append(items, slices.DeleteFunc(rest, func(c CaseSummary) bool { return movedSince(c, keys) })...), nil
}

// after continues w after the case at key (at, id) in list order: the
// cursor's condition.
func (w *where) after(sortDue bool, at int64, id string) {
	w.conds, w.args = slices.Clone(w.conds), slices.Clone(w.args)
	if sortDue {
		w.add("(due_key > ? OR (due_key = ? AND id > ?))", at, at, id)
	} else {
		w.add("(updated_at < ? OR (updated_at = ? AND id < ?))", at, at, id)
	}
}

// scanned is what scanCases found: the matching cases, how many cases it
// looked at, and the list key of the last one.
type scanned struct {
	items  []CaseSummary
	looked int
	lastAt int64
	lastID string
}

// selectCases is the query of up to n rows of cols that w selects, in
// order. A list of statuses, and a user's sets of visible cases, become
// a union of one ordered branch per status and set, merged: each branch
// gives its first n, so the first n of all are among them, and each is
// one seek and a walk in order, whatever the planner thinks of how the
// statuses spread over the list order, and however many cases a set
// holds. (A case in two sets comes from two branches: the union of the
// sets drops the copy.)
func selectCases(w where, cols, order string, n int) (string, []any) {
	statuses := []condition{{}}
	if len(w.statuses) > 0 {
		statuses = statuses[:0]
		for _, st := range w.statuses {
			statuses = append(statuses, condition{sql: "status = ?", args: []any{st}})
		}
	}
	sets := []condition{{}}
	if len(w.sets) > 0 {
		sets = w.sets
	}
	if len(statuses) == 1 && len(sets) == 1 {
		conds := slices.Clone(w.conds)
		args := slices.Clone(w.args)
		for _, c := range []condition{statuses[0], sets[0]} {
			if c.sql != "" {
				conds, args = append([]string{c.sql}, conds...), append(slices.Clone(c.args), args...)
			}
		}
		one := where{conds: conds, args: args}
		return `SELECT ` + cols + ` FROM cases WHERE ` + one.sql() + ` ORDER BY ` + order + ` LIMIT ?`, append(args, n)
	}
	var (
		branches []string
		args     []any
	)
	branchCols := cols
	if !strings.Contains(cols, "due_key") {
		branchCols += ", due_key" // the due order's key
	}
	for _, set := range sets {
		// A set of few cases is sorted, not walked to: with the list
		// order's own keys a planner may walk the whole list (cases_recent)
		// looking for them, and none may be there (PostgreSQL did, 1.3 s
		// at a million cases for a user who approves nothing).
		branchOrder := order
		if set.few {
			branchOrder = unindexedOrder.Replace(order)
		}
		for _, st := range statuses {
			var b where
			for _, c := range []condition{st, set} {
				if c.sql != "" {
					b.add(c.sql, c.args...)
				}
			}
			b.add(w.sql(), w.args...)
			branches = append(branches, `SELECT * FROM (SELECT `+branchCols+` FROM cases WHERE `+b.sql()+` ORDER BY `+branchOrder+` LIMIT ?) s`)
			args = append(append(args, b.args...), n)
		}
	}
	union := ` UNION ALL `
	if len(sets) > 1 {
		union = ` UNION `
	}
	return `SELECT ` + cols + ` FROM (` + strings.Join(branches, union) + `) u ORDER BY ` + order + ` LIMIT ?`, append(args, n)
}

// unindexedOrder turns a list order into the same order by expressions
// no index serves.
var unindexedOrder = strings.NewReplacer("updated_at ", "updated_at + 0 ", "due_key ", "due_key + 0 ")

// listCases reads up to n cases w selects, in order.
func (d *DB) listCases(ctx context.Context, w where, order string, n int) ([]CaseSummary, error) {
	items := []CaseSummary{}
	if n <= 0 {
		return items, nil
	}
	query, args := selectCases(w, summaryColumns, order, n)
	rows, err := d.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, c)
	}
	return items, rows.Err()
}

// scanCases looks at up to n cases w selects, in order, by their ids and
// words only, and returns (read whole) those that match terms, stopping
// once it has enough.
func (d *DB) scanCases(ctx context.Context, w where, order string, n int, terms []string, enough int) (scanned, error) {
	var sc scanned
	query, args := selectCases(w, "id, updated_at, due_key, search", order, n)
	rows, err := d.query(ctx, query, args...)
	if err != nil {
		return sc, err
	}
	defer rows.Close()
	var (
		kept []any
		keys = map[string][2]int64{}
	)
	for rows.Next() {
		var (
			id, search   string
			updated, due int64
		)
		if err := rows.Scan(&id, &updated, &due, &search); err != nil {
			return sc, err
		}
		sc.looked++
		sc.lastID, sc.lastAt = id, updated
		if strings.Contains(order, "due_key") {
			sc.lastAt = due
		}
		if matches(search, terms) {
			keys[id] = [2]int64{updated, due}
			if kept = append(kept, id); len(kept) >= enough {
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return sc, err
	}
	rows.Close()
	items, err := d.casesByID(ctx, kept)
	if err != nil {
		return sc, err
	}
	sc.items = slices.DeleteFunc(items, func(c CaseSummary) bool { return movedSince(c, keys) })
	return sc, nil
}

// movedSince reports whether c's list keys (updated time, deadline) are
// no longer those it was found with: it changed in between, and is where
// it is now in the list order, not on this page.
func movedSince(c CaseSummary, keys map[string][2]int64) bool {
	due := noDue
	if c.SLA != nil && c.SLA.ResolutionDue != nil {
		due = c.SLA.ResolutionDue.UnixNano()
	}
	return keys[c.ID] != [2]int64{c.UpdatedAt.UnixNano(), due}
}

// casesByID reads the summaries of ids, in the order of ids.
func (d *DB) casesByID(ctx context.Context, ids []any) ([]CaseSummary, error) {
	items := []CaseSummary{}
	if len(ids) == 0 {
		return items, nil
	}
	rows, err := d.query(ctx, `SELECT `+summaryColumns+` FROM cases WHERE id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[string]CaseSummary, len(ids))
	for rows.Next() {
		c, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if c, ok := byID[id.(string)]; ok {
			items = append(items, c)
		}
	}
	return items, nil
}

// OpenCaseLoad counts the cases each of assignees holds that are not
// final (closed, cancelled, rejected). Everyone asked about is in the
// map, with 0 when they hold nothing.
func (d *DB) OpenCaseLoad(ctx context.Context, assignees []string) (map[string]int, error) {
	load := make(map[string]int, len(assignees))
	if len(assignees) == 0 {
		return load, nil
	}
	args := make([]any, len(assignees))
	for i, a := range assignees {
		load[a] = 0
		args[i] = a
	}
	rows, err := d.query(ctx, `SELECT assignee, count(*) FROM cases WHERE NOT final AND assignee IN (`+placeholders(len(args))+`)
		GROUP BY assignee`, args...)
	if err != nil {
		return nil, fmt.Errorf("read model: open case load: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			who string
			n   int
		)
		if err := rows.Scan(&who, &n); err != nil {
			return nil, fmt.Errorf("read model: open case load: %w", err)
		}
		load[who] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: open case load: %w", err)
	}
	return load, nil
}

const summaryColumns = `id, reference, kind, status, title, priority, service, channel, reporter, created_by, assignee, grp, reopened,
	created_at, updated_at, resolved_at, closed_at, revision,
	has_sla, sla_response_due, sla_resolution_due, sla_paused, sla_response_breached, sla_resolution_breached`

func scanSummary(rows *sql.Rows) (CaseSummary, error) {
	var (
		c                               CaseSummary
		created, updated                int64
		resolved, closed, respD, resD   sql.NullInt64
		hasSLA, paused, respB, resB     bool
		kind, status, priority, channel string
	)
	dest := []any{&c.ID, &c.Reference, &kind, &status, &c.Title, &priority, &c.Service, &channel, &c.Reporter, &c.CreatedBy,
		&c.Assignee, &c.Group, &c.Reopened, &created, &updated, &resolved, &closed, &c.Revision,
		&hasSLA, &respD, &resD, &paused, &respB, &resB}
	if err := rows.Scan(dest...); err != nil {
		return c, err
	}
	c.Kind, c.Status, c.Priority, c.Channel = helpdesk.Kind(kind), helpdesk.Status(status), helpdesk.Priority(priority), helpdesk.Channel(channel)
	c.CreatedAt, c.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	c.ResolvedAt, c.ClosedAt = fromNanos(resolved), fromNanos(closed)
	if hasSLA {
		c.SLA = &SLASummary{ResponseDue: fromNanos(respD), ResolutionDue: fromNanos(resD), Paused: paused,
			ResponseBreached: respB, ResolutionBreached: resB}
	}
	return c, nil
}

// noDue is where a case without a resolution deadline sorts by deadline:
// after every real one.
const noDue = int64(1<<63 - 1)

// The cursor is opaque to callers; inside it is the last item's key.
func encodeCursor(updatedAt int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(updatedAt, 10) + "|" + id))
}

func decodeCursor(s string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return 0, "", ErrBadCursor
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	return n, id, nil
}

// where builds a conjunction of SQL conditions with their arguments.
type where struct {
	conds []string
	args  []any
	// statuses, when any, keeps the cases in one of them (ListCases).
	statuses []string
	// sets, when any, keeps the cases in one of them: the cases a user
	// may see (visibility).
	sets []condition
}

// condition is one SQL condition with its arguments.
type condition struct {
	sql  string
	args []any
	// few: the cases that meet it are few, and are best found by their
	// own index and sorted, never by a walk of the list order testing
	// each case (selectCases).
	few bool
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq filters column = value unless value is empty.
func (w *where) eq(column, value string) {
	if value != "" {
		w.add(column+" = ?", value)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

// visibility keeps the cases v may see. A user's are those they
// reported or created for someone else, and those with an approval they
// decide: each set is a condition of its own (w.sets), so that a list
// reads each in list order from its own index (cases_reporter,
// cases_created_for, tasks_approver, tasks_fallback) and stops after a
// page, however many cases a user has (selectCases).
func (w *where) visibility(v Visibility) {
	switch {
	case v.All:
	case v.User == "":
		w.add("FALSE")
	default:
		// created_by <> reporter: the cases a user reported for someone
		// else (the index cases_created_for); those they created
		// for themselves are the reporter's set.
		w.sets = []condition{
			{"reporter = ?", []any{v.User}, false},
			{"(" + createdFor + ") = ?", []any{v.User}, true},
			{"cases.id IN (SELECT case_id FROM tasks WHERE approver = ?)", []any{v.User}, true},
			{"cases.id IN (SELECT case_id FROM tasks WHERE fallback = ? AND escalated)", []any{v.User}, true},
		}
		if len(v.Deputising) > 0 {
			args := make([]any, len(v.Deputising))
			for i, a := range v.Deputising {
				args[i] = a
			}
			w.sets = append(w.sets, condition{"cases.id IN (SELECT case_id FROM tasks WHERE approver IN (" + placeholders(len(args)) + "))", args, true})
		}
	}
}

// createdFor is who reported a case for someone else (a phone call), or
// NULL: the expression of the index cases_created_for, written the same
// wherever a query is to use it.
const createdFor = `CASE WHEN created_by <> reporter THEN created_by END`

// anyOfSets is w.sets as one condition: a case in any of them.
func (w *where) anyOfSets() (string, []any) {
	var (
		conds []string
		args  []any
	)
	for _, s := range w.sets {
		conds = append(conds, "("+s.sql+")")
		args = append(args, s.args...)
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
