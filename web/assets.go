package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// The assets are committed and embedded: no build step, no Node.js to
// build or run (static/README.md says where each came from).
//
//go:embed static
var staticFS embed.FS

// asset is one file under static/, ready to serve.
type asset struct {
	name   string // path under static/, e.g. htmx/htmx.min.js
	url    string // its address with the content hash in the name
	ctype  string
	body   []byte
	gzip   []byte // nil when compressing does not pay
	etag   string
	hashed bool
}

// assets serves static/: under a name carrying the content's hash
// (/static/htmx/htmx.min.3f2a…js), cached for a year, and under its
// plain name, revalidated each time. Text is sent gzip-compressed to
// browsers that take it, compressed once at start.
type assets struct {
	byURL  map[string]*asset
	byName map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{byURL: map[string]*asset{}, byName: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "text/plain; charset=utf-8" // LICENSE, README
		}
		if strings.HasPrefix(ctype, "text/") && !strings.Contains(ctype, "charset") {
			ctype += "; charset=utf-8"
		}
		as := &asset{name: name, ctype: ctype, body: body, etag: `"` + hash + `"`,
			url: "/static/" + strings.TrimSuffix(name, ext) + "." + hash + ext}
		if compressible(ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if buf.Len() < len(body)*9/10 {
				as.gzip = buf.Bytes()
			}
		}
		a.byName[name] = as
		a.byURL[as.url] = as
		a.byURL["/static/"+name] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	return a, nil
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// URL is the hashed address of the asset named name (a path under
// static/). An unknown name is a programming error: the templates'
// tests render every page.
func (a *assets) URL(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no static asset %q", name)
	}
	return as.url, nil
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.ctype)
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", as.etag)
	if r.URL.Path == as.url {
		// The name changes with the content: keep it forever.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.body
	if as.gzip != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = as.gzip
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip
// (and does not refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				q, err := strconv.ParseFloat(v, 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}
