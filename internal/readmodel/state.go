package readmodel

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"sync"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// A case's snapshot (cases.state) is one gob stream: the descriptions of
// helpdesk.Case's types, then the case. The descriptions are the same for
// every case (gob describes a struct type with all its fields' types,
// whatever values they hold; helpdesk.Case has no interface fields), and
// describing them anew for each case was most of the cost of encoding
// one. So the descriptions are made once (statePrefix), and an encoder
// that has sent them already writes just the case after them. The bytes
// are a stream any gob.Decoder reads on its own, as before.

var (
	statePrefixOnce sync.Once
	statePrefix     []byte
	statePrefixErr  error
	stateEncoders   sync.Pool // of *stateEncoder
)

// stateEncoder is an encoder that has sent the type descriptions, and the
// buffer it writes to.
type stateEncoder struct {
	buf bytes.Buffer
	enc *gob.Encoder
}

// casePrefix is statePrefix, made once: the type descriptions an encoder
// sends before its first case.
func casePrefix() ([]byte, error) {
	statePrefixOnce.Do(func() {
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		if statePrefixErr = enc.Encode(helpdesk.NewCase()); statePrefixErr != nil {
			return
		}
		first := bytes.Clone(buf.Bytes()) // descriptions and an empty case
		buf.Reset()
		if statePrefixErr = enc.Encode(helpdesk.NewCase()); statePrefixErr != nil {
			return
		}
		value := buf.Bytes()
		if !bytes.HasSuffix(first, value) {
			statePrefixErr = fmt.Errorf("gob wrote a case differently the second time")
			return
		}
		statePrefix = first[:len(first)-len(value)]
	})
	return statePrefix, statePrefixErr
}

func newStateEncoder() (*stateEncoder, error) {
	if _, err := casePrefix(); err != nil {
		return nil, err
	}
	se := &stateEncoder{}
	se.enc = gob.NewEncoder(&se.buf)
	// Type IDs are the process's, so this encoder sends the very
	// descriptions of statePrefix.
	if err := se.enc.Encode(helpdesk.NewCase()); err != nil {
		return nil, err
	}
	se.buf.Reset()
	return se, nil
}

// encodeState is c's snapshot.
func encodeState(c helpdesk.Case) ([]byte, error) {
	se, _ := stateEncoders.Get().(*stateEncoder)
	if se == nil {
		var err error
		if se, err = newStateEncoder(); err != nil {
			return nil, fmt.Errorf("read model: encode case %s: %w", c.ID, err)
		}
	}
	se.buf.Reset()
	if err := se.enc.Encode(c); err != nil {
		// The encoder may be half way through: not put back.
		return nil, fmt.Errorf("read model: encode case %s: %w", c.ID, err)
	}
	out := make([]byte, 0, len(statePrefix)+se.buf.Len())
	out = append(append(out, statePrefix...), se.buf.Bytes()...)
	stateEncoders.Put(se)
	return out, nil
}

// Reading a snapshot is the mirror image. A fresh gob.Decoder reads the
// type descriptions and compiles a decoder for each type, for every case
// it reads: two thirds of the cost of loading a case (the projector loads
// one or two for each event it applies). A decoder that has read them
// once reads each later case from its value alone (the bytes after
// statePrefix), as if the cases came one after another on one stream.

var stateDecoders sync.Pool // of *stateDecoder

// stateDecoder is a decoder and the reader it reads from. A bytes.Reader
// is an io.ByteReader, so gob reads from it directly, without a buffer of
// its own that could read ahead into the next case.
type stateDecoder struct {
	r      bytes.Reader
	dec    *gob.Decoder
	primed bool // has read statePrefix
}

// decodeState reads a case's snapshot, as gob.NewDecoder(state) would.
func decodeState(state []byte) (helpdesk.Case, error) {
	var c helpdesk.Case
	prefix, err := casePrefix()
	if err != nil || !bytes.HasPrefix(state, prefix) {
		// Not written by this build's encoders (helpdesk.Case has changed
		// since): read it on its own.
		err := gob.NewDecoder(bytes.NewReader(state)).Decode(&c)
		return c, err
	}
	sd, _ := stateDecoders.Get().(*stateDecoder)
	if sd == nil {
		sd = &stateDecoder{}
		sd.dec = gob.NewDecoder(&sd.r)
	}
	if sd.primed {
		sd.r.Reset(state[len(prefix):])
	} else {
		sd.r.Reset(state)
	}
	err = sd.dec.Decode(&c)
	sd.r.Reset(nil)
	if err != nil {
		// The decoder may be half way through a message: not put back.
		// A fresh one on the whole snapshot gives the error as it always
		// has (or reads what the reused one could not).
		c = helpdesk.Case{}
		err = gob.NewDecoder(bytes.NewReader(state)).Decode(&c)
		return c, err
	}
	sd.primed = true
	stateDecoders.Put(sd)
	return c, nil
}
