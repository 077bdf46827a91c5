package readmodel

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/kpi"
)

// The KPI report's days. A report of a year at a million cases reads
// hundreds of thousands of facts (openings, first responses,
// resolutions, decided approvals); read as index entries, one row each,
// that took seconds. So the facts of each UTC day are also kept together,
// one row per day (kpi_days.facts, encoded below), and a report reads the
// days wholly inside its period from there: a few hundred rows.
//
// A day's row is only used while it is current. Every write of a case
// marks the days its facts fall on, before and after the write
// (markKPIDays: kpi_days.changed counts up), and a day's facts are
// current when they were built at the count the day has now (built =
// changed). A report reads the other days, and the part-days at its ends,
// from the indexes as before (FillKPI); it first builds the past days
// that are not current (RefreshKPIDays), so the next report finds them.
// A day without a row has never been built: it is not current either,
// which also makes a read model from before kpi_days correct at once.
//
// The facts are what the report's parts would read, with the case's
// creation, last update and finality, so that the report still applies
// its own selection (the sel condition of FillKPI) to each: a report from
// the days equals one from the indexes (kpi_days_test.go).

// dayNanos is the length of a kpi_days day: a UTC day.
const dayNanos = int64(24 * time.Hour)

// kpiDayOf is the day n (Unix nanoseconds) falls on.
func kpiDayOf(n int64) int64 {
	d := n / dayNanos
	if n%dayNanos < 0 {
		d--
	}
	return d
}

// kpiDaysTable keeps the facts of each day (see above).
const kpiDaysTable = `CREATE TABLE IF NOT EXISTS kpi_days (
		day     INTEGER PRIMARY KEY,
		changed INTEGER NOT NULL,
		built   INTEGER NOT NULL,
		facts   BLOB
	)`

// kpiFactDays lists the days the report's facts of a case fall on: its
// opening, first response, resolution and decided approvals.
func kpiFactDays(c helpdesk.Case) []int64 {
	var days []int64
	add := func(t time.Time) {
		if !t.IsZero() {
			days = append(days, kpiDayOf(t.UnixNano()))
		}
	}
	add(c.CreatedAt)
	if c.SLA != nil && c.SLA.RespondedAt != nil {
		add(*c.SLA.RespondedAt)
	}
	add(kpi.DoneAt(c))
	for _, t := range c.Tasks {
		if t.Kind == helpdesk.TaskApproval {
			add(t.CompletedAt)
		}
	}
	return days
}

// markKPIDays marks the days whose facts writing cases changes: those of
// their rows as they are (read here, before the write) and as they will
// be.
func markKPIDays(ctx context.Context, tx *stmtTx, cases []caseRow) error {
	var days []int64
	for _, r := range cases {
		days = append(days, kpiFactDays(r.c)...)
	}
	for len(cases) > 0 {
		chunk := cases[:min(len(cases), 500)]
		cases = cases[len(chunk):]
		ids := make([]any, len(chunk))
		for i, r := range chunk {
			ids[i] = r.c.ID
		}
		old, err := oldKPIDays(ctx, tx, ids)
		if err != nil {
			return err
		}
		days = append(days, old...)
	}
	slices.Sort(days)
	days = slices.Compact(days)
	for len(days) > 0 {
		chunk := days[:min(len(days), 500)]
		days = days[len(chunk):]
		args := make([]any, len(chunk))
		for i, d := range chunk {
			args[i] = d
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_days (day, changed, built) VALUES `+kpiMarkRows(len(chunk))+`
			ON CONFLICT (day) DO UPDATE SET changed = kpi_days.changed + 1`, args...); err != nil {
			return fmt.Errorf("read model: mark kpi days: %w", err)
		}
	}
	return nil
}

// oldKPIDays are the days the facts of the rows of ids fall on.
func oldKPIDays(ctx context.Context, tx *stmtTx, ids []any) ([]int64, error) {
	var days []int64
	old := func(query string, cols int) error {
		rows, err := tx.QueryContext(ctx, query, ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		ns := make([]sql.NullInt64, cols)
		dest := make([]any, cols)
		for i := range ns {
			dest[i] = &ns[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			for _, n := range ns {
				if n.Valid && n.Int64 != zeroNanos {
					days = append(days, kpiDayOf(n.Int64))
				}
			}
		}
		return rows.Err()
	}
	in := placeholders(len(ids))
	if err := old(`SELECT created_at, responded_at, done_at FROM cases WHERE id IN (`+in+`)`, 3); err != nil {
		return nil, fmt.Errorf("read model: kpi days: %w", err)
	}
	if err := old(`SELECT completed_at FROM tasks WHERE case_id IN (`+in+`) AND kind = '`+string(helpdesk.TaskApproval)+`'`, 1); err != nil {
		return nil, fmt.Errorf("read model: kpi days: %w", err)
	}
	return days, nil
}

// kpiMarkRows is n rows of a marked day: (?, 1, -1), never current.
func kpiMarkRows(n int) string {
	return strings.TrimSuffix(strings.Repeat("(?, 1, -1), ", n), ", ")
}

// dayFacts are a day's facts as a report reads them.
type dayFacts struct {
	keys        []kpi.Keys
	opened      []factCase
	responses   []factResponse
	resolutions []factResolution
	approvals   []factApproval
}

// factCase is what every fact carries: its case's keys (an index into
// dayFacts.keys) and what the report's selection reads.
type factCase struct {
	key              int
	created, updated int64
	final            bool
}

type factResponse struct {
	factCase
	responded, target int64
	breached          bool
}

type factResolution struct {
	factCase
	done, used, target          int64
	reopened, stopped, breached bool
}

type factApproval struct {
	factCase
	taskCreated, decided int64
}

// kpiFactsVersion is the first byte of an encoded day: another encoding
// is not read (the day is not current then, and is built again).
const kpiFactsVersion = 1

func (f *dayFacts) encode() []byte {
	b := []byte{kpiFactsVersion}
	b = binary.AppendUvarint(b, uint64(len(f.keys)))
	for _, k := range f.keys {
		for _, s := range []string{k.Kind, k.Priority, k.Group} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	fc := func(c factCase) {
		b = binary.AppendUvarint(b, uint64(c.key))
		b = binary.AppendVarint(b, c.created)
		b = binary.AppendVarint(b, c.updated-c.created)
		b = append(b, flags(c.final))
	}
	b = binary.AppendUvarint(b, uint64(len(f.opened)))
	for _, o := range f.opened {
		fc(o)
	}
	b = binary.AppendUvarint(b, uint64(len(f.responses)))
	for _, r := range f.responses {
		fc(r.factCase)
		b = binary.AppendVarint(b, r.responded-r.created)
		b = binary.AppendVarint(b, r.target)
		b = append(b, flags(r.breached))
	}
	b = binary.AppendUvarint(b, uint64(len(f.resolutions)))
	for _, r := range f.resolutions {
		fc(r.factCase)
		b = binary.AppendVarint(b, r.done-r.created)
		b = binary.AppendVarint(b, r.used)
		b = binary.AppendVarint(b, r.target)
		b = append(b, flags(r.reopened, r.stopped, r.breached))
	}
	b = binary.AppendUvarint(b, uint64(len(f.approvals)))
	for _, a := range f.approvals {
		fc(a.factCase)
		b = binary.AppendVarint(b, a.taskCreated-a.created)
		b = binary.AppendVarint(b, a.decided-a.created)
	}
	return b
}

func flags(bits ...bool) byte {
	var f byte
	for i, on := range bits {
		if on {
			f |= 1 << i
		}
	}
	return f
}

var errBadFacts = errors.New("read model: a kpi day's facts do not decode")

// factReader reads an encoded day.
type factReader struct {
	b   []byte
	err error
}

func (r *factReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errBadFacts, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *factReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errBadFacts, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *factReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errBadFacts
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *factReader) string() string {
	n := r.uvarint()
	if uint64(len(r.b)) < n {
		r.err, r.b = errBadFacts, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads a length, bounded by what is left (each item takes at
// least one byte), so a damaged day cannot make it allocate much.
func (r *factReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errBadFacts, nil
		return 0
	}
	return int(n)
}

// decodeFacts reads an encoded day into f, reusing its slices. A day of
// another encoding, or one that does not decode, is an error: the caller
// reads it by index.
func decodeFacts(b []byte, f *dayFacts) error {
	if len(b) == 0 || b[0] != kpiFactsVersion {
		return errBadFacts
	}
	r := &factReader{b: b[1:]}
	f.keys = resize(f.keys, r.count())
	for i := range f.keys {
		f.keys[i] = kpi.Keys{Kind: r.string(), Priority: r.string(), Group: r.string()}
	}
	fc := func() factCase {
		c := factCase{key: int(r.uvarint()), created: r.varint()}
		c.updated = c.created + r.varint()
		c.final = r.byte()&1 != 0
		if c.key >= len(f.keys) {
			r.err = errBadFacts
		}
		return c
	}
	f.opened = resize(f.opened, r.count())
	for i := range f.opened {
		f.opened[i] = fc()
	}
	f.responses = resize(f.responses, r.count())
	for i := range f.responses {
		x := factResponse{factCase: fc()}
		x.responded = x.created + r.varint()
		x.target = r.varint()
		x.breached = r.byte()&1 != 0
		f.responses[i] = x
	}
	f.resolutions = resize(f.resolutions, r.count())
	for i := range f.resolutions {
		x := factResolution{factCase: fc()}
		x.done = x.created + r.varint()
		x.used, x.target = r.varint(), r.varint()
		fl := r.byte()
		x.reopened, x.stopped, x.breached = fl&1 != 0, fl&2 != 0, fl&4 != 0
		f.resolutions[i] = x
	}
	f.approvals = resize(f.approvals, r.count())
	for i := range f.approvals {
		x := factApproval{factCase: fc()}
		x.taskCreated = x.created + r.varint()
		x.decided = x.created + r.varint()
		f.approvals[i] = x
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errBadFacts
	}
	return r.err
}

// resize is s with length n, reusing its array when it is large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// keyIndex numbers the distinct keys of a day as they come.
type keyIndex struct {
	f  *dayFacts
	at map[kpi.Keys]int
}

func (k *keyIndex) of(keys kpi.Keys) int {
	if i, ok := k.at[keys]; ok {
		return i
	}
	k.at[keys] = len(k.f.keys)
	k.f.keys = append(k.f.keys, keys)
	return k.at[keys]
}

// kpiFactQueries read the facts of [from, to) by the same indexes as
// FillKPI, with what the report's selection needs; cond is added to the
// queries of cases, approvalCond (the same on the alias c) to that of
// approvals (the selection, when a report reads them directly).
func (d *DB) kpiFactQueries(cond, approvalCond string) (opened, responses, resolutions, approvals string) {
	const c = `created_at, updated_at, final`
	opened = `SELECT kind, priority, grp, ` + c + ` FROM cases WHERE created_at >= ? AND created_at < ?` + cond
	responses = `SELECT kind, priority, grp, ` + c + `, responded_at, sla_response_target, sla_response_breached FROM cases
		WHERE responded_at >= ? AND responded_at < ?` + cond
	resolutions = `SELECT kind, priority, grp, ` + c + `, done_at, reopened, sla_stopped, sla_used, sla_resolution_target,
		sla_resolution_breached FROM cases WHERE done_at >= ? AND done_at < ?` + cond
	approvals = `SELECT c.kind, c.priority, c.grp, c.created_at, c.updated_at, c.final, t.created_at, t.completed_at
		FROM tasks t JOIN cases c ` + d.kpiKeys + ` ON c.id = t.case_id
		WHERE t.completed_at >= ? AND t.completed_at < ? AND t.kind || '' = ? AND t.status || '' = ? AND t.outcome || '' IN (?, ?)` + approvalCond
	return
}

// approvalArgs are the approvals query's arguments after its range.
var approvalArgs = []any{string(helpdesk.TaskApproval), string(helpdesk.TaskStatusCompleted), helpdesk.OutcomeApproved, helpdesk.OutcomeRejected}

// readFacts reads the facts of [from, to) into f, with cond (and its
// args) added to each query.
func (d *DB) readFacts(ctx context.Context, q querier, from, to int64, cond string, condArgs []any, approvalCond string, f *dayFacts) error {
	opened, responses, resolutions, approvals := d.kpiFactQueries(cond, approvalCond)
	keys := &keyIndex{f: f, at: map[kpi.Keys]int{}}
	for i, k := range f.keys {
		keys.at[k] = i
	}
	base := func(rows *sql.Rows, more ...any) (factCase, error) {
		var (
			kind, priority, group string
			c                     factCase
		)
		if err := rows.Scan(append([]any{&kind, &priority, &group, &c.created, &c.updated, &c.final}, more...)...); err != nil {
			return c, err
		}
		c.key = keys.of(kpi.Keys{Kind: kind, Priority: priority, Group: group})
		return c, nil
	}
	rangeArgs := func(extra ...any) []any { return append(append([]any{from, to}, extra...), condArgs...) }
	parts := []struct {
		name, query string
		args        []any
		scan        func(*sql.Rows) error
	}{
		{"opened", opened, rangeArgs(), func(rows *sql.Rows) error {
			c, err := base(rows)
			f.opened = append(f.opened, c)
			return err
		}},
		{"responses", responses, rangeArgs(), func(rows *sql.Rows) error {
			var x factResponse
			c, err := base(rows, &x.responded, &x.target, &x.breached)
			x.factCase = c
			f.responses = append(f.responses, x)
			return err
		}},
		{"resolutions", resolutions, rangeArgs(), func(rows *sql.Rows) error {
			var (
				x        factResolution
				reopened int
			)
			c, err := base(rows, &x.done, &reopened, &x.stopped, &x.used, &x.target, &x.breached)
			x.factCase, x.reopened = c, reopened > 0
			f.resolutions = append(f.resolutions, x)
			return err
		}},
		{"approvals", approvals, rangeArgs(approvalArgs...), func(rows *sql.Rows) error {
			var x factApproval
			c, err := base(rows, &x.taskCreated, &x.decided)
			x.factCase = c
			f.approvals = append(f.approvals, x)
			return err
		}},
	}
	for _, p := range parts {
		if err := d.fillPartWith(ctx, q, p.query, p.args, p.scan); err != nil {
			return fmt.Errorf("read model: kpi %s: %w", p.name, err)
		}
	}
	return nil
}

// querier runs a query: the database, or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// tracedDB is d's database as a querier that FillKPI's trace sees.
type tracedDB struct{ d *DB }

func (t tracedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.d.query(ctx, query, args...)
}

// addFacts adds f to b: each fact that the selection of b's period keeps
// (FillKPI's sel: created before its end, and updated since its start or
// not final).
func addFacts(b *kpi.Builder, f dayFacts) {
	from, to := b.From().UnixNano(), b.To().UnixNano()
	keep := func(c factCase) bool { return c.created < to && (c.updated >= from || !c.final) }
	opened := make([]int, len(f.keys))
	for _, c := range f.opened {
		if keep(c) {
			opened[c.key]++
		}
	}
	for k, n := range opened {
		if n > 0 {
			b.AddOpened(f.keys[k], n)
		}
	}
	for _, r := range f.responses {
		if keep(r.factCase) {
			b.AddResponse(f.keys[r.key], time.Unix(0, r.created), time.Unix(0, r.responded), time.Duration(r.target), r.breached)
		}
	}
	for _, r := range f.resolutions {
		if keep(r.factCase) {
			b.AddResolved(f.keys[r.key], kpi.Resolution{Created: time.Unix(0, r.created), Done: time.Unix(0, r.done),
				Reopened: r.reopened, SLAStopped: r.stopped, Used: time.Duration(r.used), Target: time.Duration(r.target), Breached: r.breached})
		}
	}
	for _, a := range f.approvals {
		if keep(a.factCase) {
			b.AddApproval(f.keys[a.key], time.Unix(0, a.taskCreated), time.Unix(0, a.decided))
		}
	}
}

// RefreshKPIDays builds the facts of every day in [from, to) (Unix
// nanoseconds; the whole days within) that are not current, one day per
// transaction, and returns how many it built. A day marked again while it
// was being built stays not current: the write that marked it commits
// after what this read, so the day is built again next time.
func (d *DB) RefreshKPIDays(ctx context.Context, from, to time.Time) (int, error) {
	first, last := kpiDayOf(from.UnixNano()+dayNanos-1), kpiDayOf(to.UnixNano())
	if first >= last {
		return 0, nil
	}
	current, err := d.currentKPIDays(ctx, first, last)
	if err != nil {
		return 0, err
	}
	built := 0
	for day := first; day < last; day++ {
		if current[day] {
			continue
		}
		if err := d.buildKPIDay(ctx, day); err != nil {
			return built, err
		}
		built++
	}
	return built, nil
}

// currentKPIDays are the days in [first, last) whose facts are current.
func (d *DB) currentKPIDays(ctx context.Context, first, last int64) (map[int64]bool, error) {
	rows, err := d.query(ctx, `SELECT day FROM kpi_days WHERE day >= ? AND day < ? AND built = changed`, first, last)
	if err != nil {
		return nil, fmt.Errorf("read model: kpi days: %w", err)
	}
	defer rows.Close()
	current := map[int64]bool{}
	for rows.Next() {
		var day int64
		if err := rows.Scan(&day); err != nil {
			return nil, fmt.Errorf("read model: kpi days: %w", err)
		}
		current[day] = true
	}
	return current, rows.Err()
}

func (d *DB) buildKPIDay(ctx context.Context, day int64) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("read model: kpi day: %w", err)
	}
	defer tx.Rollback()
	var changed int64
	if err := tx.QueryRowContext(ctx, `SELECT changed FROM kpi_days WHERE day = ?`, day).Scan(&changed); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read model: kpi day: %w", err)
	}
	var f dayFacts
	if err := d.readFacts(ctx, tx, day*dayNanos, (day+1)*dayNanos, "", nil, "", &f); err != nil {
		return err
	}
	// Current at the count read above, unless a write marked it since.
	if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_days (day, changed, built, facts) VALUES (?, 0, 0, ?)
		ON CONFLICT (day) DO UPDATE SET built = ?, facts = excluded.facts WHERE kpi_days.changed = ?`,
		day, f.encode(), changed, changed); err != nil {
		return fmt.Errorf("read model: kpi day: %w", err)
	}
	return tx.Commit()
}

// kpiFromDays adds to b the facts of the current days wholly inside its
// period, and returns the ranges (Unix nanoseconds, [from, to)) the
// report must read by index: the part-days at its ends and the days not
// current.
func (d *DB) kpiFromDays(ctx context.Context, b *kpi.Builder) ([][2]int64, error) {
	from, to := b.From().UnixNano(), b.To().UnixNano()
	first, last := kpiDayOf(from+dayNanos-1), kpiDayOf(to)
	if first >= last {
		return [][2]int64{{from, to}}, nil
	}
	rows, err := d.query(ctx, `SELECT day, facts FROM kpi_days WHERE day >= ? AND day < ? AND built = changed ORDER BY day`, first, last)
	if err != nil {
		return nil, fmt.Errorf("read model: kpi days: %w", err)
	}
	defer rows.Close()
	var (
		ranges [][2]int64
		next   = from // the first instant not yet accounted for
		f      dayFacts
	)
	gap := func(a, z int64) {
		if a >= z {
			return
		}
		if n := len(ranges); n > 0 && ranges[n-1][1] == a {
			ranges[n-1][1] = z
			return
		}
		ranges = append(ranges, [2]int64{a, z})
	}
	for rows.Next() {
		var (
			day   int64
			facts []byte
		)
		if err := rows.Scan(&day, &facts); err != nil {
			return nil, fmt.Errorf("read model: kpi days: %w", err)
		}
		if err := decodeFacts(facts, &f); err != nil {
			continue // read by index instead
		}
		gap(next, day*dayNanos)
		addFacts(b, f)
		next = (day + 1) * dayNanos
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: kpi days: %w", err)
	}
	gap(next, to)
	return ranges, nil
}
