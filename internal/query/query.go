// Package query is the one rule for query strings, at every door and
// endpoint: a parameter must be one the endpoint knows (a typo would
// otherwise quietly widen a list or a report), it is given at most once
// (which of two values counts would be the server's guess), and its value
// is one line of clean text (internal/usertext). A refusal is the
// domain's invalid-input error naming the parameter, so every door
// answers it as a 400 naming the field.
package query

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/usertext"
)

// MaxValue bounds one parameter's value, in bytes.
const MaxValue = 1000

// Parse reads a raw query string (r.URL.RawQuery) by the rule; known
// lists the parameters the endpoint takes. Values are cleaned (NFC,
// trimmed).
func Parse(raw string, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, helpdesk.Invalid("", "spørrestrengen kan ikke leses", "the query string cannot be read")
	}
	for name, vs := range q {
		if !slices.Contains(known, name) {
			return nil, helpdesk.Invalid(name, fmt.Sprintf("ukjent parameter %q", name), fmt.Sprintf("unknown parameter %q", name))
		}
		if len(vs) > 1 {
			return nil, helpdesk.Invalid(name, fmt.Sprintf("parameteren %q er gitt flere ganger", name), fmt.Sprintf("parameter %q is given more than once", name))
		}
		if len(vs[0]) > MaxValue {
			return nil, helpdesk.Invalid(name, fmt.Sprintf("parameteren %q er for lang", name), fmt.Sprintf("parameter %q is too long", name))
		}
		v, err := usertext.Clean(vs[0], usertext.Line)
		if err != nil {
			return nil, helpdesk.Invalid(name, fmt.Sprintf("parameteren %q inneholder ugyldige tegn", name), fmt.Sprintf("parameter %q contains characters that are not allowed", name))
		}
		q[name] = []string{v}
	}
	return q, nil
}

// Time reads an optional RFC 3339 parameter named name ("" is the zero
// time). A "+" of the zone offset that arrived unescaped has been decoded
// as a space (2026-11-24T09:00:00 01:00); RFC 3339 has no spaces, so it is
// read as the "+" it was.
func Time(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil && strings.Count(v, " ") == 1 {
		t, err = time.Parse(time.RFC3339, strings.Replace(v, " ", "+", 1))
	}
	if err != nil {
		return time.Time{}, helpdesk.Invalid(name, name+" må være et tidspunkt i RFC 3339 (2026-11-24T09:00:00+01:00)",
			name+" must be an RFC 3339 time (2026-11-24T09:00:00+01:00)")
	}
	return t, nil
}
