// Package i18n holds the web pages' texts, one catalogue per language
// (nb.go, en.go), and writes dates, times and numbers the way each
// language does, in the help desk's time zone (Europe/Oslo).
package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Lang is a language the pages are written in; its value is the BCP 47
// tag that <html lang> carries.
type Lang string

// The languages. Bokmål is the default.
const (
	NB Lang = "nb"
	EN Lang = "en"
)

// Langs lists the languages, the default first.
var Langs = []Lang{NB, EN}

var catalogues = map[Lang]map[string]string{NB: nb, EN: en}

// add puts a page area's texts into a catalogue (nb or en), from the
// area's own file (cases_nb.go with cases_en.go …), so areas grow apart.
// A key given twice is a programming error, seen at start and by every
// test.
func add(catalogue map[string]string, texts map[string]string) {
	for k, v := range texts {
		if _, dup := catalogue[k]; dup {
			panic("i18n: text " + k + " is defined twice")
		}
		catalogue[k] = v
	}
}

// Parse reads a language tag ("nb", "en-GB", "no", "nn"). Norwegian of
// any kind is bokmål: there is no nynorsk catalogue (yet).
func Parse(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	primary, _, _ := strings.Cut(tag, "-")
	switch primary {
	case "nb", "no", "nn", "nob", "nor":
		return NB, true
	case "en", "eng":
		return EN, true
	}
	return "", false
}

// FromAcceptLanguage picks the language the browser prefers most among
// ours (RFC 9110 section 12.5.4: q-values, default 1; q=0 excludes). ok
// is false when the header names none of ours.
func FromAcceptLanguage(header string) (lang Lang, ok bool) {
	best := -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, found := strings.CutPrefix(strings.TrimSpace(p), "q="); found {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		l, known := Parse(tag)
		if !known || q <= 0 || q <= best {
			continue
		}
		lang, best, ok = l, q, true
	}
	return lang, ok
}

// T is the text of key in l, formatted with args (fmt verbs) when given.
// A key missing from the catalogue shows as "??key??", which the tests
// look for; it never panics in front of a user.
func (l Lang) T(key string, args ...any) string {
	s, ok := catalogues[l.known()][key]
	if !ok {
		return "??" + key + "??"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// known is l, or bokmål for a value that is no language of ours (the
// zero Lang).
func (l Lang) known() Lang {
	if l == EN {
		return EN
	}
	return NB
}

// Has reports whether key is in l's catalogue.
func (l Lang) Has(key string) bool {
	_, ok := catalogues[l][key]
	return ok
}

// List joins items as the language writes a list: "a, b og c",
// "a, b and c".
func (l Lang) List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + l.T("list.and") + " " + items[len(items)-1]
}

var (
	weekdays = map[Lang][7]string{
		NB: {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		EN: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	}
	months = map[Lang][12]string{
		NB: {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
		EN: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
)

// Date is t's day in Oslo, written out: "mandag 12. januar 2026",
// "Monday 12 January 2026".
func (l Lang) Date(t time.Time) string {
	l = l.known()
	t = t.In(helpdesk.Oslo)
	wd, mo := weekdays[l][t.Weekday()], months[l][t.Month()-1]
	if l == EN {
		return fmt.Sprintf("%s %d %s %d", wd, t.Day(), mo, t.Year())
	}
	return fmt.Sprintf("%s %d. %s %d", wd, t.Day(), mo, t.Year())
}

// Clock is t's time of day in Oslo: "14:30" (24-hour in both languages,
// as Norwegian public services write it).
func (l Lang) Clock(t time.Time) string { return t.In(helpdesk.Oslo).Format("15:04") }

// When is a moment as a person says it, seen from now: "i dag 14:30",
// "i går 09:05", "i morgen 08:00", otherwise the date and the time
// ("mandag 12. januar 2026 kl. 14:30"); in English "today 14:30",
// "yesterday 09:05", "tomorrow 08:00", "Monday 12 January 2026 at 14:30".
// Days are Oslo days, so the words stay right across midnight and
// daylight-saving changes.
func (l Lang) When(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	switch days := dayNumber(t) - dayNumber(now); days {
	case 0:
		return l.T("time.today", l.Clock(t))
	case -1:
		return l.T("time.yesterday", l.Clock(t))
	case 1:
		return l.T("time.tomorrow", l.Clock(t))
	}
	return l.T("time.dateAt", l.Date(t), l.Clock(t))
}

// dayNumber counts Oslo calendar days, so two moments' difference in days
// is the number of midnights between them.
func dayNumber(t time.Time) int {
	y, m, d := t.In(helpdesk.Oslo).Date()
	return int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ISO is t in RFC 3339 (Oslo offset), for <time datetime>.
func ISO(t time.Time) string { return t.In(helpdesk.Oslo).Format(time.RFC3339) }

// Number writes an integer with the language's digit grouping: "4 500"
// (a no-break space, as Norwegian writes it), "4,500".
func (l Lang) Number(n int64) string {
	sep := "\u00a0"
	if l == EN {
		sep = ","
	}
	neg := n < 0
	if neg {
		n = -n
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, ch := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// Decimal writes x with prec decimals: "1,5" and "1.5".
func (l Lang) Decimal(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	whole, frac, hasFrac := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := l.Number(n)
	if strings.HasPrefix(whole, "-") && n == 0 {
		out = "-" + out
	}
	if hasFrac {
		mark := ","
		if l == EN {
			mark = "."
		}
		out += mark + frac
	}
	return out
}

// NOK writes an amount in Norwegian kroner: "4 500 kr", "NOK 4,500".
func (l Lang) NOK(n int64) string {
	if l == EN {
		return "NOK\u00a0" + l.Number(n)
	}
	return l.Number(n) + "\u00a0kr"
}
