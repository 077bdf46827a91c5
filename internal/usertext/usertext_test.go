package usertext

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestCleanRefusesWhatSpoofsOrBreaksAField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		shape Shape
		want  Reason
		at    int
	}{
		{"invalid UTF-8", "Skriver\xffen", Line, InvalidUTF8, 7},
		{"a lone surrogate's bytes", "a\xed\xa0\x80", Block, InvalidUTF8, 1},
		{"right-to-left override", "faktura\u202Efdp.exe", Line, Bidi, 7},
		{"isolate in a comment", "ok \u2067x", Block, Bidi, 3},
		{"left-to-right mark", "a\u200Eb", Line, Bidi, 1},
		{"zero-width space", "ad\u200Bmin", Line, Invisible, 2},
		{"zero-width joiner in a name", "a\u200Db", Line, Invisible, 1},
		{"byte-order mark in a body", "a\uFEFFb", Block, Invisible, 1},
		{"RLO in a body", "se vedlagt faktura\u202Efdp.exe", Block, Bidi, 18},
		{"byte-order mark", "\uFEFFtittel", Line, Invisible, 0},
		{"tag character", "x\U000E0041", Block, Invisible, 1},
		{"BEL", "ding\a", Line, Control, 4},
		{"ESC in a body", "rød \x1b[31m", Block, Control, 5},
		{"NUL", "a\x00b", Block, Control, 1},
		{"DEL", "a\x7f", Line, Control, 1},
		{"C1 control", "a\u009b", Block, Control, 1},
		{"newline in a title", "Skriver\nen", Line, LineBreak, 7},
		{"CR LF in a name", "Eva\r\nBcc: x", Line, LineBreak, 3},
		{"tab in a title", "a\tb", Line, LineBreak, 1},
		{"line separator in a title", "a\u2028b", Line, LineBreak, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Clean(tc.in, tc.shape)
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("Clean(%q) = %q, %v; want refused (%s)", tc.in, got, err, tc.want)
			}
			if p.Reason != tc.want || p.Offset != tc.at {
				t.Errorf("Clean(%q) refused for %s at %d, want %s at %d", tc.in, p.Reason, p.Offset, tc.want, tc.at)
			}
		})
	}
}

func TestCleanKeepsOrdinaryTextAndNormalises(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		shape    Shape
		want     string
	}{
		{"Norwegian letters", "  Blåbærsyltetøy på Ålesund  ", Line, "Blåbærsyltetøy på Ålesund"},
		{"decomposed å becomes one character", "A\u030Agot", Line, "\u00C5got"},
		{"Sami and Arabic script", "Čáhcegáddi مرحبا", Line, "Čáhcegáddi مرحبا"},
		{"emoji with a variation selector", "Takk ❤\uFE0F", Line, "Takk ❤\uFE0F"},
		{"CR LF and CR become LF in text", "linje 1\r\nlinje 2\rlinje 3", Block, "linje 1\nlinje 2\nlinje 3"},
		{"tabs stay in text", "kode:\n\tif x {", Block, "kode:\n\tif x {"},
		{"paragraph separator is a line break", "a\u2029b", Block, "a\nb"},
		{"replacement character is a character", "�", Line, "�"},
		{"Persian keeps its zero-width non-joiner", "می\u200Cخواهم", Block, "می\u200Cخواهم"},
		{"Hebrew keeps its direction mark", "שלום\u200F 123", Block, "שלום\u200F 123"},
		{"an emoji family keeps its joiners", "👨\u200D👩\u200D👧", Block, "👨\u200D👩\u200D👧"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Clean(tc.in, tc.shape)
			if err != nil || got != tc.want {
				t.Errorf("Clean(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestFileNameKeepsOnlyAHarmlessLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`..\..\windows\system32\drivers\etc\hosts`, "hosts"},
		{"../../etc/passwd", "passwd"},
		{"/abs/path/rapport.pdf", "rapport.pdf"},
		{"C:\\Users\\ola\\Skjerm bilde.png", "Skjerm bilde.png"},
		{"..", ""},
		{".bashrc", "bashrc"},
		{"faktura\u202Efdp.exe", "fakturafdp.exe"},
		{"a\r\nb\x00c.txt", "abc.txt"},
		{"bad\xffbyte.txt", "badbyte.txt"},
		{"", ""},
		{"A\u030A.txt", "\u00C5.txt"},
		{"dir/", "dir"},
	} {
		if got := FileName(tc.in); got != tc.want {
			t.Errorf("FileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := FileName(strings.Repeat("ø", 300) + ".txt")
	if len(long) > MaxFileName || !utf8.ValidString(long) {
		t.Errorf("a long name became %d bytes (valid UTF-8: %v)", len(long), utf8.ValidString(long))
	}
}

// FuzzClean: any input is either refused with a Problem or comes out
// valid UTF-8, in NFC, trimmed, with only allowed characters, unchanged by
// a second Clean; a one-line field never holds a line break. FileName
// never leaves a path separator or a refused character.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "Skriveren virker ikke", "linje 1\r\nlinje 2", "faktura\u202Efdp.exe", "ad\u200Bmin",
		"\xff", "A\u030Agot", "ding\a", "\x1b[31m", "a\u2028b", " \t\n ", "\u0085", "..\\..\\boot.ini", "\U000E0041",
		"\uFEFF", "ﬁ", "\u1100\u1161\u11A8", "e\u0301\u0301"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, block bool) {
		shape := Line
		if block {
			shape = Block
		}
		out, err := Clean(s, shape)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("Clean(%q) failed without a Problem: %v", s, err)
			}
			if p.Offset < 0 || p.Offset >= len(s) {
				t.Fatalf("Clean(%q): offset %d outside the text", s, p.Offset)
			}
		} else {
			if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) || out != strings.TrimSpace(out) {
				t.Fatalf("Clean(%q) = %q: not valid, NFC and trimmed", s, out)
			}
			for _, r := range out {
				if !Allowed(r, shape) || r == '\r' {
					t.Fatalf("Clean(%q) = %q keeps %U", s, out, r)
				}
			}
			if again, err := Clean(out, shape); err != nil || again != out {
				t.Fatalf("Clean is not idempotent on %q: %q, %v", out, again, err)
			}
		}
		name := FileName(s)
		if strings.ContainsAny(name, `/\`) || len(name) > MaxFileName || !utf8.ValidString(name) || strings.HasPrefix(name, ".") {
			t.Fatalf("FileName(%q) = %q", s, name)
		}
		for _, r := range name {
			if !Allowed(r, Line) {
				t.Fatalf("FileName(%q) = %q keeps %U", s, name, r)
			}
		}
	})
}
