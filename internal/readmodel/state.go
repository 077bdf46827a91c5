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

func newStateEncoder() (*stateEncoder, error) {
	se := &stateEncoder{}
	se.enc = gob.NewEncoder(&se.buf)
	if err := se.enc.Encode(helpdesk.NewCase()); err != nil {
		return nil, err
	}
	first := bytes.Clone(se.buf.Bytes()) // descriptions and an empty case
	se.buf.Reset()
	if err := se.enc.Encode(helpdesk.NewCase()); err != nil {
		return nil, err
	}
	statePrefixOnce.Do(func() {
		value := se.buf.Bytes()
		if !bytes.HasSuffix(first, value) {
			statePrefixErr = fmt.Errorf("gob wrote a case differently the second time")
			return
		}
		statePrefix = first[:len(first)-len(value)]
	})
	return se, statePrefixErr
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
