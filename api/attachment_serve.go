package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// ServeAttachment sends a stored file as a download: its recorded type,
// its name for saving, and headers that keep a browser from running it.
// The web door serves files the same way.
func ServeAttachment(w http.ResponseWriter, r *http.Request, name, contentType string, size int64, body io.Reader) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	if name == "" {
		name = "vedlegg"
	}
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, body)
	}
}

// isMaxBytes reports whether err is a body cut off at its limit.
func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
