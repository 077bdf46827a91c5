package eventstore_test

import (
	"testing"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/google/uuid"
)

func TestChainHashSeparatesFields(t *testing.T) {
	base := eventstore.ChainHash("p", "case-1", 3, "Opened", []byte(`{"a":1}`), []byte(`{"m":1}`))
	for name, h := range map[string]string{
		"prev hash":               eventstore.ChainHash("q", "case-1", 3, "Opened", []byte(`{"a":1}`), []byte(`{"m":1}`)),
		"stream":                  eventstore.ChainHash("p", "case-2", 3, "Opened", []byte(`{"a":1}`), []byte(`{"m":1}`)),
		"revision":                eventstore.ChainHash("p", "case-1", 4, "Opened", []byte(`{"a":1}`), []byte(`{"m":1}`)),
		"type":                    eventstore.ChainHash("p", "case-1", 3, "Closed", []byte(`{"a":1}`), []byte(`{"m":1}`)),
		"data":                    eventstore.ChainHash("p", "case-1", 3, "Opened", []byte(`{"a":2}`), []byte(`{"m":1}`)),
		"metadata":                eventstore.ChainHash("p", "case-1", 3, "Opened", []byte(`{"a":1}`), []byte(`{"m":2}`)),
		"type bleeds into data":   eventstore.ChainHash("p", "case-1", 3, "Opened{", []byte(`"a":1}`), []byte(`{"m":1}`)),
		"data bleeds into meta":   eventstore.ChainHash("p", "case-1", 3, "Opened", []byte(`{"a":1}{"m":1}`), nil),
		"stream bleeds into prev": eventstore.ChainHash("pcase-1", "", 3, "Opened", []byte(`{"a":1}`), []byte(`{"m":1}`)),
	} {
		if h == base {
			t.Errorf("changing the %s did not change the hash", name)
		}
	}
	if len(base) != 64 {
		t.Errorf("hash %q has %d characters, want 64 (hex SHA-256)", base, len(base))
	}
	if a, b := eventstore.ChainHash("", "s", 0, "T", []byte(`{}`), nil), eventstore.ChainHash("", "s", 0, "T", []byte(`{}`), []byte{}); a != b {
		t.Errorf("nil and empty metadata hash differently: %s, %s", a, b)
	}
}

func chain(stream string, n int) []eventstore.RecordedEvent {
	var out []eventstore.RecordedEvent
	prev := ""
	for i := range n {
		e := eventstore.RecordedEvent{ID: uuid.New(), Stream: stream, Type: "T", Revision: uint64(i), Data: []byte(`{}`), PrevHash: prev}
		e.Hash = eventstore.ChainHash(prev, stream, e.Revision, e.Type, e.Data, e.Metadata)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerifyChain(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func([]eventstore.RecordedEvent) []eventstore.RecordedEvent
		wantBad int // -1: ok
	}{
		{"intact", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { return e }, -1},
		{"changed type", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { e[2].Type = "X"; return e }, 2},
		{"wrong prev hash", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { e[1].PrevHash = "00"; return e }, 1},
		{"first event missing", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { return e[1:] }, 0},
		{"gap", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { return append(e[:2:2], e[3:]...) }, 2},
		{"duplicate", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { return append(e[:3:3], e[2:]...) }, 2},
		{"other stream", func(e []eventstore.RecordedEvent) []eventstore.RecordedEvent { e[3].Stream = "other"; return e }, 3},
	} {
		got := eventstore.VerifyChain("s", tc.edit(chain("s", 5)))
		switch {
		case tc.wantBad < 0 && (!got.OK || got.FirstBadRevision != nil || got.Events != 5):
			t.Errorf("%s: VerifyChain = %+v, want ok with 5 events", tc.name, got)
		case tc.wantBad >= 0 && (got.OK || got.FirstBadRevision == nil || *got.FirstBadRevision != uint64(tc.wantBad) || got.FirstBadStream != "s"):
			t.Errorf("%s: VerifyChain = %+v, want not ok, first bad s@%d", tc.name, got, tc.wantBad)
		}
	}
}
