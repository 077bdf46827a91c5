package privacy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The record's events are JSON, and a reader must get back exactly the
// bytes that were appended (a retried append is compared byte for byte,
// and the conformance suite reads back what it wrote). So personal fields
// are encrypted in place: the JSON literal of each is replaced by a
// string holding its ciphertext, and decryption splices the literal back.
// Nothing else in the document moves. This file finds the literals.

// value is one JSON value found in a document: its path from the root
// (object keys and array indices, joined by dots: "attachments.0.name")
// and its bytes [start, end).
type value struct {
	path       string
	start, end int
	isString   bool
}

// member is one member of the top-level object: its key, the key's
// first byte and the value's end.
type member struct {
	key           string
	keyStart, end int
}

var errSyntax = errors.New("not valid JSON")

type scanner struct {
	b []byte
	i int
	// visit is called for every value, members for the top-level
	// object's members.
	visit   func(value)
	members func(member)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", errSyntax, what, s.i)
}

// scan reads the whole document.
func (s *scanner) scan() error {
	s.ws()
	if err := s.value(nil, 0); err != nil {
		return err
	}
	s.ws()
	if s.i != len(s.b) {
		return s.fail("trailing data")
	}
	return nil
}

func (s *scanner) value(path []string, depth int) error {
	if depth > 10000 {
		return s.fail("nested too deep")
	}
	s.ws()
	if s.i >= len(s.b) {
		return s.fail("unexpected end")
	}
	start := s.i
	isString := false
	var err error
	switch c := s.b[s.i]; {
	case c == '{':
		err = s.object(path, depth)
	case c == '[':
		err = s.array(path, depth)
	case c == '"':
		_, err = s.str()
		isString = true
	default:
		err = s.literal()
	}
	if err != nil {
		return err
	}
	if s.visit != nil {
		s.visit(value{path: strings.Join(path, "."), start: start, end: s.i, isString: isString})
	}
	return nil
}

func (s *scanner) object(path []string, depth int) error {
	s.i++ // {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		keyStart := s.i
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("want a key")
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("want ':'")
		}
		s.i++
		if err := s.value(append(path[:len(path):len(path)], key), depth+1); err != nil {
			return err
		}
		if depth == 0 && s.members != nil {
			s.members(member{key: key, keyStart: keyStart, end: s.i})
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail("unexpected end")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("want ',' or '}'")
		}
	}
}

func (s *scanner) array(path []string, depth int) error {
	s.i++ // [
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for n := 0; ; n++ {
		if err := s.value(append(path[:len(path):len(path)], strconv.Itoa(n)), depth+1); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail("unexpected end")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.fail("want ',' or ']'")
		}
	}
}

// str reads a string literal and returns its value.
func (s *scanner) str() (string, error) {
	start := s.i
	s.i++ // "
	escaped := false
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '\\':
			escaped = true
			s.i += 2
			continue
		case c == '"':
			s.i++
			lit := s.b[start:s.i]
			if !escaped {
				return string(lit[1 : len(lit)-1]), nil
			}
			var v string
			if err := json.Unmarshal(lit, &v); err != nil {
				return "", s.fail("bad string")
			}
			return v, nil
		case c < 0x20:
			return "", s.fail("control character in string")
		}
		s.i++
	}
	return "", s.fail("unterminated string")
}

func (s *scanner) literal() error {
	start := s.i
scan:
	for ; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			break scan
		}
	}
	if !json.Valid(s.b[start:s.i]) {
		return s.fail("bad literal")
	}
	return nil
}

// pattern is a declared personal field: "title", "attachments[].name".
type pattern []string

func parsePattern(p string) pattern {
	var out pattern
	for _, part := range strings.Split(p, ".") {
		name, array := strings.CutSuffix(part, "[]")
		out = append(out, name)
		if array {
			out = append(out, "[]")
		}
	}
	return out
}

// matches reports whether a concrete path ("attachments.0.name") is one
// the pattern names.
func (p pattern) matches(path string) bool {
	segs := strings.Split(path, ".")
	if len(segs) != len(p) {
		return false
	}
	for i, want := range p {
		if want == "[]" {
			if _, err := strconv.Atoi(segs[i]); err != nil {
				return false
			}
		} else if segs[i] != want {
			return false
		}
	}
	return true
}

// personalValues finds the non-empty string values of doc that any of
// the patterns names, in document order.
func personalValues(doc []byte, patterns []string) ([]value, error) {
	ps := make([]pattern, len(patterns))
	for i, p := range patterns {
		ps[i] = parsePattern(p)
	}
	var out []value
	s := scanner{b: doc, visit: func(v value) {
		if !v.isString || v.end-v.start <= 2 {
			return // not text, or "": nothing personal to hide
		}
		for _, p := range ps {
			if p.matches(v.path) {
				out = append(out, v)
				return
			}
		}
	}}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return sortedByStart(out), nil
}

// valuesAt finds the values at the given concrete paths.
func valuesAt(doc []byte, paths []string) (map[string]value, error) {
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	out := map[string]value{}
	s := scanner{b: doc, visit: func(v value) {
		if want[v.path] {
			out[v.path] = v
		}
	}}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return out, nil
}

// sortedByStart orders values by where they start. The scanner reports a
// container after its children, but personal values are strings, which
// have none, so document order is already what it reports; this keeps
// the invariant explicit for splice.
func sortedByStart(vs []value) []value {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].start < vs[j-1].start; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
	return vs
}

// splice replaces each value's bytes with repl[i]; the values must not
// overlap and be in document order.
func splice(doc []byte, vs []value, repl [][]byte) []byte {
	out := make([]byte, 0, len(doc))
	last := 0
	for i, v := range vs {
		out = append(out, doc[last:v.start]...)
		out = append(out, repl[i]...)
		last = v.end
	}
	return append(out, doc[last:]...)
}

// topMembers lists the top-level object's members; ok is false when doc
// is not an object.
func topMembers(doc []byte) (ms []member, ok bool, err error) {
	s := scanner{b: doc, members: func(m member) { ms = append(ms, m) }}
	if err := s.scan(); err != nil {
		return nil, false, err
	}
	t := strings.TrimSpace(string(doc))
	return ms, strings.HasPrefix(t, "{"), nil
}
