package readmodel_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// TestWhatQFinds: q's terms are words found at the start of words of the
// reference, title or description, a term's words in a row.
func TestWhatQFinds(t *testing.T) {
	ref, title, desc := "BH-2026-000042", "Laserskriveren på rom 12 skriver ikke (ÆØÅ)", "Papirstopp etter e-post-oppdateringen."
	for _, tt := range []struct {
		q    string
		want bool
	}{
		{"skriver", true}, {"SKRIV", true}, {"laser", true}, {"kriver", false}, // a word's start, not its middle
		{"æøå", true}, {"ÆØ", true}, {"rom 12", true}, {"12 rom", true}, // terms in any order
		{"rom-12", true}, {"12-rom", false}, // a term's words in a row
		{"BH-2026-000042", true}, {"bh-2026-00004", true}, {"BH-2026-000043", false}, {"2026-000042", true},
		{"e-post", true}, {"post oppdatering", true}, {"papirstopp skriver mangler", false},
		{"%", false}, {"  ", false}, {"rom %", true}, // a term without a word is left out; q without one finds nothing
	} {
		if got := readmodel.MatchesQ(ref, title, desc, tt.q); got != tt.want {
			t.Errorf("q %q finds %q: %v, want %v", tt.q, title, got, tt.want)
		}
	}
}

// TestSearchByIndexIsTheDefinition pages through searches on a read model
// larger than a search looks through before it asks the index, and finds
// exactly the cases the definition finds, in list order, whether the
// words are common (found among the newest cases) or rare (found by the
// index), with filters and the due order, and nothing of an erased text.
func TestSearchByIndexIsTheDefinition(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	n := readmodel.ScanBeforeIndex + 500
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := map[string]helpdesk.Case{}
	var all []helpdesk.Case
	for from := 0; from < n; from += 500 {
		if err := db.ProjectBatch(ctx, "cases", func(ctx context.Context, b *readmodel.Batch) error {
			for i := from; i < min(from+500, n); i++ {
				c := scaleCase(i, n)
				// Ties on the updated time, broken by id.
				c.UpdatedAt = base.Add(time.Duration(i/3) * time.Minute)
				switch {
				case i == 3: // old and rare
					c.Title, c.Description = "Zyxwa Qvist får ikke lisens", "Gjelder Zyxwa alene"
				case i == n-2: // new and rare
					c.Title = "Qvistvik sin skjerm"
				case i%97 == 0: // a word a few have
					c.Description += " Sjelden-ord her."
				case i%150 == 1: // fewer: not a page among the newest thousand, read on
					c.Description += " Middels."
				}
				cases[c.ID] = c
				if _, err := b.Step(ctx, uint64(i+1), func(ctx context.Context, tx *readmodel.Tx) error {
					return tx.PutCase(ctx, c, c.Revision)
				}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	pos := uint64(n)
	open := []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval}
	want := func(f readmodel.Filter) []string {
		all = all[:0]
		for _, c := range cases {
			if readmodel.MatchesQ(c.Reference, c.Title, c.Description, f.Q) && (len(f.Statuses) == 0 || slices.Contains(f.Statuses, c.Status)) &&
				(f.Group == "" || c.Group == f.Group) {
				all = append(all, c)
			}
		}
		due := func(c helpdesk.Case) int64 {
			if c.SLA == nil || c.SLA.ResolutionDue == nil {
				return 1<<63 - 1
			}
			return c.SLA.ResolutionDue.UnixNano()
		}
		slices.SortFunc(all, func(a, b helpdesk.Case) int {
			if f.SortDue {
				if d := due(a) - due(b); d != 0 {
					return int(d / max(1, abs(d)))
				}
				return strings.Compare(a.ID, b.ID)
			}
			if !a.UpdatedAt.Equal(b.UpdatedAt) {
				return b.UpdatedAt.Compare(a.UpdatedAt)
			}
			return strings.Compare(b.ID, a.ID)
		})
		out := []string{}
		for _, c := range all {
			out = append(out, c.ID)
		}
		return out
	}
	got := func(f readmodel.Filter) []string {
		out := []string{}
		f.Visibility, f.Limit = readmodel.Visibility{All: true}, 7
		for range 1000 {
			p, err := db.ListCases(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				out = append(out, c.ID)
			}
			if p.NextCursor == "" {
				return out
			}
			f.Cursor = p.NextCursor
		}
		t.Fatal("more pages than cases")
		return nil
	}
	filters := []readmodel.Filter{
		{Q: "zyxwa"}, {Q: "qvist"}, {Q: "sjelden-ord"}, {Q: "ord sjelden"}, {Q: "sjelden ord"},
		{Q: "skriveren"}, {Q: "vpn faller"}, {Q: "rom 4"}, {Q: "finnesikke"}, {Q: "%"},
		{Q: helpdesk.FormatReference(2022, 4)}, {Q: "pc0"},
		{Q: "skriveren", SortDue: true}, {Q: "sjelden", Statuses: open, SortDue: true},
		{Q: "glemt", Statuses: open}, {Q: "sjelden", Group: "nettverk"}, {Q: "middels"},
	}
	check := func(when string) {
		t.Helper()
		for _, f := range filters {
			w, g := want(f), got(f)
			if !slices.Equal(g, w) {
				t.Errorf("%s, %+v finds %d cases, the definition %d\ngot  %v\nwant %v", when, f, len(g), len(w), g, w)
			}
		}
	}
	check("at first")
	if len(want(readmodel.Filter{Q: "zyxwa"})) != 1 || len(want(readmodel.Filter{Q: "sjelden"})) < 10 || len(want(readmodel.Filter{Q: "skriveren"})) < 50 {
		t.Fatal("the cases do not have the words the test looks for")
	}

	// An erasure overwrites the texts: the words are found no more, by
	// the newest cases or by the index.
	for _, i := range []int{3, n - 2} {
		c := cases[fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i)]
		c.Title, c.Description, c.Revision = helpdesk.Erased, helpdesk.Erased, c.Revision+1
		c.Erasure = &helpdesk.Erasure{}
		cases[c.ID] = c
		pos++
		put(t, db, pos, c)
	}
	for _, q := range []string{"zyxwa", "qvist", "qvistvik", "lisens"} {
		if p, err := db.ListCases(ctx, readmodel.Filter{Q: q, Visibility: readmodel.Visibility{All: true}}); err != nil || len(p.Items) != 0 {
			t.Errorf("after the erasure %q finds %d cases (%v)", q, len(p.Items), err)
		}
	}
	check("after the erasure")
}

func abs(d int64) int64 {
	if d < 0 {
		return -d
	}
	return d
}

// TestDuePagesNeverRepeatOrSkip pages the open queue by deadline, three
// cases a page, through deadlines shared by many cases, cases without a
// deadline (last) and statuses that are not open, and meets every open
// case once, in order.
func TestDuePagesNeverRepeatOrSkip(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "readmodel.db"))
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	statuses := []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusClosed, helpdesk.StatusAwaitingApproval, helpdesk.StatusResolved}
	var want []string
	type due struct {
		at time.Time
		id string
	}
	var open []due
	for i := range 200 {
		c := newCase(i+1, statuses[i%len(statuses)], "", base.Add(time.Duration(i)*time.Second))
		at := base.Add(time.Duration(i%4) * time.Hour) // four deadlines, fifty cases each
		if i%9 == 0 {
			c.SLA = &helpdesk.SLA{} // no deadline: at the end
			at = time.Unix(0, 1<<63-1)
		} else {
			c.SLA = &helpdesk.SLA{ResolutionDue: &at}
		}
		if i%5 != 2 && i%5 != 4 {
			open = append(open, due{at, c.ID})
		}
		put(t, db, uint64(i+1), c)
	}
	slices.SortFunc(open, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, o := range open {
		want = append(want, o.id)
	}
	f := readmodel.Filter{Statuses: []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusInProgress, helpdesk.StatusWaitingForUser, helpdesk.StatusAwaitingApproval},
		SortDue: true, Limit: 3, Visibility: readmodel.Visibility{All: true}}
	var got []string
	for range 200 {
		p, err := db.ListCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			got = append(got, c.ID)
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("the open queue by deadline, page by page:\ngot  %v\nwant %v", got, want)
	}
}
