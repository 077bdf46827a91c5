package esdbstore

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
)

// These tests need no server: they check what the store sends and how it
// copes, some against the model server (esdbfake). The conformance suite
// runs against the model too, and against a real server when
// BRUKERHJELP_ESDB_URL is set.

func TestMetadataEnvelopeKeepsBytes(t *testing.T) {
	const h, p = "aa11", "bb22"
	for _, meta := range []string{
		"",
		`{"actor":"kari"}`,
		` { "actor" : "kari",  "n": [1, 2] } `, // spacing that encoding/json would drop
		`"just a string"`,
		`{"hash":"not ours","m":{"}":"\""}}`,
	} {
		env := wrapMetadata(h, p, []byte(meta))
		gotH, gotP, gotM := unwrapMetadata(env)
		if gotH != h || gotP != p || string(gotM) != meta {
			t.Errorf("unwrap(wrap(%q)) = %q, %q, %q; want %q, %q, %q", meta, gotH, gotP, gotM, h, p, meta)
		}
	}
	if gotH, gotP, _ := unwrapMetadata(wrapMetadata(h, "", nil)); gotH != h || gotP != "" {
		t.Errorf("first event of a stream: unwrap = %q, %q; want %q, empty", gotH, gotP, h)
	}
	// Re-encoded by another tool: still readable.
	if gotH, gotP, gotM := unwrapMetadata([]byte(`{"prevHash": "bb22", "m": {"a":1}, "hash": "aa11"}`)); gotH != h || gotP != p || string(gotM) != `{"a":1}` {
		t.Errorf("unwrap of a re-encoded envelope = %q, %q, %q", gotH, gotP, gotM)
	}
	// Not ours: no hashes, metadata as is.
	if gotH, _, gotM := unwrapMetadata([]byte(`{"actor":"x"}`)); gotH != "" || string(gotM) != `{"actor":"x"}` {
		t.Errorf("unwrap of foreign metadata = %q, %q", gotH, gotM)
	}
}

func TestOpenSchemes(t *testing.T) {
	for _, cs := range []string{
		"esdb://localhost:2113?tls=false",
		"ESDB://localhost:2113?tls=false",
		"esdb+discover://cluster.example:2113",
		"kurrentdb://localhost:2113?tls=false",
		"KurrentDB://admin:changeit@localhost:2113?tls=false",
		"kurrentdb+discover://cluster.example:2113",
		"kurrent://localhost:2113?tls=false",
		"Kurrent+Discover://cluster.example:2113",
		"kdb://localhost:2113?tls=false",
		"KDB+discover://cluster.example:2113",
		"esdb://localhost:2113?tls=false&defaultDeadline=2500&nodePreference=Leader",
	} {
		if !HasScheme(cs) {
			t.Errorf("HasScheme(%q) = false, want true", cs)
		}
		s, err := Open(cs)
		if err != nil {
			t.Errorf("Open(%q) = %v, want success", cs, err)
			continue
		}
		s.Close()
	}
	for _, tc := range []struct{ cs, want string }{
		{"http://localhost:2113", "must start with"},
		{"postgres://x", "must start with"},
		{"", "must start with"},
		{"esdbx://localhost:2113", "must start with"},
		{"esdb://localhost:2113?defaultDeadline=abc", "defaultDeadline"},
		{"esdb://localhost:2113?DefaultDeadline=0", "defaultDeadline"},
		{"esdb://localhost:2113?defaultdeadline=-5", "defaultDeadline"},
		{"esdb://localhost:2113?nodePreference=follower", "nodePreference"},
		{"kdb://localhost:2113?nodepreference=random", "nodePreference"},
		{"esdb://admin:s3cret@localhost:abc", "valid URL"},
	} {
		if HasScheme(tc.cs) != !strings.Contains(tc.want, "must start") {
			t.Errorf("HasScheme(%q) = %v", tc.cs, HasScheme(tc.cs))
		}
		s, err := Open(tc.cs)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error, want one about %s", tc.cs, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, want it to name %s", tc.cs, err, tc.want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) = %v: the error repeats the password", tc.cs, err)
		}
	}
}

func TestExpectedRevisionMapping(t *testing.T) {
	if got, ok := toESDB(eventstore.NoStream()).(esdb.NoStream); !ok {
		t.Errorf("toESDB(NoStream) = %#v, want esdb.NoStream{}", got)
	}
	if got := toESDB(eventstore.Exact(7)); got != esdb.Revision(7) {
		t.Errorf("toESDB(Exact(7)) = %#v, want esdb.Revision(7)", got)
	}
}

func TestErrorMapping(t *testing.T) {
	cause := errors.New("from the server")
	for _, tc := range []struct {
		code esdb.ErrorCode
		want error
	}{
		{esdb.ErrorCodeWrongExpectedVersion, eventstore.ErrWrongExpectedRevision},
		{esdb.ErrorCodeResourceNotFound, eventstore.ErrStreamNotFound},
		{esdb.ErrorCodeDeadlineExceeded, context.DeadlineExceeded},
		// The client closed itself (a failed reconnect): it passes, the
		// store makes a new client; ErrClosed is for Close only.
		{esdb.ErrorCodeConnectionClosed, eventstore.ErrUnavailable},
		{esdb.ErrorUnavailable, eventstore.ErrUnavailable},
		{esdb.ErrorCodeNotLeader, eventstore.ErrUnavailable},
		{esdb.ErrorCodeStreamDeleted, eventstore.ErrStreamNotFound},
		{esdb.ErrorCodeUnknown, cause},
	} {
		if got := mapCode(context.Background(), "op", tc.code, cause); !errors.Is(got, tc.want) {
			t.Errorf("mapCode(%d) = %v, want %v", tc.code, got, tc.want)
		}
	}
	// What the server refuses as malformed (an append over its size
	// limit) is not retried.
	tooBig := status.Error(codes.InvalidArgument, "Maximum Append Size of 1048576 Exceeded.")
	if got := mapErr(context.Background(), "op", tooBig); !errors.Is(got, eventstore.ErrInvalidEvent) {
		t.Errorf("mapErr(InvalidArgument) = %v, want ErrInvalidEvent", got)
	}
	if got := mapErr(context.Background(), "op", status.Error(codes.Unavailable, "down")); !errors.Is(got, eventstore.ErrUnavailable) {
		t.Errorf("mapErr(Unavailable) = %v, want ErrUnavailable", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := mapErr(ctx, "op", cause); !errors.Is(got, context.Canceled) {
		t.Errorf("mapErr with a cancelled ctx = %v, want context.Canceled", got)
	}
}

func TestAt(t *testing.T) {
	head := &headInfo{Revision: 3}
	for _, tc := range []struct {
		exp  eventstore.ExpectedRevision
		head *headInfo
		want bool
	}{
		{eventstore.NoStream(), nil, true},
		{eventstore.NoStream(), head, false},
		{eventstore.Exact(0), nil, false},
		{eventstore.Exact(3), head, true},
		{eventstore.Exact(2), head, false},
		{eventstore.Exact(4), head, false},
	} {
		if got := at(tc.exp, tc.head); got != tc.want {
			t.Errorf("at(%s, head %v) = %v, want %v", tc.exp, tc.head != nil, got, tc.want)
		}
	}
}
