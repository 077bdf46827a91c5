// Package usertext is the one rule for text people send the help desk,
// whatever the door (JSON, web forms, mail): it must be valid UTF-8, it is
// stored in Unicode normal form C, and it holds no control character and
// no direction embedding, override or isolate (which make text show in
// another order than it reads). One-line fields (titles, names,
// identifiers) also refuse line breaks, tabs, direction marks and every
// zero-width or other invisible format character; multi-line text keeps
// newlines and tabs, stores every line break as "\n", and keeps the few
// invisible characters real writing needs (writingAid).
//
// It is a package of its own, rather than part of the domain, because
// normal form C needs golang.org/x/text's Unicode tables: the domain
// (internal/helpdesk) imports only the standard library and this.
package usertext

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Shape is what kind of field the text fills.
type Shape int

// Shapes of text.
const (
	// Line is a one-line field: a title, a name, an identifier.
	Line Shape = iota
	// Block is multi-line text: a description, a comment, a body.
	Block
)

// Reason says why text was refused.
type Reason string

// Reasons for refusing text.
const (
	InvalidUTF8 Reason = "invalid-utf8" // bytes that are not UTF-8
	LineBreak   Reason = "line-break"   // a line break or tab in a one-line field
	Control     Reason = "control"      // NUL, BEL, ESC, DEL, C1 controls …
	Bidi        Reason = "bidi"         // a direction mark, embedding, override or isolate
	Invisible   Reason = "invisible"    // a zero-width or other format character
)

// Problem is refused text: why, and the first character at fault.
type Problem struct {
	Reason Reason
	Rune   rune // the character at fault (utf8.RuneError for invalid UTF-8)
	Offset int  // its byte offset in the text as sent
}

func (p *Problem) Error() string {
	if p.Reason == InvalidUTF8 {
		return fmt.Sprintf("usertext: invalid UTF-8 at byte %d", p.Offset)
	}
	return fmt.Sprintf("usertext: %s character %U at byte %d", p.Reason, p.Rune, p.Offset)
}

// Clean returns s as it is stored: normal form C, surrounding white space
// trimmed, and in a Block every line break (CR LF, CR, NEL, U+2028,
// U+2029) as "\n". It refuses s with a *Problem instead when s is not
// UTF-8 or holds a character the shape does not allow.
func Clean(s string, shape Shape) (string, error) {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", &Problem{Reason: InvalidUTF8, Rune: utf8.RuneError, Offset: i}
			}
			i += n
		}
	}
	// Check before normalising, so the offset points into what was sent;
	// NFC never makes one of these characters out of others.
	for i, r := range s {
		if reason, bad := refused(r, shape); bad {
			return "", &Problem{Reason: reason, Rune: r, Offset: i}
		}
	}
	if shape == Block {
		s = lineBreaks.Replace(s)
	}
	return strings.TrimSpace(norm.NFC.String(s)), nil
}

// lineBreaks turns every line break of a Block into "\n".
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n")

// refused reports whether r may not stand in text of the given shape.
func refused(r rune, shape Shape) (Reason, bool) {
	switch r {
	case '\n', '\r', '\t', '\u0085', '\u2028', '\u2029':
		if shape == Line {
			return LineBreak, true
		}
		return "", false
	}
	if isBidiControl(r) {
		return Bidi, true
	}
	if unicode.IsControl(r) {
		return Control, true
	}
	if shape == Block && writingAid(r) {
		return "", false
	}
	if isBidiMark(r) {
		return Bidi, true
	}
	if unicode.Is(unicode.Cf, r) {
		// Zero-width space and joiners, the byte-order mark, soft hyphen,
		// invisible operators, tag characters: unseen, yet they change
		// what text looks like or how it compares.
		return Invisible, true
	}
	return "", false
}

// isBidiControl reports whether r embeds, overrides or isolates the
// direction of the text after it (the "Trojan Source" characters, which
// make text show in another order than it reads): refused everywhere.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// isBidiMark reports whether r is a direction mark (ALM, LRM, RLM).
func isBidiMark(r rune) bool { return r == '\u061C' || r == '\u200E' || r == '\u200F' }

// writingAid reports whether r is an invisible character real multi-line
// text needs: direction marks in Arabic and Hebrew, the zero-width
// non-joiner of Persian and Indic scripts, the joiner of emoji sequences,
// the zero-width space of Thai and Khmer line breaking, the soft hyphen
// and the word joiner. They cannot reorder what is shown, so descriptions
// and comments keep them; one-line fields (names, titles, identifiers,
// where they would only spoof) refuse them.
func writingAid(r rune) bool {
	switch r {
	case '\u061C', '\u200E', '\u200F', '\u200B', '\u200C', '\u200D', '\u00AD', '\u2060':
		return true
	}
	return false
}

// Allowed reports whether r may stand in text of the given shape (after
// Clean). Tests and fuzzers check Clean's output with it.
func Allowed(r rune, shape Shape) bool {
	if r == utf8.RuneError {
		return true // U+FFFD itself is a character like any other
	}
	_, bad := refused(r, shape)
	return !bad
}

// MaxFileName bounds an attachment's display name, in bytes (what most
// file systems allow for one name).
const MaxFileName = 255

// FileName makes a sender's attachment file name safe to show and to
// offer as a download name: the last path element only (by "/" or "\",
// so "..\..\boot.ini" is "boot.ini"), in normal form C, without any
// character Line refuses, without leading dots (no "..", no hidden
// files), and at most MaxFileName bytes. It never refuses: a name with
// nothing left is "". The file itself is stored by its hash, so the name
// is only ever a label.
func FileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if r == '\\' {
			return '/'
		}
		if _, bad := refused(r, Line); bad {
			return -1
		}
		return r
	}, name)
	name = path.Base(strings.TrimRight(name, "/ "))
	name = strings.TrimLeft(strings.TrimSpace(norm.NFC.String(name)), ". ")
	if name == "/" {
		name = ""
	}
	for len(name) > MaxFileName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return strings.TrimSpace(name)
}
