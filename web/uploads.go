package web

import (
	"net/http"
	"strings"

	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/web/i18n"
)

// Files sent with a form (a new case, a comment, a reply): each is stored
// through the desk (Desk.UploadAttachment: at most 10 MiB, pictures, PDF,
// text and office documents, judged by content) and then named in the
// request. A form sent back with an error keeps the files already stored
// as hidden "attachments" fields ("<sha256> <name>"), since a browser
// cannot fill a file input again.

// UploadAccept is the file input's accept list: what the desk takes.
const UploadAccept = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,.txt,.log,.csv,.pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp"

// uploads stores the files r sent in its "attachments" input and returns
// them with those kept from an earlier try. What the desk refuses goes on
// f under errField. f's "attachments" values then name every file kept.
func (s *Server) uploads(r *http.Request, f *Form, errField string) []desk.AttachmentRef {
	refs := keptFiles(f)
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // the empty input a browser sends when no file was chosen
			}
			file, err := fh.Open()
			if err != nil {
				f.Fail(errField, Lang(r).T("upload.unreadable", fh.Filename))
				continue
			}
			a, err := s.cfg.Desk.UploadAttachment(r.Context(), Actor(r), fh.Filename, file)
			file.Close()
			if e, ok := desk.AsError(err); ok {
				f.Fail(errField, fh.Filename+": "+e.Text(Lang(r) == i18n.EN))
				continue
			}
			if err != nil {
				s.log.ErrorContext(r.Context(), "web: storing an upload", "error", err)
				f.Fail(errField, Lang(r).T("upload.failed", fh.Filename))
				continue
			}
			refs = append(refs, desk.AttachmentRef{SHA256: a.SHA256, Name: a.Name})
		}
	}
	if f.Values != nil {
		kept := make([]string, len(refs))
		for i, a := range refs {
			kept[i] = a.SHA256 + " " + a.Name
		}
		f.Values["attachments"] = kept
	}
	return refs
}

// keptFiles are the files an earlier try of the form stored.
func keptFiles(f *Form) []desk.AttachmentRef {
	if f == nil || f.Values == nil {
		return nil
	}
	var out []desk.AttachmentRef
	for _, v := range f.Values["attachments"] {
		sha, name, _ := strings.Cut(v, " ")
		if len(sha) == 64 && strings.Trim(sha, "0123456789abcdef") == "" {
			out = append(out, desk.AttachmentRef{SHA256: sha, Name: name})
		}
	}
	return out
}

// KeptFiles are the files the form sent back already holds (for its
// hidden fields and to say so).
func (v *view) KeptFiles() []desk.AttachmentRef { return keptFiles(v.Form) }

// StepKeptFiles is KeptFiles for a step's form: only the one sent back.
func (v *view) StepKeptFiles(step string) []desk.AttachmentRef {
	if d, ok := v.Data.(casePageData); ok && d.FailedStep == step {
		return keptFiles(v.Form)
	}
	return nil
}
