package esdbstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// Envelope around the caller's metadata. It is written and read by hand,
// not with encoding/json, which would re-format the caller's metadata
// (compact it, drop surrounding space) and so change the bytes the hash
// covers.
const (
	envHash = `{"hash":"`
	envPrev = `","prevHash":"`
	envM    = `","m":`
	envEnd  = `"}`
)

func wrapMetadata(hash, prevHash string, metadata []byte) []byte {
	b := make([]byte, 0, len(envHash)+len(hash)+len(envPrev)+len(prevHash)+len(envM)+len(metadata)+2)
	b = append(b, envHash...)
	b = append(b, hash...)
	b = append(b, envPrev...)
	b = append(b, prevHash...)
	if len(metadata) == 0 {
		return append(b, envEnd...)
	}
	b = append(b, envM...)
	b = append(b, metadata...)
	return append(b, '}')
}

// unwrapMetadata undoes wrapMetadata. Metadata this store did not write
// comes back as it is, with no hashes, and fails verification.
func unwrapMetadata(b []byte) (hash, prevHash string, metadata []byte) {
	rest, ok := bytes.CutPrefix(b, []byte(envHash))
	if ok {
		h, r, found := bytes.Cut(rest, []byte(envPrev))
		if found {
			p, r2, found := bytes.Cut(r, []byte(`"`))
			if found && bytes.IndexByte(h, '"') < 0 {
				switch {
				case string(r2) == "}":
					return string(h), string(p), nil
				case bytes.HasPrefix(r2, []byte(envM[1:])) && bytes.HasSuffix(r2, []byte("}")):
					return string(h), string(p), r2[len(envM)-1 : len(r2)-1]
				}
			}
		}
	}
	// Perhaps re-encoded by some tool: take the fields, if any.
	var env struct {
		Hash     string          `json:"hash"`
		PrevHash string          `json:"prevHash"`
		M        json.RawMessage `json:"m"`
	}
	if json.Unmarshal(b, &env) == nil && env.Hash != "" {
		return env.Hash, env.PrevHash, env.M
	}
	return "", "", b
}

// errNoEvent marks a resolved event without one (a link to a deleted
// event); readers pass over it.
var errNoEvent = errors.New("no event")

// position is the $all position of e. Reads of $all always carry the commit
// position; stream reads from 22.6 on do too, and where they carry only the
// prepare position, it equals the commit position for events appended
// through gRPC. Servers before 22.6 send neither (both MaxUint64): no
// position can be given then.
func position(e *esdb.RecordedEvent) (uint64, error) {
	if c := e.Position.Commit; c != 0 && c != math.MaxUint64 {
		return c, nil
	}
	if p := e.Position.Prepare; p != math.MaxUint64 {
		return p, nil
	}
	return 0, fmt.Errorf("%w: %s@%d came without a $all position (EventStoreDB before %d.%d?)",
		ErrUnsupportedServer, e.StreamID, e.EventNumber, MinServerVersion.Major, MinServerVersion.Minor)
}

func fromESDB(r *esdb.ResolvedEvent) (eventstore.RecordedEvent, error) {
	e := r.Event
	if e == nil {
		return eventstore.RecordedEvent{}, errNoEvent
	}
	pos, err := position(e)
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	hash, prev, meta := unwrapMetadata(e.UserMetadata)
	if len(meta) == 0 {
		meta = nil
	}
	return eventstore.RecordedEvent{
		ID:         e.EventID,
		Stream:     e.StreamID,
		Type:       e.EventType,
		Revision:   e.EventNumber,
		Position:   pos,
		Data:       e.Data,
		Metadata:   meta,
		RecordedAt: e.CreatedDate.UTC(),
		Hash:       hash,
		PrevHash:   prev,
	}, nil
}

// system reports whether an event is the server's own (system streams,
// stream metadata, links); the record never holds those.
func system(e *esdb.RecordedEvent) bool {
	return strings.HasPrefix(e.StreamID, "$") || strings.HasPrefix(e.EventType, "$")
}
