package readmodel

import (
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Difference is a row that differs between two read models.
type Difference struct {
	Table string
	Key   string
	// Detail says how: missing on one side, or which columns differ.
	Detail string
}

func (d Difference) String() string { return d.Table + " " + d.Key + ": " + d.Detail }

// compared lists what Compare compares: every table the record fills,
// by key, with the columns that follow from the record. Left out: when a
// checkpoint or a poisoned event was written (updated_at, recorded_at),
// and the read flags, which are not in the record.
var compared = []struct {
	table, key string
	columns    []string
}{
	{"checkpoints", "projection", []string{"position", "applied", "ignored", "skipped"}},
	{"cases", "id", []string{"reference", "kind", "status", "final", "title", "description", "priority", "service", "channel",
		"reporter", "created_by", "assignee", "grp", "reopened", "created_at", "updated_at", "resolved_at", "closed_at", "revision",
		"seen_revision", "has_sla", "sla_response_due", "sla_resolution_due", "sla_paused", "sla_response_breached",
		"sla_resolution_breached", "sla_breached", "search", "state", "erased", "due_key", "ended_at", "responded_at", "done_at",
		"sla_stopped", "sla_used", "sla_response_target", "sla_resolution_target", "newuser_start", "newuser_ready"}},
	{"tasks", "id", []string{"case_id", "case_reference", "case_title", "case_kind", "case_reporter", "kind", "type", "title",
		"status", "approver", "fallback", "escalated", "grp", "cost_nok", "created_at", "due_at", "completed_at", "outcome",
		"decided_by", "on_behalf_of"}},
	{"notifications", "id", []string{"recipient", "case_id", "case_reference", "kind", "title", "title_en", "created_at",
		"position", "event_id", "task_id"}},
	{"poisoned", "projection || '@' || CAST(position AS TEXT)", []string{"event_id", "stream", "type", "revision",
		"correlation_id", "reason"}},
}

// Compare compares live with rebuilt row by row and calls each for every
// difference, table by table. It returns how many rows it compared and
// how many differed.
func Compare(ctx context.Context, live, rebuilt *DB, each func(Difference)) (rows, diffs int, err error) {
	for _, t := range compared {
		want, err := rebuilt.digests(ctx, t.table, t.key, t.columns)
		if err != nil {
			return rows, diffs, err
		}
		got, err := live.digests(ctx, t.table, t.key, t.columns)
		if err != nil {
			return rows, diffs, err
		}
		keys := make([]string, 0, len(got)+len(want))
		for k := range got {
			keys = append(keys, k)
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			rows++
			g, inLive := got[k]
			w, inRebuilt := want[k]
			var detail string
			switch {
			case !inRebuilt:
				detail = "in the live read model, not in the rebuilt one"
			case !inLive:
				detail = "in the rebuilt read model, missing from the live one"
			case g != w:
				if detail, err = columnDiff(ctx, live, rebuilt, t.table, t.key, t.columns, k); err != nil {
					return rows, diffs, err
				}
			}
			if detail != "" {
				diffs++
				each(Difference{Table: t.table, Key: k, Detail: detail})
			}
		}
	}
	return rows, diffs, nil
}

// digests reads table as key → hash of the columns.
func (d *DB) digests(ctx context.Context, table, key string, columns []string) (map[string][32]byte, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+key+`, `+strings.Join(columns, ", ")+` FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("read model: read %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string][32]byte{}
	vals := make([]any, len(columns)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read model: read %s: %w", table, err)
		}
		h := sha256.New()
		for _, v := range vals[1:] {
			fmt.Fprintf(h, "%#v\x00", normalize(v))
		}
		var sum [32]byte
		h.Sum(sum[:0])
		out[fmt.Sprint(normalize(vals[0]))] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: read %s: %w", table, err)
	}
	return out, nil
}

// columnDiff names the columns of one row that differ.
func columnDiff(ctx context.Context, live, rebuilt *DB, table, key string, columns []string, k string) (string, error) {
	g, err := live.row(ctx, table, key, columns, k)
	if err != nil {
		return "", err
	}
	w, err := rebuilt.row(ctx, table, key, columns, k)
	if err != nil {
		return "", err
	}
	var out []string
	for i, c := range columns {
		if reflect.DeepEqual(g[i], w[i]) {
			continue
		}
		if c == "state" {
			// The same case may encode to other bytes; compare the cases.
			gc, gerr := decodeStateValue(g[i])
			wc, werr := decodeStateValue(w[i])
			if gerr == nil && werr == nil && reflect.DeepEqual(gc, wc) {
				continue
			}
			out = append(out, "state (the folded case) differs")
			continue
		}
		out = append(out, fmt.Sprintf("%s is %v, rebuilt %v", c, g[i], w[i]))
	}
	return strings.Join(out, "; "), nil
}

func (d *DB) row(ctx context.Context, table, key string, columns []string, k string) ([]any, error) {
	vals := make([]any, len(columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := d.db.QueryRowContext(ctx, `SELECT `+strings.Join(columns, ", ")+` FROM `+table+` WHERE `+key+` = ?`, k).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("read model: read %s %s: %w", table, k, err)
	}
	for i, v := range vals {
		vals[i] = normalize(v)
	}
	return vals, nil
}

// normalize makes a value read from either database comparable: flags
// as 0 and 1, text as strings.
func normalize(v any) any {
	switch v := v.(type) {
	case bool:
		if v {
			return int64(1)
		}
		return int64(0)
	case int:
		return int64(v)
	case int32:
		return int64(v)
	}
	return v
}

func decodeStateValue(v any) (helpdesk.Case, error) {
	b, _ := v.([]byte)
	return decodeState(b)
}
