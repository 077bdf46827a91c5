package privacy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Reader is the reading half of a record (a read-only store, as the
// offline audit tools open it).
type Reader interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error)
	ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error)
}

// ReadOnly decrypts what a Reader reads, as Store does.
type ReadOnly struct {
	inner Reader
	s     *Store
}

// NewReadOnly wraps inner; keys holds the data keys.
func NewReadOnly(inner Reader, keys KeyStore) *ReadOnly {
	return &ReadOnly{inner: inner, s: &Store{keys: keys, scope: helpdesk.KeyScope, fields: func(t string) []string {
		p, _ := helpdesk.PersonalFields(t)
		return p
	}}}
}

// ReadStream is Store.ReadStream.
func (r *ReadOnly) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := r.inner.ReadStream(ctx, stream, from, limit)
	if err != nil {
		return evs, err
	}
	return evs, r.s.openAll(ctx, evs)
}

// ReadAll is Store.ReadAll.
func (r *ReadOnly) ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	evs, err := r.inner.ReadAll(ctx, after, limit, filter)
	if err != nil {
		return evs, err
	}
	return evs, r.s.openAll(ctx, evs)
}

// DevKeyStoreFile is dev's key store, beside the record in the data dir.
const DevKeyStoreFile = "keys.db"

// OpenDevKeys opens what a data dir holds to read its personal data: its
// master key (the environment's, else <dataDir>/master.key) and key store
// (keys.db), making neither. ok is false, with no error, when the data
// dir has no key store: a record written before encryption.
func OpenDevKeys(ctx context.Context, dataDir string, getenv func(string) string) (keys *SQLKeys, ok bool, err error) {
	path := filepath.Join(dataDir, DevKeyStoreFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	ring, err := LoadKeyring(getenv)
	if errors.Is(err, ErrNoMasterKey) {
		b, rerr := os.ReadFile(filepath.Join(dataDir, DevMasterKeyFile))
		if rerr != nil {
			return nil, false, fmt.Errorf("%w, and %s: %w", err, filepath.Join(dataDir, DevMasterKeyFile), rerr)
		}
		ring, err = ParseKeyring(string(b))
	}
	if err != nil {
		return nil, false, err
	}
	keys, err = OpenKeys(ctx, path, ring)
	if err != nil {
		return nil, false, err
	}
	return keys, true, nil
}
