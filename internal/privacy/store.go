package privacy

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Store is the record with its personal data encrypted (crypto-shredding).
// It wraps an eventstore.Store: Append encrypts each event's personal
// fields (helpdesk.PersonalFields) with the data key of its stream's scope
// (helpdesk.KeyScope), every read decrypts them, so every reader — the
// desk, the projector, the workflows' activities, the audit tools — sees
// the events as they were appended, byte for byte. The inner store's hash
// chain covers the ciphertext: destroying a key (KeyStore.Erase) leaves
// the chain verifying and makes the fields read as helpdesk.Erased.
//
// Encryption is deterministic: the nonce is derived from the key, the
// event ID, the field and its text, so a retried append (same IDs, same
// expected revision) produces the same bytes, which both backends take as
// a retry rather than a reused ID. The same text in another field or
// event gets another nonce. Events recorded before this (without the
// marker in their metadata) are read as they are.
type Store struct {
	inner  eventstore.Store
	keys   KeyStore
	fields func(eventType string) []string
	scope  func(stream string) string
}

var _ eventstore.Store = (*Store)(nil)

// Option changes how New builds the store.
type Option func(*Store)

// WithFields replaces the domain's declaration of personal fields (tests).
func WithFields(f func(eventType string) []string) Option { return func(s *Store) { s.fields = f } }

// New wraps inner; keys holds the data keys.
func New(inner eventstore.Store, keys KeyStore, opts ...Option) (*Store, error) {
	if inner == nil || keys == nil {
		return nil, errors.New("privacy: nil event store or key store")
	}
	s := &Store{inner: inner, keys: keys, scope: helpdesk.KeyScope, fields: func(t string) []string {
		p, _ := helpdesk.PersonalFields(t)
		return p
	}}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Inner is the wrapped store, as it holds the events: ciphertext.
func (s *Store) Inner() eventstore.Store { return s.inner }

// Keys is the key store.
func (s *Store) Keys() KeyStore { return s.keys }

// markerKey is the metadata member that says an event's fields are
// encrypted: which key, which fields. It is appended as the metadata's
// last member and removed again on reading.
const markerKey = "$pii"

// marker is what markerKey holds.
type marker struct {
	V int      `json:"v"`
	K string   `json:"k"`           // the data key's ID
	F []string `json:"f"`           // the encrypted fields' paths
	O string   `json:"o,omitempty"` // the original metadata: "" as given, "e" none, "b" "{}"
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	out, err := s.seal(ctx, stream, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return s.inner.Append(ctx, stream, expected, out...)
}

// seal encrypts the personal fields of events to be appended to stream.
func (s *Store) seal(ctx context.Context, stream string, events []eventstore.EventData) ([]eventstore.EventData, error) {
	out := make([]eventstore.EventData, len(events))
	var key *DataKey
	for i, e := range events {
		if has, err := hasMarker(e.Metadata); err != nil || has {
			if err == nil {
				err = fmt.Errorf("metadata member %q is reserved", markerKey)
			}
			return nil, fmt.Errorf("privacy: append to %q event %d: %v: %w", stream, i, err, eventstore.ErrInvalidEvent)
		}
		out[i] = e
		patterns := s.fields(e.Type)
		if len(patterns) == 0 {
			continue
		}
		vals, err := personalValues(e.Data, patterns)
		if err != nil {
			// Not JSON: the inner store refuses it as it would anyway.
			continue
		}
		if len(vals) == 0 {
			continue
		}
		if key == nil {
			k, err := s.keys.Current(ctx, s.scope(stream))
			if err != nil {
				return nil, fmt.Errorf("privacy: append to %q: %w", stream, err)
			}
			key = &k
		}
		enc, err := encrypter(key.Secret)
		if err != nil {
			return nil, err
		}
		m := marker{V: 1, K: key.ID}
		repl := make([][]byte, len(vals))
		for j, v := range vals {
			m.F = append(m.F, v.path)
			lit := e.Data[v.start:v.end]
			repl[j] = enc.seal(lit, aad(stream, e.ID, e.Type, v.path, key.ID))
		}
		out[i].Data = splice(e.Data, vals, repl)
		if out[i].Metadata, err = withMarker(e.Metadata, m); err != nil {
			return nil, fmt.Errorf("privacy: append to %q event %d: %v: %w", stream, i, err, eventstore.ErrInvalidEvent)
		}
	}
	return out, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	evs, err := s.inner.ReadStream(ctx, stream, from, limit)
	if err != nil {
		return evs, err
	}
	return evs, s.openAll(ctx, evs)
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after uint64, limit int, filter eventstore.Filter) ([]eventstore.RecordedEvent, error) {
	evs, err := s.inner.ReadAll(ctx, after, limit, filter)
	if err != nil {
		return evs, err
	}
	return evs, s.openAll(ctx, evs)
}

// Subscribe implements eventstore.Store.
func (s *Store) Subscribe(ctx context.Context, after uint64, filter eventstore.Filter) (eventstore.Subscription, error) {
	sub, err := s.inner.Subscribe(ctx, after, filter)
	if err != nil {
		return nil, err
	}
	return &subscription{inner: sub, s: s}, nil
}

// Verify implements eventstore.Store: the chain of what is stored.
func (s *Store) Verify(ctx context.Context, stream string) (eventstore.VerifyResult, error) {
	return s.inner.Verify(ctx, stream)
}

// VerifyAll implements eventstore.Store.
func (s *Store) VerifyAll(ctx context.Context) (eventstore.VerifyResult, error) {
	return s.inner.VerifyAll(ctx)
}

// Close closes the inner store (not the key store, which its opener
// closes).
func (s *Store) Close() error { return s.inner.Close() }

// Ready asks the inner store whether it is ready (EventStoreDB's store
// knows without a round trip), else reads one event.
func (s *Store) Ready(ctx context.Context) error {
	if r, ok := s.inner.(interface{ Ready(context.Context) error }); ok {
		return r.Ready(ctx)
	}
	_, err := s.inner.ReadAll(ctx, 0, 1, eventstore.Filter{})
	return err
}

type subscription struct {
	inner eventstore.Subscription
	s     *Store
}

func (sub *subscription) Recv(ctx context.Context) (eventstore.RecordedEvent, error) {
	e, err := sub.inner.Recv(ctx)
	if err != nil {
		return e, err
	}
	evs := []eventstore.RecordedEvent{e}
	if err := sub.s.openAll(ctx, evs); err != nil {
		return eventstore.RecordedEvent{}, err
	}
	return evs[0], nil
}

func (sub *subscription) Close() error { return sub.inner.Close() }

// openAll decrypts evs in place, looking each key up once.
func (s *Store) openAll(ctx context.Context, evs []eventstore.RecordedEvent) error {
	keys := map[string]*opener{} // nil: erased
	for i := range evs {
		e := &evs[i]
		m, meta, ok, err := takeMarker(e.Metadata)
		if err != nil {
			return fmt.Errorf("privacy: %s@%d: metadata: %w", e.Stream, e.Revision, err)
		}
		if !ok {
			continue // recorded before encryption, or nothing personal
		}
		op, seen := keys[m.K]
		if !seen {
			k, err := s.keys.Get(ctx, m.K)
			switch {
			case errors.Is(err, ErrErased):
			case err != nil:
				return fmt.Errorf("privacy: %s@%d: %w", e.Stream, e.Revision, err)
			default:
				if op, err = encrypter(k.Secret); err != nil {
					return err
				}
			}
			keys[m.K] = op
		}
		data, err := op.openFields(e.Data, m, e.Stream, e.ID, e.Type)
		if err != nil {
			return fmt.Errorf("privacy: %s@%d (%s): %w", e.Stream, e.Revision, e.Type, err)
		}
		e.Data, e.Metadata = data, meta
	}
	return nil
}

// erasedLiteral is a personal field whose key is gone, as JSON;
// unreadableLiteral one whose ciphertext was changed.
var (
	erasedLiteral, _     = json.Marshal(helpdesk.Erased)
	unreadableLiteral, _ = json.Marshal(helpdesk.Unreadable)
)

// opener seals and opens one data key's fields.
type opener struct {
	aead     cipher.AEAD
	nonceKey []byte
}

func encrypter(secret []byte) (*opener, error) {
	aead, err := newGCM(derive(secret, "field-encrypt/v1"))
	if err != nil {
		return nil, err
	}
	return &opener{aead: aead, nonceKey: derive(secret, "field-nonce/v1")}, nil
}

// aad binds a field's ciphertext to its place: moved to another field,
// event, stream or key it does not open.
func aad(stream string, id uuid.UUID, eventType, path, keyID string) []byte {
	return []byte("brukerhjelp/privacy/field/v1\x00" + stream + "\x00" + id.String() + "\x00" + eventType + "\x00" + path + "\x00" + keyID)
}

// seal encrypts a JSON literal into a JSON string literal. The nonce is
// an HMAC of the place and the text (a synthetic IV): the same input
// always gives the same bytes, different input a different nonce.
func (o *opener) seal(lit, aad []byte) []byte {
	mac := hmac.New(sha256.New, o.nonceKey)
	mac.Write(aad)
	mac.Write([]byte{0})
	mac.Write(lit)
	nonce := mac.Sum(nil)[:o.aead.NonceSize()]
	ct := o.aead.Seal(nonce, nonce, lit, aad)
	return []byte(strconv.Quote(base64.RawStdEncoding.EncodeToString(ct)))
}

// openFields puts each encrypted field's literal back; with o nil (the key
// is erased) each reads as helpdesk.Erased.
func (o *opener) openFields(data []byte, m marker, stream string, id uuid.UUID, eventType string) ([]byte, error) {
	at, err := valuesAt(data, m.F)
	if err != nil {
		return nil, err
	}
	type field struct {
		v   value
		lit []byte
	}
	fields := make([]field, 0, len(m.F))
	for _, p := range m.F {
		v, ok := at[p]
		switch {
		case !ok:
			continue // taken out behind the store's back: nothing to open
		case !v.isString:
			fields = append(fields, field{v, unreadableLiteral})
			continue
		case o == nil:
			fields = append(fields, field{v, erasedLiteral})
			continue
		}
		lit, ok := o.open(data[v.start:v.end], aad(stream, id, eventType, p, m.K))
		if !ok {
			// The stored text was changed behind the store's back: the
			// chain shows where; the rest of the case still reads.
			lit = unreadableLiteral
		}
		fields = append(fields, field{v, lit})
	}
	slices.SortFunc(fields, func(a, b field) int { return a.v.start - b.v.start })
	vals := make([]value, len(fields))
	repl := make([][]byte, len(fields))
	for i, f := range fields {
		vals[i], repl[i] = f.v, f.lit
	}
	return splice(data, vals, repl), nil
}

// open decrypts one stored field; ok is false when it is no ciphertext of
// this key for this place.
func (o *opener) open(stored, aad []byte) ([]byte, bool) {
	var b64 string
	if err := json.Unmarshal(stored, &b64); err != nil {
		return nil, false
	}
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	n := o.aead.NonceSize()
	if err != nil || len(ct) < n {
		return nil, false
	}
	lit, err := o.aead.Open(nil, ct[:n], ct[n:], aad)
	if err != nil || !json.Valid(lit) {
		return nil, false
	}
	return lit, true
}

// hasMarker reports whether metadata already holds the marker member.
func hasMarker(meta []byte) (bool, error) {
	if len(bytes.TrimSpace(meta)) == 0 {
		return false, nil
	}
	ms, isObject, err := topMembers(meta)
	if err != nil || !isObject {
		return false, nil // the inner store refuses what is not JSON
	}
	for _, m := range ms {
		if m.key == markerKey {
			return true, nil
		}
	}
	return false, nil
}

// withMarker adds the marker as the last member of metadata.
func withMarker(meta []byte, m marker) ([]byte, error) {
	trimmed := bytes.TrimSpace(meta)
	switch {
	case len(meta) == 0:
		m.O = "e"
	case len(trimmed) == 0 || !json.Valid(meta):
		return nil, errors.New("metadata is not JSON")
	case bytes.Equal(trimmed, []byte("{}")) && len(meta) == 2:
		m.O = "b"
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	member := append([]byte(`"`+markerKey+`":`), mb...)
	if m.O != "" {
		return append(append([]byte("{"), member...), '}'), nil
	}
	ms, isObject, err := topMembers(meta)
	if err != nil {
		return nil, err
	}
	if !isObject {
		return nil, errors.New("metadata is not a JSON object")
	}
	end := bytes.LastIndexByte(meta, '}')
	out := append([]byte(nil), meta[:end]...)
	if len(ms) > 0 {
		out = append(out, ',')
	}
	out = append(out, member...)
	return append(out, meta[end:]...), nil
}

// takeMarker removes the marker from stored metadata and returns it with
// the metadata as appended; ok is false when there is none.
func takeMarker(stored []byte) (m marker, meta []byte, ok bool, err error) {
	if !bytes.Contains(stored, []byte(`"`+markerKey+`"`)) {
		return marker{}, stored, false, nil
	}
	ms, isObject, err := topMembers(stored)
	if err != nil || !isObject || len(ms) == 0 || ms[len(ms)-1].key != markerKey {
		return marker{}, stored, false, err
	}
	last := ms[len(ms)-1]
	colon := bytes.IndexByte(stored[last.keyStart:], ':')
	if err := json.Unmarshal(stored[last.keyStart+colon+1:last.end], &m); err != nil {
		return marker{}, nil, false, err
	}
	switch m.O {
	case "e":
		return m, nil, true, nil
	case "b":
		return m, []byte("{}"), true, nil
	}
	from := last.keyStart
	if len(ms) > 1 {
		// withMarker put a comma right before the member.
		if from == 0 || stored[from-1] != ',' {
			return marker{}, nil, false, errors.New("the encryption marker is not where it was put")
		}
		from--
	}
	meta = append(append([]byte(nil), stored[:from]...), stored[last.end:]...)
	return m, meta, true, nil
}

// Head forwards the inner store's head position (for the projector's
// progress reports); 0 when the inner store cannot tell.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if h, ok := s.inner.(interface {
		Head(context.Context) (uint64, error)
	}); ok {
		return h.Head(ctx)
	}
	return 0, nil
}

// Inspection says what a stream holds of personal data as stored.
type Inspection struct {
	// Encrypted counts the events with encrypted fields, Types their
	// types (once each, in order of appearance), Fields what was
	// encrypted as "Type.field" (arrays as "attachments[].name"), sorted,
	// Keys the keys used.
	Encrypted int
	Types     []string
	Fields    []string
	Keys      []string
	// Unencrypted counts events recorded before encryption that hold
	// personal fields in clear: an erasure cannot remove those.
	Unencrypted int
}

// Inspect reads stream as stored and says what of it is personal data.
func (s *Store) Inspect(ctx context.Context, stream string) (Inspection, error) {
	evs, err := s.inner.ReadStream(ctx, stream, 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return Inspection{}, nil
	}
	if err != nil {
		return Inspection{}, err
	}
	var in Inspection
	for _, e := range evs {
		m, _, ok, err := takeMarker(e.Metadata)
		if err != nil {
			return in, fmt.Errorf("privacy: %s@%d: %w", stream, e.Revision, err)
		}
		if ok {
			in.Encrypted++
			if !slices.Contains(in.Types, e.Type) {
				in.Types = append(in.Types, e.Type)
			}
			if !slices.Contains(in.Keys, m.K) {
				in.Keys = append(in.Keys, m.K)
			}
			for _, p := range m.F {
				if f := e.Type + "." + patternOf(p); !slices.Contains(in.Fields, f) {
					in.Fields = append(in.Fields, f)
				}
			}
			continue
		}
		if vals, err := personalValues(e.Data, s.fields(e.Type)); err == nil && len(vals) > 0 {
			in.Unencrypted++
		}
	}
	slices.Sort(in.Fields)
	return in, nil
}

// patternOf turns a concrete path ("attachments.0.name") into the
// declaration's form ("attachments[].name").
func patternOf(path string) string {
	var out []string
	for _, seg := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(seg); err == nil && len(out) > 0 {
			out[len(out)-1] += "[]"
			continue
		}
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}
