package mailin

import (
	"encoding/base64"
	"io"
	"strings"
)

// base64Reader decodes a base64 body, ignoring the line breaks in it.
func base64Reader(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, &stripper{r: r})
}

// stripper drops CR, LF and blanks.
type stripper struct{ r io.Reader }

func (s *stripper) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		kept := []byte(strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(p[:n])))
		copy(p, kept)
		if len(kept) > 0 || err != nil {
			return len(kept), err
		}
	}
}
