package seed

import (
	"context"
	"sync"

	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// Keys is the key store as seed writes through it: the data keys of each
// chunk's cases are made in one transaction (Prepare, as
// Options.BeforeChunk) instead of one commit per case, and Current answers
// from them. Everything else goes to the key store.
type Keys struct {
	*privacy.SQLKeys
	mu  sync.Mutex
	cur map[string]privacy.DataKey
}

var _ privacy.KeyStore = (*Keys)(nil)

// NewKeys wraps the data dir's key store.
func NewKeys(k *privacy.SQLKeys) *Keys { return &Keys{SQLKeys: k} }

// Prepare makes (or finds) the data keys of streams; it is an
// Options.BeforeChunk.
func (k *Keys) Prepare(ctx context.Context, streams []string) error {
	made, err := k.CreateKeys(ctx, streams)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.cur = made
	k.mu.Unlock()
	return nil
}

// Current implements privacy.KeyStore.
func (k *Keys) Current(ctx context.Context, scope string) (privacy.DataKey, error) {
	k.mu.Lock()
	key, ok := k.cur[scope]
	k.mu.Unlock()
	if ok {
		return key, nil
	}
	return k.SQLKeys.Current(ctx, scope)
}
