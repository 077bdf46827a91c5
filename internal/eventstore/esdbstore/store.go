// Package esdbstore is the production event store: EventStoreDB (or
// KurrentDB) through its gRPC client, with the same semantics as the SQLite
// store, checked by the same conformance suite.
//
// The hash chain is kept by this client, not the server: before appending,
// the store reads the stream's last event for its hash and writes each new
// event's hash and previous hash in the event's metadata, wrapped around the
// caller's metadata ({"hash":…,"prevHash":…,"m":<caller's metadata>}).
// Reads unwrap it again. The optimistic-concurrency check of the append
// makes the read-then-write safe: if another writer got in between, the
// server refuses the append.
//
// Positions are $all commit positions. Events appended through gRPC are
// committed one by one, so each has its own commit position, equal to its
// prepare position.
package esdbstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// Store is the EventStoreDB event store. It implements eventstore.Store.
type Store struct {
	client *esdb.Client
}

var _ eventstore.Store = (*Store)(nil)

// Open connects to the server at connString, e.g.
// esdb://localhost:2113?tls=false or kurrentdb://admin:changeit@host:2113
// (Schemes lists the accepted schemes). The client connects lazily: a
// server that is down shows up as an error from the first call, not from
// Open.
func Open(connString string) (*Store, error) {
	cfg, err := parseConnString(connString)
	if err != nil {
		return nil, fmt.Errorf("esdbstore: %w", err)
	}
	// Every error the client logs also comes back to the caller as an error
	// (and Close logs a "dropped" subscription as an error): keep its log
	// for debugging only.
	cfg.Logger = func(level esdb.LogLevel, format string, args ...any) {
		slog.Debug("esdb client: "+fmt.Sprintf(format, args...), "level", level)
	}
	client, err := esdb.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("esdbstore: new client: %w", err)
	}
	return &Store{client: client}, nil
}

// Close closes the connection.
func (s *Store) Close() error {
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("esdbstore: close: %w", err)
	}
	return nil
}

func toESDB(e eventstore.ExpectedRevision) esdb.ExpectedRevision {
	if e.IsNoStream() {
		return esdb.NoStream{}
	}
	return esdb.Revision(e.Revision())
}

// mapErr turns client errors into the eventstore sentinels.
func mapErr(ctx context.Context, op string, err error) error {
	code := esdb.ErrorCodeUnknown
	var esErr *esdb.Error
	if errors.As(err, &esErr) {
		code = esErr.Code()
	}
	return mapCode(ctx, op, code, err)
}

// mapCode maps by the client's error code. A done ctx wins: the gRPC layer
// reports it in its own words.
func mapCode(ctx context.Context, op string, code esdb.ErrorCode, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("esdbstore: %s: %w (%v)", op, ctxErr, err)
	}
	switch code {
	case esdb.ErrorCodeWrongExpectedVersion:
		return fmt.Errorf("esdbstore: %s: %w: %v", op, eventstore.ErrWrongExpectedRevision, err)
	case esdb.ErrorCodeResourceNotFound:
		return fmt.Errorf("esdbstore: %s: %w", op, eventstore.ErrStreamNotFound)
	case esdb.ErrorCodeDeadlineExceeded:
		return fmt.Errorf("esdbstore: %s: %w (%v)", op, context.DeadlineExceeded, err)
	case esdb.ErrorCodeConnectionClosed:
		return fmt.Errorf("esdbstore: %s: %w (%v)", op, eventstore.ErrClosed, err)
	}
	if status.Code(err) == codes.InvalidArgument {
		// What the server refuses as malformed it refuses every time, e.g.
		// an append over its MaxAppendSize setting.
		return fmt.Errorf("esdbstore: %s: refused by the server: %v: %w", op, err, eventstore.ErrInvalidEvent)
	}
	return fmt.Errorf("esdbstore: %s: %w", op, err)
}

func isWrongExpectedVersion(err error) bool {
	var esErr *esdb.Error
	return errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeWrongExpectedVersion
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: append to %q: %w", stream, err)
	}
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: append: %w", err)
	}
	op := fmt.Sprintf("append to %q at %s", stream, expected)

	head, err := s.last(ctx, stream)
	if err != nil {
		return eventstore.AppendResult{}, mapErr(ctx, op, err)
	}
	if !at(expected, head) {
		return s.diagnose(ctx, op, stream, expected, events, head)
	}
	prev := ""
	if head != nil {
		prev = head.Hash
		// The server would write an ID again if asked at the head; the ID
		// most likely to come back is the head's own.
		for _, e := range events {
			if e.ID == head.ID {
				return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: event id %s is already stored at revision %d: %w",
					op, e.ID, head.Revision, eventstore.ErrIDConflict)
			}
		}
	}

	proposed := make([]esdb.EventData, len(events))
	rev := expected.Next()
	for i, e := range events {
		h := eventstore.ChainHash(prev, stream, rev, e.Type, e.Data, e.Metadata)
		proposed[i] = esdb.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: esdb.ContentTypeJson,
			Data:        e.Data,
			Metadata:    wrapMetadata(h, prev, e.Metadata),
		}
		prev = h
		rev++
	}
	last := rev - 1

	wr, err := s.client.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: toESDB(expected)}, proposed...)
	if err != nil {
		if isWrongExpectedVersion(err) && ctx.Err() == nil {
			// Someone appended between our read of the head and our write,
			// perhaps a concurrent retry of this very append.
			if head, herr := s.last(ctx, stream); herr == nil {
				return s.diagnose(ctx, op, stream, expected, events, head)
			}
		}
		return eventstore.AppendResult{}, mapErr(ctx, op, err)
	}

	pos := wr.CommitPosition
	// For one event the write's commit position is the event's; for
	// several, or when the server answered an idempotent retry without a
	// position, read the last event back.
	if len(events) > 1 || pos == 0 || pos == math.MaxUint64 {
		e, err := s.eventAt(ctx, stream, last)
		if err != nil {
			return eventstore.AppendResult{}, mapErr(ctx, op+": read back position", err)
		}
		pos = e.Position
	}
	return eventstore.AppendResult{NextExpected: eventstore.Exact(last), Position: pos}, nil
}

// at reports whether the stream, whose last event is head (nil: no
// stream), is where expected says.
func at(expected eventstore.ExpectedRevision, head *eventstore.RecordedEvent) bool {
	if head == nil {
		return expected.IsNoStream()
	}
	return !expected.IsNoStream() && head.Revision == expected.Revision()
}

// diagnose decides, for an append the stream is not ready for, whether it
// is a retry of one already written (the same IDs with the same content at
// the expected revisions: success, nothing written), a reused ID
// (ErrIDConflict) or a lost race (ErrWrongExpectedRevision). The server
// would call a retry idempotent by IDs alone; comparing content here makes
// a reused ID with other content an error, as in the SQLite store.
func (s *Store) diagnose(ctx context.Context, op, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData, head *eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	if head == nil {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: stream does not exist: %w", op, eventstore.ErrWrongExpectedRevision)
	}
	if !expected.IsNoStream() && head.Revision < expected.Revision() {
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: stream is at %d: %w", op, head.Revision, eventstore.ErrWrongExpectedRevision)
	}
	var stored []eventstore.RecordedEvent
	err := s.eachInStream(ctx, stream, expected.Next(), uint64(len(events)), true, func(e eventstore.RecordedEvent) bool {
		stored = append(stored, e)
		return true
	})
	if err != nil {
		return eventstore.AppendResult{}, mapErr(ctx, op+": check for a retry", err)
	}
	matched := 0
	for i, e := range events {
		if i >= len(stored) || stored[i].ID != e.ID {
			break
		}
		st := stored[i]
		if st.Type != e.Type || !bytes.Equal(st.Data, e.Data) || !bytes.Equal(st.Metadata, e.Metadata) {
			return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: event id %s is already stored at revision %d with other content: %w",
				op, e.ID, st.Revision, eventstore.ErrIDConflict)
		}
		matched++
	}
	switch {
	case matched == len(events):
		return eventstore.AppendResult{NextExpected: eventstore.Exact(stored[matched-1].Revision), Position: stored[matched-1].Position}, nil
	case matched > 0:
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: %d of %d event ids are already stored: %w",
			op, matched, len(events), eventstore.ErrIDConflict)
	default:
		return eventstore.AppendResult{}, fmt.Errorf("esdbstore: %s: stream is at %d: %w", op, head.Revision, eventstore.ErrWrongExpectedRevision)
	}
}

// last returns the stream's last event, nil if the stream does not exist.
func (s *Store) last(ctx context.Context, stream string) (*eventstore.RecordedEvent, error) {
	// From the leader: a lagging follower would show an old head, and the
	// append would be refused for a revision that is in fact right.
	rs, err := s.client.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}, RequiresLeader: true}, 1)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	ev, err := rs.Recv()
	if err != nil {
		var esErr *esdb.Error
		if errors.Is(err, io.EOF) || (errors.As(err, &esErr) && esErr.Code() == esdb.ErrorCodeResourceNotFound) {
			return nil, nil
		}
		return nil, err
	}
	e, ok := fromESDB(ev)
	if !ok {
		return nil, fmt.Errorf("stream %q: last event is not an event", stream)
	}
	return &e, nil
}

// eventAt reads one event from the leader, which has just written it.
func (s *Store) eventAt(ctx context.Context, stream string, revision uint64) (eventstore.RecordedEvent, error) {
	var (
		out   eventstore.RecordedEvent
		found bool
	)
	err := s.eachInStream(ctx, stream, revision, 1, true, func(e eventstore.RecordedEvent) bool {
		out, found = e, true
		return false
	})
	if err != nil {
		return out, err
	}
	if !found {
		return out, fmt.Errorf("stream %q has no revision %d", stream, revision)
	}
	return out, nil
}

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

// position is the $all position of e. Reads of $all always carry the commit
// position; stream reads may not (older servers send none), and then the
// prepare position, equal to it for events appended through gRPC, stands in.
func position(e *esdb.RecordedEvent) uint64 {
	if c := e.Position.Commit; c != 0 && c != math.MaxUint64 {
		return c
	}
	return e.Position.Prepare
}

func fromESDB(r *esdb.ResolvedEvent) (eventstore.RecordedEvent, bool) {
	e := r.Event
	if e == nil {
		return eventstore.RecordedEvent{}, false
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
		Position:   position(e),
		Data:       e.Data,
		Metadata:   meta,
		RecordedAt: e.CreatedDate.UTC(),
		Hash:       hash,
		PrevHash:   prev,
	}, true
}

// system reports whether an event is the server's own (system streams,
// stream metadata, links); the record never holds those.
func system(e *esdb.RecordedEvent) bool {
	return strings.HasPrefix(e.StreamID, "$") || strings.HasPrefix(e.EventType, "$")
}
