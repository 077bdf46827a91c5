package mail

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EraseCase replaces every message of the outbox about case caseID (its
// thread: In-Reply-To or References names ThreadID) with a stub that
// keeps only its Message-ID, so the outbox, which is its own ledger, still
// knows the notification was mailed and never sends it again, but holds
// nothing of the person or the case (docs/PRIVACY.md). It returns how
// many it replaced. Mail that went out through a relay is in the
// recipients' mailboxes, out of Brukerhjelp's reach.
func (o Outbox) EraseCase(caseID string, at time.Time) (int, error) {
	files, err := filepath.Glob(filepath.Join(o.Dir, "*.eml"))
	if err != nil {
		return 0, fmt.Errorf("mail: outbox: %w", err)
	}
	thread := "<" + ThreadID(caseID) + ">"
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("mail: outbox: %w", err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			continue // not a message of ours
		}
		if !strings.Contains(m.Header.Get("In-Reply-To"), thread) && !strings.Contains(m.Header.Get("References"), thread) {
			continue
		}
		stub := fmt.Sprintf("Message-ID: %s\r\nX-Brukerhjelp-Erased: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
			"Personopplysningene i denne e-posten er slettet. / The personal data in this e-mail has been erased.\r\n",
			m.Header.Get("Message-ID"), at.UTC().Format(time.RFC3339))
		if err := replaceFile(f, []byte(stub)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// replaceFile writes data to path through a synced temporary file, so the
// old content is gone (the file renamed over it) and no half file shows.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	return nil
}
