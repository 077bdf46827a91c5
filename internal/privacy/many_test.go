package privacy_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// A batch is encrypted exactly as one append at a time: the record holds
// the same bytes for the same events, nothing personal in clear, and
// reads give back what was appended. Keys made in bulk are each case's
// current key; after an erasure the next one is a new generation.
func TestAppendManyEncryptsAsAppendDoes(t *testing.T) {
	ctx := context.Background()
	one, many := newWorld(t), newWorld(t)
	// The same keys in both worlds: the same master key and data keys.
	many = wrapWithKeys(t, many, one)
	made, err := one.keys.CreateKeys(ctx, []string{helpdesk.Stream(caseA), helpdesk.Stream(caseB), helpdesk.Stream(caseA)})
	if err != nil || len(made) != 2 {
		t.Fatalf("CreateKeys: %d keys, %v", len(made), err)
	}
	for scope, k := range made {
		cur, err := one.keys.Current(ctx, scope)
		if err != nil || cur.ID != k.ID || !bytes.Equal(cur.Secret, k.Secret) {
			t.Errorf("%s: Current gives %s, CreateKeys made %s (%v)", scope, cur.ID, k.ID, err)
		}
	}
	a, b := olasCase(t), evasCase(t)
	appendAll(t, one.store, helpdesk.Stream(caseA), a)
	appendAll(t, one.store, helpdesk.Stream(caseB), b)
	if _, err := many.store.AppendMany(ctx, []eventstore.StreamAppend{
		{Stream: helpdesk.Stream(caseA), Expected: eventstore.NoStream(), Events: a},
		{Stream: helpdesk.Stream(caseB), Expected: eventstore.NoStream(), Events: b},
	}); err != nil {
		t.Fatal(err)
	}
	y := storedAlike(t, one, many, len(a)+len(b))
	for i := range y {
		if bytes.Contains(y[i].Data, []byte("Zyxwa")) {
			t.Errorf("event %d holds personal text in clear: %s", i, y[i].Data)
		}
	}
	read, _ := many.store.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
	for i, e := range read {
		if !bytes.Equal(e.Data, a[i].Data) {
			t.Errorf("read back %s, appended %s", e.Data, a[i].Data)
		}
	}
	if _, err := one.keys.Erase(ctx, helpdesk.Stream(caseA), "test"); err != nil {
		t.Fatal(err)
	}
	again, err := one.keys.CreateKeys(ctx, []string{helpdesk.Stream(caseA)})
	if err != nil || again[helpdesk.Stream(caseA)].ID != helpdesk.Stream(caseA)+"/2" {
		t.Errorf("after an erasure: %v, %v", again, err)
	}
}

// storedAlike fails t unless the records of worlds x and y hold the same
// n events byte for byte (ciphertext included); it returns y's.
func storedAlike(t *testing.T, x, y *world, n int) []eventstore.RecordedEvent {
	t.Helper()
	xs, _ := x.inner.ReadAll(t.Context(), 0, 0, eventstore.Filter{})
	ys, _ := y.inner.ReadAll(t.Context(), 0, 0, eventstore.Filter{})
	if len(xs) != len(ys) || len(xs) != n {
		t.Fatalf("%d and %d events, want %d", len(xs), len(ys), n)
	}
	for i := range xs {
		if !bytes.Equal(xs[i].Data, ys[i].Data) || !bytes.Equal(xs[i].Metadata, ys[i].Metadata) {
			t.Errorf("event %d stored differently:\n%s\n%s", i, xs[i].Data, ys[i].Data)
		}
	}
	return ys
}

// wrapWithKeys is w's record behind keys's key store.
func wrapWithKeys(t *testing.T, w, keys *world) *world {
	t.Helper()
	s, err := privacy.New(w.inner, keys.keys)
	if err != nil {
		t.Fatal(err)
	}
	return &world{dir: w.dir, inner: w.inner, keys: keys.keys, store: s, ring: keys.ring}
}

// An atomic append is encrypted as one append at a time is; over a store
// without atomic appends (EventStoreDB) it is refused as unsupported and
// writes nothing, so the caller appends one stream after the other.
func TestAppendAtomicEncryptsAsAppendDoes(t *testing.T) {
	ctx := context.Background()
	one := newWorld(t)
	atomic := wrapWithKeys(t, newWorld(t), one)
	a, b := olasCase(t), evasCase(t)
	appendAll(t, one.store, helpdesk.Stream(caseA), a)
	appendAll(t, one.store, helpdesk.Stream(caseB), b)
	both := []eventstore.StreamAppend{
		{Stream: helpdesk.Stream(caseA), Expected: eventstore.NoStream(), Events: a},
		{Stream: helpdesk.Stream(caseB), Expected: eventstore.NoStream(), Events: b},
	}
	if _, err := atomic.store.AppendAtomic(ctx, both); err != nil {
		t.Fatal(err)
	}
	storedAlike(t, one, atomic, len(a)+len(b))
	read, _ := atomic.store.ReadStream(ctx, helpdesk.Stream(caseB), 0, 0)
	if len(read) != 1 || !bytes.Equal(read[0].Data, b[0].Data) {
		t.Errorf("read back %d events", len(read))
	}

	esdb := newESDBWorld(t)
	if _, err := esdb.store.AppendAtomic(ctx, both); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("over EventStoreDB: %v, want unsupported", err)
	}
	if all, _ := esdb.inner.ReadAll(ctx, 0, 0, eventstore.Filter{}); len(all) != 0 {
		t.Errorf("the refused atomic append wrote %d events", len(all))
	}
}
