// Package codec encrypts Temporal payloads (workflow inputs and results,
// activity arguments, updates, signals, failures' messages) on every
// client and worker, so Temporal's database holds no personal data in
// clear (docs/PRIVACY.md). Its keys derive from the master keys
// (privacy.Keyring): whoever holds the master key file can run a worker,
// and nobody else can read a history. Payloads without its encoding —
// histories recorded before it — pass through, so they keep replaying.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

// Payload metadata the codec writes.
const (
	// Encoding marks an encrypted payload (metadata "encoding").
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that encrypted it.
	MetadataKeyID    = "encryption-key-id"
	metadataEncoding = converter.MetadataEncoding
	purpose          = "temporal-payload-codec/v1"
)

// aad binds a ciphertext to being a Brukerhjelp payload.
var aad = []byte("brukerhjelp/temporal-payload/v1")

// ErrUnknownKey means a payload was encrypted with a key this codec does
// not have: another master key (the wrong BRUKERHJELP_MASTER_KEY_FILE, or
// an old key dropped from the file too soon).
var ErrUnknownKey = errors.New("payload encrypted with a key this process does not hold")

// Codec is an AES-256-GCM converter.PayloadCodec.
type Codec struct {
	current string
	keys    map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New makes the codec of a keyring: it encrypts with the current master
// key's derived key and decrypts with any of the ring's.
func New(ring *privacy.Keyring) (*Codec, error) {
	if ring == nil {
		return nil, errors.New("codec: no keyring")
	}
	current, keys := ring.Derive(purpose)
	c := &Codec{current: current, keys: map[string]cipher.AEAD{}}
	for id, k := range keys {
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		if c.keys[id], err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.keys[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("codec: encode: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("codec: encode: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metadataEncoding: []byte(Encoding), MetadataKeyID: []byte(c.current)},
			Data:     aead.Seal(nonce, nonce, plain, aad),
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec. A payload without the
// codec's encoding is returned as it is.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[metadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.keys[id]
		if !ok {
			return nil, fmt.Errorf("codec: decode: key %q: %w (this process holds %s)", id, ErrUnknownKey, strings.Join(c.KeyIDs(), ", "))
		}
		d := p.GetData()
		if len(d) < aead.NonceSize() {
			return nil, errors.New("codec: decode: payload too short")
		}
		plain, err := aead.Open(nil, d[:aead.NonceSize()], d[aead.NonceSize():], aad)
		if err != nil {
			return nil, fmt.Errorf("codec: decode with key %s: %w", id, err)
		}
		var dec commonpb.Payload
		if err := dec.Unmarshal(plain); err != nil {
			return nil, fmt.Errorf("codec: decode: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

// KeyIDs lists the keys the codec decrypts with, the current first.
func (c *Codec) KeyIDs() []string {
	ids := []string{c.current}
	for id := range c.keys {
		if id != c.current {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids[1:])
	return ids
}

// DataConverter is Temporal's default converter with this codec.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter moves a failure's message and stack into an encoded
// payload, so an error that quotes a case's text is encrypted too.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: c.DataConverter(), EncodeCommonAttributes: true})
}

// ClientOptions sets o's data and failure converters to the codec's: what
// every Temporal client and worker of Brukerhjelp dials with.
func (c *Codec) ClientOptions(o client.Options) client.Options {
	o.DataConverter = c.DataConverter()
	o.FailureConverter = c.FailureConverter()
	return o
}

// Handler serves the codec for the Temporal Web UI and CLI: POST
// …/encode and …/decode with protojson payloads. Who may use it is the
// mounting door's to decide.
func (c *Codec) Handler() http.Handler { return converter.NewPayloadCodecHTTPHandler(c) }
