package readmodel

import (
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
// (search.go): the page first looks through the next scanBeforeIndex
// cases in list order, which finds a common word at once; a rarer one is
// looked up in the full text index, whose answers are then few.
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
		items, err = d.listCases(ctx, w, order, limit+1, nil, 0)
	} else {
		items, err = d.searchCases(ctx, w, order, limit+1, searchTerms(f.Q))
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

// scanBeforeIndex is how many cases a search looks through in list order
// before it asks the full text index instead. A word that many cases have
// fills a page from the first cases in order; one that fewer than a page
// of those have is in few enough cases at all (about limit/scanBeforeIndex
// of them) for the index's answers to be sorted quickly.
const scanBeforeIndex = 1000

// searchCases is listCases for the cases that also match terms.
func (d *DB) searchCases(ctx context.Context, w where, order string, n int, terms []string) ([]CaseSummary, error) {
	if len(terms) == 0 {
		return []CaseSummary{}, nil // no word: nothing matches
	}
	var looked int
	items, err := d.listCases(ctx, w, order, scanBeforeIndex, func(search string) bool {
		looked++
		return matches(search, terms)
	}, n)
	if err != nil {
		return nil, err
	}
	if len(items) >= n || looked < scanBeforeIndex {
		// A full page, or every case the filters select was looked at.
		return items[:min(n, len(items))], nil
	}
	if d.pg {
		w.add("to_tsvector('simple', search) @@ to_tsquery('simple', ?)", tsQuery(terms))
	} else {
		w.add("cases.rowid IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)", ftsQuery(terms))
	}
	// The index finds the candidates; the definition (search.go) decides.
	find := "instr(' ' || search, ?) > 0"
	if d.pg {
		find = "strpos(' ' || search, ?) > 0"
	}
	for _, t := range terms {
		w.add(find, " "+t)
	}
	return d.listCases(ctx, w, order, n, nil, 0)
}

// listCases reads up to n cases w selects, in order. With keep, only
// the ids and search columns of the n are read, and only the cases keep
// accepts are returned (read whole afterwards), stopping once it has
// enough of them.
func (d *DB) listCases(ctx context.Context, w where, order string, n int, keep func(search string) bool, enough int) ([]CaseSummary, error) {
	cols := summaryColumns
	if keep != nil {
		cols = "id, updated_at, due_key, search"
	}
	query, args := `SELECT `+cols+` FROM cases WHERE `+w.sql()+` ORDER BY `+order+` LIMIT ?`, append(slices.Clone(w.args), n)
	if len(w.statuses) > 0 {
		// A union of one ordered branch per status, merged: each branch
		// gives its first n, so the first n of all are among them.
		var branches []string
		args = nil
		for _, st := range w.statuses {
			branchCols := cols
			if !strings.Contains(cols, "due_key") {
				branchCols += ", due_key" // the due order's key
			}
			branches = append(branches, `SELECT * FROM (SELECT `+branchCols+` FROM cases WHERE status = ? AND `+w.sql()+` ORDER BY `+order+` LIMIT ?) s`)
			args = append(append(append(args, st), w.args...), n)
		}
		query = `SELECT ` + cols + ` FROM (` + strings.Join(branches, ` UNION ALL `) + `) u ORDER BY ` + order + ` LIMIT ?`
		args = append(args, n)
	}
	rows, err := d.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if keep != nil {
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
				return nil, err
			}
			if keep(search) {
				keys[id] = [2]int64{updated, due}
				if kept = append(kept, id); len(kept) >= enough {
					break
				}
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows.Close()
		items, err := d.casesByID(ctx, kept)
		if err != nil {
			return nil, err
		}
		// A case that changed since it was found has moved in the list
		// order: it is where it is now, not on this page (the page's
		// cursor stays where the list was read up to).
		return slices.DeleteFunc(items, func(c CaseSummary) bool {
			due := noDue
			if c.SLA != nil && c.SLA.ResolutionDue != nil {
				due = c.SLA.ResolutionDue.UnixNano()
			}
			return keys[c.ID] != [2]int64{c.UpdatedAt.UnixNano(), due}
		}), nil
	}
	items := []CaseSummary{}
	for rows.Next() {
		c, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, c)
	}
	return items, rows.Err()
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

// visibility adds v as a condition on the cases table: the cases the
// user reported or created and those with an approval they decide, each
// found by its own index (cases_reporter, cases_created_by,
// tasks_approver, tasks_fallback), so a user's few cases are not looked
// for among all of them.
func (w *where) visibility(v Visibility) {
	switch {
	case v.All:
	case v.User == "":
		w.add("FALSE")
	default:
		sets := []string{"SELECT id FROM cases WHERE reporter = ?", "SELECT id FROM cases WHERE created_by = ?",
			"SELECT case_id FROM tasks WHERE approver = ?", "SELECT case_id FROM tasks WHERE fallback = ? AND escalated"}
		args := []any{v.User, v.User, v.User, v.User}
		if len(v.Deputising) > 0 {
			sets = append(sets, "SELECT case_id FROM tasks WHERE approver IN ("+placeholders(len(v.Deputising))+")")
			for _, a := range v.Deputising {
				args = append(args, a)
			}
		}
		w.add("cases.id IN ("+strings.Join(sets, " UNION ALL ")+")", args...)
	}
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
