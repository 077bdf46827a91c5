package attachments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Delete removes the file with hash h (an erasure, docs/PRIVACY.md);
// deleting one that is not there is no error.
func (s Store) Delete(h string) error {
	if !validHash(h) {
		return nil
	}
	if err := os.Remove(filepath.Join(s.Dir, h)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("attachments: %w", err)
	}
	return nil
}
