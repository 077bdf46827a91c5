package helpdesk

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/brukerhjelp/brukerhjelp/internal/usertext"
)

// What people write is cleaned by one rule (internal/usertext) in every
// Normalize a door calls, so JSON, web forms and mail store the same text:
// normal form C, no control, direction-override or invisible characters,
// line breaks and tabs only where multi-line text belongs. A refusal names
// the field.

// Invalid is a refusal of malformed input naming field, for rules that
// live beside the domain (the directory's, the query string's).
func Invalid(field, no, en string) error { return invalid(field, no, en) }

// line cleans a one-line field in place and checks its length; required
// refuses an empty one.
func line(field string, v *string, max int, required bool) error {
	return clean(field, v, usertext.Line, max, required)
}

// text cleans a multi-line field in place and checks its length.
func text(field string, v *string, max int, required bool) error {
	return clean(field, v, usertext.Block, max, required)
}

func clean(field string, v *string, shape usertext.Shape, max int, required bool) error {
	s, err := usertext.Clean(*v, shape)
	if err != nil {
		return textRefusal(field, err)
	}
	*v = s
	if s == "" {
		if required {
			return invalid(field, field+" mangler", field+" is required")
		}
		return nil
	}
	if utf8.RuneCountInString(s) > max {
		return invalid(field, fmt.Sprintf("%s er for lang (maks %d tegn)", field, max), fmt.Sprintf("%s is too long (max %d characters)", field, max))
	}
	return nil
}

// lines cleans every item of a list of one-line values.
func lines(field string, v []string, max int) error {
	for i := range v {
		if err := line(fmt.Sprintf("%s[%d]", field, i), &v[i], max, true); err != nil {
			return err
		}
	}
	return nil
}

// textRefusal says in both languages what is wrong with a field's text.
func textRefusal(field string, err error) error {
	var p *usertext.Problem
	if !errors.As(err, &p) {
		return invalid(field, field+" kan ikke leses", field+" cannot be read")
	}
	switch p.Reason {
	case usertext.InvalidUTF8:
		return invalid(field, field+" er ikke gyldig UTF-8", field+" is not valid UTF-8")
	case usertext.LineBreak:
		return invalid(field, field+" må stå på én linje (uten linjeskift og tabulator)", field+" must be one line (no line breaks or tabs)")
	case usertext.Bidi:
		return invalid(field, fmt.Sprintf("%s inneholder et tegn som snur skriveretningen (%U)", field, p.Rune),
			fmt.Sprintf("%s contains a character that overrides the text direction (%U)", field, p.Rune))
	case usertext.Invisible:
		return invalid(field, fmt.Sprintf("%s inneholder et usynlig tegn (%U)", field, p.Rune),
			fmt.Sprintf("%s contains an invisible character (%U)", field, p.Rune))
	default:
		return invalid(field, fmt.Sprintf("%s inneholder et kontrolltegn (%U)", field, p.Rune),
			fmt.Sprintf("%s contains a control character (%U)", field, p.Rune))
	}
}

// Date bounds, per field: how far from today (Oslo) a date may lie. A
// request names days people plan for, so a date far off is a typo (year 0,
// 2206) that would otherwise set timers decades away or in the past.
const (
	// MaxPlanAhead: a start date, a last working day or an access's
	// start lies at most a year ahead.
	MaxPlanAhead = 366 // days
	// MaxValidity: an access's or an employment's end lies at most five
	// years after its start; longer access runs without an end and is
	// recertified yearly instead.
	MaxValidity = 5 * 366 // days
	// MaxAnnouncementPast: an announcement may start at most 30 days
	// ago (an outage registered late).
	MaxAnnouncementPast = 30 * 24 * time.Hour
	// MaxAnnouncementAhead: an announcement starts at most a year ahead.
	MaxAnnouncementAhead = 366 * 24 * time.Hour
	// MaxAnnouncementLength: a window lasts at most 90 days.
	MaxAnnouncementLength = 90 * 24 * time.Hour
)

// dateWithin checks that field (YYYY-MM-DD) is a date no earlier than
// from and no later than maxDays after it.
func dateWithin(field, v, from string, maxDays int, fromNo, fromEn string) error {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return invalid(field, field+" må være en gyldig dato (ÅÅÅÅ-MM-DD)", field+" must be a valid date (YYYY-MM-DD)")
	}
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil // from was checked by the caller
	}
	if d.Before(f) {
		return invalid(field, field+" kan ikke være "+fromNo, field+" cannot be "+fromEn)
	}
	if last := f.AddDate(0, 0, maxDays); d.After(last) {
		return invalid(field, fmt.Sprintf("%s kan ikke være senere enn %s", field, last.Format(time.DateOnly)),
			fmt.Sprintf("%s cannot be later than %s", field, last.Format(time.DateOnly)))
	}
	return nil
}
