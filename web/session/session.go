// Package session keeps the web pages' server-side sessions: who is
// signed in behind a cookie, and the state of a sign-in under way. The
// browser holds only a random token; a store keeps its SHA-256, so a copy
// of the store signs nobody in. Memory keeps sessions in one process;
// SQL keeps them in a database every api replica shares (sql.go).
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// ErrNotFound means no session has that token (it never existed, ended,
// or expired and was swept).
var ErrNotFound = errors.New("session: not found")

// Session is one browser's session. A session with no Username is
// anonymous: it carries the CSRF token of the sign-in form, or the state
// of an OpenID Connect sign-in under way.
type Session struct {
	// ID is the token in the cookie. Stores keep only its hash (Hash).
	ID string
	// Username is the signed-in user; empty before sign-in.
	Username string
	// CSRF is the token every state-changing form of this session
	// carries.
	CSRF string
	// Created is when the session began (absolute expiry counts from
	// it); Seen when it was last used (idle expiry).
	Created, Seen time.Time
	// Data holds what a session carries besides: roles and groups the
	// identity provider granted, or an OIDC sign-in's state, nonce, PKCE
	// verifier and where to go afterwards. Small string values only.
	Data map[string]string
}

// Store keeps sessions. Implementations are safe for concurrent use.
type Store interface {
	// Create stores s; s.ID must be new.
	Create(ctx context.Context, s Session) error
	// Get returns the session with token id, or ErrNotFound.
	Get(ctx context.Context, id string) (Session, error)
	// Touch records that the session was used at seen.
	Touch(ctx context.Context, id string, seen time.Time) error
	// Delete ends the session; deleting one that does not exist is no
	// error.
	Delete(ctx context.Context, id string) error
	// DeleteExpired removes sessions idle since before idleBefore or
	// created before createdBefore, and says how many.
	DeleteExpired(ctx context.Context, idleBefore, createdBefore time.Time) (int, error)
}

// NewToken returns a new random token: 256 bits, URL-safe base64.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is what a store keeps of a token.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Memory is a Store in this process's memory: sessions end when it
// stops. For `brukerhjelp dev` and tests; replicas need SQL.
type Memory struct {
	mu       sync.Mutex
	sessions map[string]Session // by Hash(ID)
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{sessions: map[string]Session{}} }

// Create implements Store.
func (m *Memory) Create(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := Hash(s.ID)
	if _, dup := m.sessions[k]; dup {
		return errors.New("session: token already in use")
	}
	s.Data = cloneData(s.Data)
	m.sessions[k] = s
	return nil
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, id string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[Hash(id)]
	if !ok {
		return Session{}, ErrNotFound
	}
	s.Data = cloneData(s.Data)
	return s, nil
}

// Touch implements Store.
func (m *Memory) Touch(_ context.Context, id string, seen time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := Hash(id)
	s, ok := m.sessions[k]
	if !ok {
		return ErrNotFound
	}
	s.Seen = seen
	m.sessions[k] = s
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, Hash(id))
	return nil
}

// DeleteExpired implements Store.
func (m *Memory) DeleteExpired(_ context.Context, idleBefore, createdBefore time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, s := range m.sessions {
		if s.Seen.Before(idleBefore) || s.Created.Before(createdBefore) {
			delete(m.sessions, k)
			n++
		}
	}
	return n, nil
}

func cloneData(d map[string]string) map[string]string {
	if d == nil {
		return nil
	}
	out := make(map[string]string, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}
