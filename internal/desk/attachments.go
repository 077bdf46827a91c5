package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Files that come with a case, a comment or a reply (screenshots, logs)
// are uploaded first, stored by hash, and then named by hash in the
// request that uses them.

// AttachmentRef names an uploaded file by its hash, with the name to show
// it by.
type AttachmentRef struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name,omitempty"`
}

// MaxAttachments bounds the files of one case, comment or reply.
const MaxAttachments = 5

var errNoAttachments = refuse(Unavailable, "", "vedlegg er ikke tilgjengelige her", "attachments are not available here")

// UploadAttachment stores a file the actor uploads: at most 10 MiB, a
// picture, a PDF, plain text (a log) or an office document, judged by its
// content. The answer names it for the request that uses it.
func (d *Desk) UploadAttachment(ctx context.Context, actor helpdesk.Actor, name string, r io.Reader) (helpdesk.Attachment, error) {
	if err := Authorize(actor, ActionUploadAttachment); err != nil {
		return helpdesk.Attachment{}, err
	}
	if d.files == nil {
		return helpdesk.Attachment{}, errNoAttachments
	}
	a, err := d.files.Upload(r, name)
	switch {
	case errors.Is(err, attachments.ErrTooLarge):
		return a, invalid("file", "filen er større enn 10 MiB", "the file is larger than 10 MiB")
	case errors.Is(err, attachments.ErrType):
		return a, invalid("file", "filtypen tas ikke imot; bruk et bilde, PDF, en tekst- eller loggfil eller et kontordokument",
			"this kind of file is not accepted; use a picture, a PDF, a text or log file or an office document")
	}
	return a, err
}

// attachmentsOf turns the files a request names into the attachments its
// event records, checking each is stored and of a kind uploads accept.
func (d *Desk) attachmentsOf(refs []AttachmentRef) ([]helpdesk.Attachment, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	if d.files == nil {
		return nil, errNoAttachments
	}
	if len(refs) > MaxAttachments {
		return nil, invalid("attachments", fmt.Sprintf("høyst %d vedlegg", MaxAttachments), fmt.Sprintf("at most %d attachments", MaxAttachments))
	}
	unknown := invalid("attachments", "vedlegget finnes ikke; last det opp først", "no such attachment; upload it first")
	out := make([]helpdesk.Attachment, 0, len(refs))
	for _, ref := range refs {
		f, err := d.files.Open(ref.SHA256)
		if errors.Is(err, attachments.ErrNotFound) {
			return nil, unknown
		}
		if err != nil {
			return nil, err
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		fi, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("desk: attachment %s: %w", ref.SHA256, err)
		}
		name := attachments.DisplayName(ref.Name)
		sniffed := http.DetectContentType(head[:n])
		if !attachments.Uploadable(sniffed, name) {
			return nil, unknown
		}
		if name == "" {
			name = "vedlegg"
		}
		out = append(out, helpdesk.Attachment{Name: name, Type: attachments.ContentType(sniffed, name), Size: fi.Size(), SHA256: ref.SHA256})
	}
	return out, nil
}

// Attachment opens a file of a case the actor may see: one that came with
// the case, or with a comment or reply they may see. NotFound otherwise,
// whatever the file store holds.
func (d *Desk) Attachment(ctx context.Context, actor helpdesk.Actor, ref, sha string) (helpdesk.Attachment, *os.File, error) {
	if err := Authorize(actor, ActionReadCase); err != nil {
		return helpdesk.Attachment{}, nil, err
	}
	if d.files == nil {
		return helpdesk.Attachment{}, nil, errNoAttachments
	}
	c, err := d.visibleCase(ctx, actor, ref)
	if err != nil {
		return helpdesk.Attachment{}, nil, err
	}
	c = c.VisibleTo(actor)
	all := c.Attachments
	for _, cm := range c.Comments {
		all = append(all[:len(all):len(all)], cm.Attachments...)
	}
	for _, a := range all {
		if a.SHA256 != sha {
			continue
		}
		f, err := d.files.Open(sha)
		if errors.Is(err, attachments.ErrNotFound) {
			break
		}
		return a, f, err
	}
	return helpdesk.Attachment{}, nil, notFound("vedlegget finnes ikke", "no such attachment")
}
