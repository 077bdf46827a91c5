package privacy

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Master keys wrap the data keys (envelope encryption): the key store
// holds each data key only as ciphertext under a master key, and the
// master keys live outside every database, in a file or the environment.
// Wrapper is the seam where a KMS (or an HSM) takes their place: it wraps
// and unwraps, and never hands its keys out.

// Wrapper wraps data keys under a master key it holds.
type Wrapper interface {
	// CurrentID names the master key new data keys are wrapped with.
	CurrentID() string
	// Wrap encrypts plaintext (a data key) under the current master key,
	// bound to aad, and says which key it used.
	Wrap(ctx context.Context, plaintext, aad []byte) (wrapped []byte, masterID string, err error)
	// Unwrap decrypts what master key masterID wrapped.
	Unwrap(ctx context.Context, wrapped []byte, masterID string, aad []byte) ([]byte, error)
}

// MasterKeySize is the size of a master key: AES-256.
const MasterKeySize = 32

// Environment variables that carry the master keys.
const (
	// EnvMasterKeyFile names a file of master keys, one per line (base64
	// of 32 bytes); the first line is the current key, later lines older
	// keys still needed to unwrap (rotation). "#" starts a comment.
	EnvMasterKeyFile = "BRUKERHJELP_MASTER_KEY_FILE"
	// EnvMasterKey holds the same, lines or commas, for platforms that
	// inject secrets as variables.
	EnvMasterKey = "BRUKERHJELP_MASTER_KEY"
)

// ErrNoMasterKey means neither setting names a master key.
var ErrNoMasterKey = errors.New("no master key: set " + EnvMasterKeyFile + " (a file of base64 keys, the current first) or " + EnvMasterKey)

// Keyring holds the master keys, the current first. It implements
// Wrapper and derives the Temporal payload codec's keys (Derive).
type Keyring struct {
	keys []masterKey
}

type masterKey struct {
	id  string
	key []byte
}

// NewKeyring makes a keyring of raw keys, the current first.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, ErrNoMasterKey
	}
	k := &Keyring{}
	seen := map[string]bool{}
	for i, raw := range keys {
		if len(raw) != MasterKeySize {
			return nil, fmt.Errorf("master key %d: %d bytes, want %d", i+1, len(raw), MasterKeySize)
		}
		id := masterKeyID(raw)
		if seen[id] {
			return nil, fmt.Errorf("master key %d (%s) is given twice", i+1, id)
		}
		seen[id] = true
		k.keys = append(k.keys, masterKey{id: id, key: append([]byte(nil), raw...)})
	}
	return k, nil
}

// ParseKeyring reads master keys as a key file holds them: base64 keys,
// one per line or separated by commas, the current first; blank lines
// and "#" comments are skipped.
func ParseKeyring(text string) (*Keyring, error) {
	var keys [][]byte
	for n, line := range strings.Split(strings.ReplaceAll(text, ",", "\n"), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			return nil, fmt.Errorf("master key on line %d is not base64: %w", n+1, err)
		}
		keys = append(keys, raw)
	}
	return NewKeyring(keys...)
}

// LoadKeyring reads the master keys from EnvMasterKeyFile, else from
// EnvMasterKey; ErrNoMasterKey when neither is set.
func LoadKeyring(getenv func(string) string) (*Keyring, error) {
	if f := strings.TrimSpace(getenv(EnvMasterKeyFile)); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvMasterKeyFile, err)
		}
		k, err := ParseKeyring(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", EnvMasterKeyFile, f, err)
		}
		return k, nil
	}
	if v := getenv(EnvMasterKey); strings.TrimSpace(v) != "" {
		k, err := ParseKeyring(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvMasterKey, err)
		}
		return k, nil
	}
	return nil, ErrNoMasterKey
}

// DevMasterKeyFile is where `brukerhjelp dev` keeps its master key when
// the environment names none.
const DevMasterKeyFile = "master.key"

// DevKeyring is dev's keyring: the environment's if it names one, else
// <dataDir>/master.key, made with a new random key on first start
// (readable by the owner only). Losing that file loses every encrypted
// field, exactly as erasing every key would.
func DevKeyring(dataDir string, getenv func(string) string) (*Keyring, error) {
	k, err := LoadKeyring(getenv)
	if !errors.Is(err, ErrNoMasterKey) {
		return k, err
	}
	path := filepath.Join(dataDir, DevMasterKeyFile)
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	k, err = ParseKeyring(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new master key to path unless a file is there
// (readable by the owner only; never overwritten).
func createKeyFile(path string) error {
	content := "# Brukerhjelp dev: the master key of this data dir (docs/PRIVACY.md). Without it the personal data here cannot be read.\n" +
		GenerateMasterKey() + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, err = f.WriteString(content)
	if cerr := f.Sync(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// GenerateMasterKey returns a new random master key as a key file line.
func GenerateMasterKey() string {
	return base64.StdEncoding.EncodeToString(randomBytes(MasterKeySize))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("privacy: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return b
}

// masterKeyID names a key without revealing it.
func masterKeyID(key []byte) string {
	h := sha256.Sum256(append([]byte("brukerhjelp/master-key-id/v1\x00"), key...))
	return "mk-" + hex.EncodeToString(h[:8])
}

// IDs lists the keys' IDs, the current first.
func (k *Keyring) IDs() []string {
	out := make([]string, len(k.keys))
	for i, m := range k.keys {
		out[i] = m.id
	}
	return out
}

// CurrentID implements Wrapper.
func (k *Keyring) CurrentID() string { return k.keys[0].id }

func (k *Keyring) find(id string) ([]byte, bool) {
	for _, m := range k.keys {
		if m.id == id {
			return m.key, true
		}
	}
	return nil, false
}

// Derive returns the key for purpose derived from each master key (HKDF),
// keyed by the master key's ID, and the current one's ID: one master key
// serves several uses without one key doing two jobs.
func (k *Keyring) Derive(purpose string) (current string, keys map[string][]byte) {
	keys = make(map[string][]byte, len(k.keys))
	for _, m := range k.keys {
		keys[m.id] = derive(m.key, purpose)
	}
	return k.keys[0].id, keys
}

func derive(secret []byte, purpose string) []byte {
	out, err := hkdf.Key(sha256.New, secret, nil, "brukerhjelp/"+purpose, 32)
	if err != nil {
		panic("privacy: hkdf: " + err.Error()) // only for lengths over 255*32
	}
	return out
}

const wrapPurpose = "data-key-wrap/v1"

// Wrap implements Wrapper: AES-256-GCM under a key derived from the
// current master key, with a random nonce (a data key is wrapped once).
func (k *Keyring) Wrap(_ context.Context, plaintext, aad []byte) ([]byte, string, error) {
	m := k.keys[0]
	aead, err := newGCM(derive(m.key, wrapPurpose))
	if err != nil {
		return nil, "", err
	}
	nonce := randomBytes(aead.NonceSize())
	return aead.Seal(nonce, nonce, plaintext, aad), m.id, nil
}

// Unwrap implements Wrapper.
func (k *Keyring) Unwrap(_ context.Context, wrapped []byte, masterID string, aad []byte) ([]byte, error) {
	key, ok := k.find(masterID)
	if !ok {
		return nil, fmt.Errorf("privacy: data key wrapped with master key %s, which the keyring (%s) does not hold", masterID, strings.Join(k.IDs(), ", "))
	}
	aead, err := newGCM(derive(key, wrapPurpose))
	if err != nil {
		return nil, err
	}
	if len(wrapped) < aead.NonceSize() {
		return nil, errors.New("privacy: wrapped data key too short")
	}
	plain, err := aead.Open(nil, wrapped[:aead.NonceSize()], wrapped[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("privacy: unwrap with master key %s: %w", masterID, err)
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
