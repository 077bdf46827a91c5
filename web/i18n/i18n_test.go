package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

func TestBothCataloguesHaveTheSameKeysAndVerbs(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d+\])?[a-z]`)
	for key, nbText := range nb {
		enText, ok := en[key]
		if !ok {
			t.Errorf("key %q is in nb.go but not in en.go", key)
			continue
		}
		gotNB, gotEN := verbs.FindAllString(nbText, -1), verbs.FindAllString(enText, -1)
		slices.Sort(gotNB)
		slices.Sort(gotEN)
		if !slices.Equal(gotNB, gotEN) {
			t.Errorf("key %q: nb has verbs %v, en has %v", key, gotNB, gotEN)
		}
		if strings.TrimSpace(nbText) == "" || strings.TrimSpace(enText) == "" {
			t.Errorf("key %q has an empty text", key)
		}
	}
	for key := range en {
		if _, ok := nb[key]; !ok {
			t.Errorf("key %q is in en.go but not in nb.go", key)
		}
	}
}

// Every key the web package names (in Go as T("…") or in a template as
// .T "…") is in the catalogues, so no page ever shows ??key??.
func TestEveryKeyTheWebPackageUsesExists(t *testing.T) {
	used := regexp.MustCompile(`\bT\(?\s*"([a-zA-Z0-9.\-]+)"[\s,)}]`)
	files, err := filepath.Glob(filepath.Join("..", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, ".html") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := nb[m[1]]; !ok {
				t.Errorf("%s uses key %q, which the catalogues do not have", filepath.Base(f), m[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d uses of keys in the web package; the pattern no longer matches how pages name texts", n)
	}
}

func TestMissingKeyIsVisible(t *testing.T) {
	if got := EN.T("no.such.key"); got != "??no.such.key??" {
		t.Fatalf("missing key: got %q", got)
	}
}

func TestAcceptLanguage(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   Lang
		ok     bool
	}{
		{"en", EN, true},
		{"en-GB,en;q=0.9", EN, true},
		{"nb-NO,nb;q=0.9,en;q=0.8", NB, true},
		{"no", NB, true},
		{"nn-NO", NB, true},
		{"de-DE,en;q=0.5", EN, true},
		{"en;q=0.3,nb;q=0.7", NB, true},
		{"en;q=0", "", false},
		{"de, fr", "", false},
		{"", "", false},
		{"*", "", false},
	} {
		got, ok := FromAcceptLanguage(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Accept-Language %q: got %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func oslo(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, helpdesk.Oslo)
}

func TestWhenSpeaksOfOsloDays(t *testing.T) {
	now := oslo(2026, 1, 13, 10, 0) // a Tuesday
	for _, tt := range []struct {
		at     time.Time
		nb, en string
	}{
		{oslo(2026, 1, 13, 14, 30), "i dag 14:30", "today 14:30"},
		{oslo(2026, 1, 12, 9, 5), "i går 09:05", "yesterday 09:05"},
		{oslo(2026, 1, 14, 8, 0), "i morgen 08:00", "tomorrow 08:00"},
		{oslo(2026, 1, 12, 0, 0), "i går 00:00", "yesterday 00:00"},
		{oslo(2026, 1, 5, 16, 0), "mandag 5. januar 2026 kl. 16:00", "Monday 5 January 2026 at 16:00"},
		// UTC 23:30 on the 12th is 00:30 on the 13th in Oslo: today.
		{time.Date(2026, 1, 12, 23, 30, 0, 0, time.UTC), "i dag 00:30", "today 00:30"},
	} {
		if got := NB.When(tt.at, now); got != tt.nb {
			t.Errorf("nb When(%s): got %q, want %q", tt.at, got, tt.nb)
		}
		if got := EN.When(tt.at, now); got != tt.en {
			t.Errorf("en When(%s): got %q, want %q", tt.at, got, tt.en)
		}
	}
	// Across the spring change (29 March 2026, 02:00 → 03:00) a day is 23
	// hours; the 28th is still yesterday.
	if got := NB.When(oslo(2026, 3, 28, 23, 0), oslo(2026, 3, 29, 23, 30)); got != "i går 23:00" {
		t.Errorf("across daylight saving: got %q", got)
	}
}

func TestDate(t *testing.T) {
	d := oslo(2026, 1, 12, 14, 30)
	if got := NB.Date(d); got != "mandag 12. januar 2026" {
		t.Errorf("nb: got %q", got)
	}
	if got := EN.Date(d); got != "Monday 12 January 2026" {
		t.Errorf("en: got %q", got)
	}
}

func TestNumbersAndKroner(t *testing.T) {
	const nbsp = "\u00a0"
	for _, tt := range []struct {
		n      int64
		nb, en string
	}{
		{0, "0", "0"},
		{999, "999", "999"},
		{4500, "4" + nbsp + "500", "4,500"},
		{1234567, "1" + nbsp + "234" + nbsp + "567", "1,234,567"},
		{-12000, "-12" + nbsp + "000", "-12,000"},
	} {
		if got := NB.Number(tt.n); got != tt.nb {
			t.Errorf("nb Number(%d): got %q, want %q", tt.n, got, tt.nb)
		}
		if got := EN.Number(tt.n); got != tt.en {
			t.Errorf("en Number(%d): got %q, want %q", tt.n, got, tt.en)
		}
	}
	if got := NB.NOK(4500); got != "4"+nbsp+"500"+nbsp+"kr" {
		t.Errorf("nb NOK: got %q", got)
	}
	if got := EN.NOK(4500); got != "NOK"+nbsp+"4,500" {
		t.Errorf("en NOK: got %q", got)
	}
	if got := NB.Decimal(1234.5, 1); got != "1"+nbsp+"234,5" {
		t.Errorf("nb Decimal: got %q", got)
	}
	if got := EN.Decimal(-0.25, 2); got != "-0.25" {
		t.Errorf("en Decimal: got %q", got)
	}
}

func TestList(t *testing.T) {
	if got := NB.List([]string{"ansatt", "leder", "budsjettansvarlig"}); got != "ansatt, leder og budsjettansvarlig" {
		t.Errorf("nb: got %q", got)
	}
	if got := EN.List([]string{"employee", "caseworker"}); got != "employee and caseworker" {
		t.Errorf("en: got %q", got)
	}
}

// Roles are named by a key built from the role ("role."+role): every
// role needs one.
func TestEveryRoleHasAName(t *testing.T) {
	for _, r := range []helpdesk.Role{helpdesk.RoleEmployee, helpdesk.RoleManager, helpdesk.RoleBudgetHolder, helpdesk.RoleCaseworker,
		helpdesk.RoleESAOwner, helpdesk.RoleAuditor, helpdesk.RoleOperations, helpdesk.RoleServiceOwner} {
		for _, l := range Langs {
			if !l.Has("role." + string(r)) {
				t.Errorf("%s has no name for role %s", l, r)
			}
		}
	}
}

// The live texts take the reference (or title) and who, and may leave
// either out: formatted, none may show fmt's complaints.
func TestLiveTextsFormatCleanly(t *testing.T) {
	n := 0
	for _, l := range Langs {
		for key := range catalogues[l] {
			if !strings.HasPrefix(key, "live.case.") && !strings.HasPrefix(key, "live.announcement.") {
				continue
			}
			n++
			if got := l.T(key, "BH-2026-000042", "Per Johansen"); strings.Contains(got, "%!") || !strings.Contains(got, "BH-2026-000042") {
				t.Errorf("%s %s: %q", l, key, got)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d live texts", n)
	}
}
