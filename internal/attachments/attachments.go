// Package attachments keeps the files that come with cases and comments
// (screenshots, logs): content-addressed, one file per SHA-256 in a
// directory, written once, so the same file twice is one file and an
// event refers to its content by hash. Every door stores through it: mail
// in, the web pages' uploads and the JSON API's.
package attachments

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// MaxUpload is the largest file a person may upload (10 MiB).
const MaxUpload = 10 << 20

// MaxName bounds a display name, in characters.
const MaxName = 120

// ErrTooLarge, ErrType and ErrNotFound are the refusals of Put and Open.
var (
	ErrTooLarge = errors.New("attachments: the file is larger than 10 MiB")
	ErrType     = errors.New("attachments: this kind of file is not accepted")
	ErrNotFound = errors.New("attachments: no such file")
)

// Store keeps files in Dir.
type Store struct {
	Dir string
}

// Uploadable reports whether a file whose content sniffs as sniffed and
// whose name is name may be uploaded: pictures, PDF, plain text (logs,
// CSV), and office documents (which sniff as zip).
func Uploadable(sniffed, name string) bool {
	mt, _, _ := strings.Cut(sniffed, ";")
	switch strings.TrimSpace(mt) {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv":
		return true
	case "application/zip":
		switch strings.ToLower(path.Ext(name)) {
		case ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp":
			return true
		}
	}
	return false
}

// Upload stores a file a person uploads: at most MaxUpload bytes, of a
// kind Uploadable accepts, judged by its content (what the browser claims
// is not trusted). The attachment's Type is the sniffed one.
func (s Store) Upload(r io.Reader, name string) (helpdesk.Attachment, error) {
	name = DisplayName(name)
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return helpdesk.Attachment{}, fmt.Errorf("attachments: read: %w", err)
	}
	head = head[:n]
	sniffed := http.DetectContentType(head)
	if n == 0 || !Uploadable(sniffed, name) {
		return helpdesk.Attachment{}, ErrType
	}
	a, err := s.put(io.MultiReader(strings.NewReader(string(head)), r), MaxUpload, name, ContentType(sniffed, name))
	return a, err
}

// Put stores a file as it came (mail in keeps what it is sent, up to the
// message's own limit), with a sanitised display name.
func (s Store) Put(r io.Reader, name, contentType string) (helpdesk.Attachment, error) {
	return s.put(r, -1, DisplayName(name), contentType)
}

// ContentType is the type recorded for an uploaded file: the sniffed one,
// except that zip-based office documents keep their own.
func ContentType(sniffed, name string) string {
	if strings.HasPrefix(sniffed, "application/zip") {
		switch strings.ToLower(path.Ext(name)) {
		case ".docx":
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case ".xlsx":
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case ".pptx":
			return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
		}
		return "application/zip"
	}
	return sniffed
}

// put writes r as <dir>/<sha256>, once; max < 0 means no limit.
func (s Store) put(r io.Reader, max int64, name, ct string) (helpdesk.Attachment, error) {
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return helpdesk.Attachment{}, fmt.Errorf("attachments: %w", err)
	}
	f, err := os.CreateTemp(s.Dir, ".tmp-*")
	if err != nil {
		return helpdesk.Attachment{}, fmt.Errorf("attachments: %w", err)
	}
	defer os.Remove(f.Name())
	if max >= 0 {
		r = io.LimitReader(r, max+1)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil && max >= 0 && n > max {
		err = ErrTooLarge
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, ErrTooLarge) {
		return helpdesk.Attachment{}, err
	}
	if err != nil {
		return helpdesk.Attachment{}, fmt.Errorf("attachments: store: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(f.Name(), filepath.Join(s.Dir, sum)); err != nil {
		return helpdesk.Attachment{}, fmt.Errorf("attachments: store: %w", err)
	}
	return helpdesk.Attachment{Name: name, Type: ct, Size: n, SHA256: sum}, nil
}

// validHash reports whether h looks like a SHA-256 in hex.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// Stat is the size of the file with hash h; ErrNotFound if there is none.
func (s Store) Stat(h string) (int64, error) {
	if !validHash(h) {
		return 0, ErrNotFound
	}
	fi, err := os.Stat(filepath.Join(s.Dir, h))
	if errors.Is(err, os.ErrNotExist) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("attachments: %w", err)
	}
	return fi.Size(), nil
}

// Open reads the file with hash h; ErrNotFound if there is none.
func (s Store) Open(h string) (*os.File, error) {
	if !validHash(h) {
		return nil, ErrNotFound
	}
	f, err := os.Open(filepath.Join(s.Dir, h))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// DisplayName is the name a file is shown by: its last path element
// (either slash: names come from browsers and mail programs on every
// system), without control, format (bidirectional overrides, zero-width)
// or invalid characters, at most MaxName characters. The file itself is
// stored by hash, so the name never reaches the filesystem.
func DisplayName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if utf8.RuneCountInString(name) > MaxName {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = string(r[:MaxName-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}
