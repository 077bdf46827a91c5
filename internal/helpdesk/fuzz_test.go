package helpdesk

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"slices"
	"testing"
	"time"
)

// eventTypes are the registered event types, sorted.
func eventTypes() []string {
	out := make([]string, 0, len(decoders))
	for t := range decoders {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// richCase is a case with something in every part an event may touch:
// an SLA, an order, an open approval and a comment.
func richCase(t testing.TB) Case {
	t.Helper()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := NewCase()
	for i, e := range []Event{
		CaseOpened{CaseID: "7d3c5a0e-8f1b-4c2d-9e3f-000000000001", Reference: "BH-2026-000001", Kind: KindOrder, Title: "Ny PC",
			Reporter: "ola", CreatedBy: "ola", Group: FirstLineGroup},
		SLAStarted{Priority: PriorityNormal, ResponseTarget: 4 * time.Hour, ResolutionTarget: 25 * time.Hour, ResponseDue: at.Add(4 * time.Hour), ResolutionDue: at.Add(50 * time.Hour)},
		OrderPlaced{Order: Order{Lines: []OrderLine{{Description: "PC", Quantity: 1, UnitCostNOK: 100}}, CostCenter: "opplaering", TotalNOK: 100, NonStandardNOK: 100}},
		TaskOpened{TaskID: "7d3c5a0e-8f1b-4c2d-9e3f-000000000001.t1", Kind: TaskApproval, Type: "cost-approval", Approver: "kari", Fallback: "nina"},
		CommentAdded{CommentID: "c1", Body: "intern", Internal: true},
	} {
		c.Apply(e, Metadata{Actor: "ola", OccurredAt: at.Add(time.Duration(i) * time.Minute)}, int64(i))
	}
	return c
}

// FuzzDecodeEvent: any type and any data decode to an event or an error,
// never a panic; a decoded event folds into any case without a panic and
// encodes back to a fixed point.
func FuzzDecodeEvent(f *testing.F) {
	types := eventTypes()
	for _, typ := range types {
		f.Add(typ, []byte(`{}`))
	}
	f.Add("CaseOpened", []byte(`{"caseId":"x","reference":"BH-2026-000001","kind":"incident","title":"t","reporter":"ola","createdBy":"ola","group":"brukerhjelp"}`))
	f.Add("TaskCompleted", []byte(`{"taskId":"7d3c5a0e-8f1b-4c2d-9e3f-000000000001.t1","outcome":"approved","decidedBy":"kari"}`))
	f.Add("SLAResumed", []byte(`{"resolutionDue":"2026-03-02T10:00:00Z","responseDue":null}`))
	f.Add("SLAPaused", []byte(`{"used":-9223372036854775808}`))
	f.Add("OrderPlaced", []byte(`{"order":{"lines":null,"totalNOK":1e30}}`))
	f.Add("CommentAdded", []byte(`{"body":"\ud800","internal":"true"}`))
	f.Add("Unknown", []byte(`{}`))
	f.Add("", []byte(`null`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		if _, known := decoders[typ]; !known {
			if e, err := DecodeEvent(typ, data); err == nil {
				t.Fatalf("unknown type %q decoded to %#v", typ, e)
			}
			// Go on with a registered type picked by the name, so every
			// input also exercises a real decoder.
			h := fnv.New32a()
			h.Write([]byte(typ))
			typ = types[int(h.Sum32()%uint32(len(types)))]
		}
		e, err := DecodeEvent(typ, data)
		if err != nil {
			return
		}
		if e.EventType() != typ {
			t.Fatalf("decoded %s as %s", typ, e.EventType())
		}
		m := Metadata{Actor: "per", OccurredAt: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)}
		for _, c := range []Case{NewCase(), richCase(t)} {
			before := c.Revision
			c.Apply(e, m, before+1)
			c.Apply(e, m, before+2) // twice: duplicates happen
			if c.Revision != before+2 {
				t.Fatalf("revision %d after applying at %d", c.Revision, before+2)
			}
			_ = c.Final()
			for _, a := range []Actor{{Username: "ola", Roles: []Role{RoleEmployee}}, {Username: "per", Roles: []Role{RoleCaseworker}}} {
				if a.CanSee(c) {
					v := c.VisibleTo(a)
					if !a.Has(RoleCaseworker) && slices.ContainsFunc(v.Comments, func(cm Comment) bool { return cm.Internal }) {
						t.Fatalf("%s sees an internal comment", a.Username)
					}
				}
			}
			if _, err := json.Marshal(c); err != nil {
				t.Fatalf("the folded case does not encode: %v", err)
			}
		}
		b1, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%s does not encode: %v", typ, err)
		}
		e2, err := DecodeEvent(typ, b1)
		if err != nil {
			t.Fatalf("%s does not decode what it encoded (%s): %v", typ, b1, err)
		}
		b2, _ := json.Marshal(e2)
		if !bytes.Equal(b1, b2) {
			t.Fatalf("%s encodes differently after a round trip:\n%s\n%s", typ, b1, b2)
		}
	})
}
