package eventstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// hashDomain is written first so a Brukerhjelp chain hash can never equal
// the SHA-256 of some other structure built from the same bytes, and so a
// future change of layout can get a new tag instead of silently changing
// what old hashes mean.
const hashDomain = "brukerhjelp/eventstore/chain/v1"

// ChainHash is the hash of one event in its stream's chain: hex SHA-256
// over prevHash, stream, revision, type, data and metadata. Every field is
// length-prefixed so bytes cannot move from one field to the next without
// changing the hash ("ab"+"c" and "a"+"bc" hash differently). Empty and nil
// metadata hash the same, because backends do not all keep the difference.
// Every backend uses this one function, so a stream copied from one backend
// to another verifies in both.
func ChainHash(prevHash, stream string, revision uint64, eventType string, data, metadata []byte) string {
	h := sha256.New()
	writeField(h, []byte(hashDomain))
	writeField(h, []byte(prevHash))
	writeField(h, []byte(stream))
	var rev [8]byte
	binary.BigEndian.PutUint64(rev[:], revision)
	writeField(h, rev[:])
	writeField(h, []byte(eventType))
	writeField(h, data)
	writeField(h, metadata)
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// ChainCheck recomputes the hash chain of one stream from its stored events,
// fed in the order the backend reads them (by revision). It holds no events,
// so a backend can verify a stream of any length while streaming it.
type ChainCheck struct {
	stream   string
	next     uint64
	prevHash string
	events   int
	bad      *uint64
}

// NewChainCheck starts checking stream from its first event.
func NewChainCheck(stream string) *ChainCheck {
	return &ChainCheck{stream: stream}
}

// Add checks the next stored event. It reports false from the first bad
// event on; later events are then ignored, since the first break is what an
// auditor needs and everything after it is suspect anyway.
//
// An event is bad when it belongs to another stream, when its revision is
// not the next one (a deleted event leaves a gap, an inserted or reordered
// one repeats or goes back), when its stored prevHash is not the previous
// event's hash, or when its stored hash is not the hash of its content.
func (c *ChainCheck) Add(e RecordedEvent) bool {
	if c.bad != nil {
		return false
	}
	c.events++
	switch {
	case e.Stream != c.stream:
		c.fail(c.next)
	case e.Revision > c.next:
		// The expected revision is missing: that one is the first bad.
		c.fail(c.next)
	case e.Revision < c.next:
		c.fail(e.Revision)
	case e.PrevHash != c.prevHash:
		c.fail(e.Revision)
	case ChainHash(c.prevHash, c.stream, e.Revision, e.Type, e.Data, e.Metadata) != e.Hash:
		c.fail(e.Revision)
	default:
		c.prevHash = e.Hash
		c.next++
		return true
	}
	return false
}

func (c *ChainCheck) fail(revision uint64) {
	c.bad = &revision
}

// Stream is the stream being checked.
func (c *ChainCheck) Stream() string { return c.stream }

// OK reports whether every event added so far verified.
func (c *ChainCheck) OK() bool { return c.bad == nil }

// Events is the number of events checked, the bad one included.
func (c *ChainCheck) Events() int { return c.events }

// LastHash is the hash of the last verified event: the stream's head while
// the chain is intact.
func (c *ChainCheck) LastHash() string { return c.prevHash }

// Result is the outcome so far.
func (c *ChainCheck) Result() VerifyResult {
	r := VerifyResult{OK: c.bad == nil, Events: c.events}
	if c.bad != nil {
		rev := *c.bad
		r.FirstBadRevision = &rev
		r.FirstBadStream = c.stream
	}
	return r
}

// VerifyChain recomputes the hash chain of one stream whose events, from
// revision 0, are given in stored order.
func VerifyChain(stream string, events []RecordedEvent) VerifyResult {
	c := NewChainCheck(stream)
	for _, e := range events {
		if !c.Add(e) {
			break
		}
	}
	return c.Result()
}
