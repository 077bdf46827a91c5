package attachments

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var png = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)

func TestUploadKeepsAcceptedFilesByHashOnce(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	a, err := s.Upload(bytes.NewReader(png), `C:\Users\ola\..\Skjermbilde.png`)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Skjermbilde.png" || a.Type != "image/png" || a.Size != int64(len(png)) || len(a.SHA256) != 64 {
		t.Fatalf("stored %+v", a)
	}
	b, err := s.Upload(bytes.NewReader(png), "igjen.png")
	if err != nil || b.SHA256 != a.SHA256 {
		t.Fatalf("the same content again: %+v %v", b, err)
	}
	entries, _ := os.ReadDir(s.Dir)
	if len(entries) != 1 || entries[0].Name() != a.SHA256 {
		t.Fatalf("the directory holds %v, want the one file by its hash", entries)
	}
	f, err := s.Open(a.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, png) {
		t.Error("the stored file differs")
	}
	if n, err := s.Stat(a.SHA256); err != nil || n != int64(len(png)) {
		t.Errorf("stat: %d %v", n, err)
	}
}

func TestUploadRefusesWhatIsNotAcceptedAndKeepsNothing(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	tests := []struct {
		name, file string
		content    []byte
		want       error
	}{
		{"an executable", "setup.exe", append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{1, 2, 3}, 200)...), ErrType},
		{"HTML named as a picture", "bilde.png", []byte("<html><script>alert(1)</script></html>"), ErrType},
		{"an empty file", "tom.txt", nil, ErrType},
		{"a zip that is no office document", "arkiv.zip", []byte("PK\x03\x04" + strings.Repeat("x", 100)), ErrType},
		{"over 10 MiB", "stor.log", bytes.Repeat([]byte("logglinje\n"), MaxUpload/10+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Upload(bytes.NewReader(tt.content), tt.file); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if entries, _ := os.ReadDir(s.Dir); len(entries) != 0 {
				t.Fatalf("a refused file left %v behind", entries)
			}
		})
	}
	// A log file and a Word document are fine.
	if a, err := s.Upload(strings.NewReader("2026-12-01 feil: skriveren svarer ikke\n"), "print.log"); err != nil || !strings.HasPrefix(a.Type, "text/plain") {
		t.Errorf("a log: %+v %v", a, err)
	}
	if a, err := s.Upload(bytes.NewReader([]byte("PK\x03\x04"+strings.Repeat("x", 100))), "notat.docx"); err != nil || !strings.Contains(a.Type, "wordprocessingml") {
		t.Errorf("a docx: %+v %v", a, err)
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"rapport.pdf":                        "rapport.pdf",
		"../../etc/passwd":                   "passwd",
		`..\..\boot.ini`:                     "boot.ini",
		"faktura\u202egnp.exe":               "fakturagnp.exe",
		"null\x00byte\r\n.txt":               "nullbyte.txt",
		"..":                                 "",
		"\xff\xfeskjerm.png":                 "skjerm.png",
		"  mellomrom.png  ":                  "mellomrom.png",
		strings.Repeat("å", 200) + ".png":    strings.Repeat("å", MaxName-4) + ".png",
		"zero\u200bwidth.png":                "zerowidth.png",
		"mappe/undermappe/Skjermbilde 1.png": "Skjermbilde 1.png",
	} {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpenRefusesWhatIsNoHash(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	os.WriteFile(filepath.Join(s.Dir, "passwd"), []byte("x"), 0o600)
	for _, h := range []string{"passwd", "../passwd", strings.Repeat("A", 64), strings.Repeat("0", 64)} {
		if _, err := s.Open(h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q): %v, want ErrNotFound", h, err)
		}
	}
}
