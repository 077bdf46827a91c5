package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/directory"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy/codec"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

type apiEraser struct{ asked []workflows.ErasureInput }

func (e *apiEraser) Erase(_ context.Context, in workflows.ErasureInput) ([]activities.EraseOutput, error) {
	e.asked = append(e.asked, in)
	var out []activities.EraseOutput
	for _, it := range in.Items {
		out = append(out, activities.EraseOutput{Item: it, Erased: true, Events: 1})
	}
	return out, nil
}

type apiIndex map[string][]string

func (ix apiIndex) CasesConcerning(_ context.Context, u string) ([]string, error) { return ix[u], nil }

const uiOrigin = "https://temporal.fylke.example"

// privacyServer: ola with a closed incident a year old; the codec on.
func privacyServer(t *testing.T) (*httptest.Server, *apiEraser, *codec.Codec, eventstore.Store) {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	id := uuid.NewString()
	put := func(stream string, evs ...helpdesk.Event) {
		var data []eventstore.EventData
		for _, e := range evs {
			b, _ := json.Marshal(e)
			m, _ := json.Marshal(helpdesk.Metadata{Actor: "ola", OccurredAt: time.Now().AddDate(-1, 0, 0)})
			data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: m})
		}
		if _, err := store.Append(context.Background(), stream, eventstore.NoStream(), data...); err != nil {
			t.Fatal(err)
		}
	}
	put(helpdesk.ReferenceStream(2025), helpdesk.ReferenceAllocated{CaseID: id, Reference: "BH-2025-000001"})
	put(helpdesk.Stream(id), helpdesk.CaseOpened{CaseID: id, Reference: "BH-2025-000001", Kind: helpdesk.KindIncident, Title: "Skriveren",
		Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"}, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	ring, _ := privacy.ParseKeyring(privacy.GenerateMasterKey())
	c, _ := codec.New(ring)
	e := &apiEraser{}
	tc, _ := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	t.Cleanup(tc.Close)
	dir := directory.Demo()
	d, err := desk.New(desk.Config{Workflows: desk.Temporal(tc), Record: store, Directory: dir,
		People: apiIndex{"ola": {id}}, Privacy: e, Codec: c})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Desk: d, Auth: DevTokens{Directory: dir}, Logger: slog.New(slog.DiscardHandler), TemporalUIOrigin: uiOrigin})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, e, c, store
}

func TestAPersonsDataAndErasureOverTheAPI(t *testing.T) {
	srv, e, _, _ := privacyServer(t)
	resp, body := call{method: "GET", path: "/api/v1/people/ola/data", token: "dev:ola"}.do(t, srv)
	var data desk.PersonData
	if resp.StatusCode != 200 || json.Unmarshal(body, &data) != nil || len(data.Cases) != 1 || data.Cases[0].Case.Title != "Skriveren" ||
		!data.Cases[0].OnRequest.Erase {
		t.Fatalf("ola's own data: %d %s", resp.StatusCode, body)
	}
	if resp, body := (call{method: "GET", path: "/api/v1/people/ola/data", token: "dev:eva"}).do(t, srv); resp.StatusCode != 403 {
		t.Errorf("eva reads ola's data: %d %s", resp.StatusCode, body)
	}
	if resp, body := (call{method: "GET", path: "/api/v1/people?q=ola", token: "dev:dina"}).do(t, srv); resp.StatusCode != 200 || !strings.Contains(string(body), `"username":"ola"`) {
		t.Errorf("dina finds ola: %d %s", resp.StatusCode, body)
	}
	if resp, _ := (call{method: "POST", path: "/api/v1/people/ola/erase", token: "dev:dina", contentType: "application/json", body: `{"all":true}`}).do(t, srv); resp.StatusCode != 400 {
		t.Errorf("an erasure with an unknown field: %d", resp.StatusCode)
	}
	resp, body = call{method: "POST", path: "/api/v1/people/ola/erase", token: "dev:dina"}.do(t, srv)
	var rep desk.ErasureReport
	if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || len(rep.Erased) != 1 || rep.Erased[0].Reference != "BH-2025-000001" {
		t.Fatalf("dina erases ola: %d %s", resp.StatusCode, body)
	}
	if len(e.asked) != 1 || e.asked[0].By != "dina" {
		t.Errorf("the erasure engine was asked %+v", e.asked)
	}
	if resp, _ := (call{method: "POST", path: "/api/v1/people/ola/erase", token: "dev:ola"}).do(t, srv); resp.StatusCode != 403 || len(e.asked) != 1 {
		t.Errorf("ola erases his own: %d", resp.StatusCode)
	}
}

func TestLegalHoldsOverTheAPI(t *testing.T) {
	srv, _, _, _ := privacyServer(t)
	set := call{method: "POST", path: "/api/v1/cases/BH-2025-000001/legal-hold", token: "dev:dina", contentType: "application/json", body: `{"reason":"Tvist"}`}
	resp, body := set.do(t, srv)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"active":true`) {
		t.Fatalf("setting a hold: %d %s", resp.StatusCode, body)
	}
	if resp, _ := set.do(t, srv); resp.StatusCode != 409 {
		t.Errorf("a second hold: %d, want 409", resp.StatusCode)
	}
	if resp, body := (call{method: "GET", path: "/api/v1/cases/BH-2025-000001/legal-hold", token: "dev:dina"}).do(t, srv); resp.StatusCode != 200 || !strings.Contains(string(body), `"setBy":"dina"`) {
		t.Errorf("reading the hold: %d %s", resp.StatusCode, body)
	}
	lift := call{method: "POST", path: "/api/v1/cases/BH-2025-000001/legal-hold/lift", token: "dev:dina", contentType: "application/json", body: `{"reason":"Avgjort"}`}
	if resp, body := lift.do(t, srv); resp.StatusCode != 200 || !strings.Contains(string(body), `"active":false`) {
		t.Errorf("lifting the hold: %d %s", resp.StatusCode, body)
	}
	if resp, _ := (call{method: "POST", path: "/api/v1/cases/BH-2025-000001/legal-hold", token: "dev:per", contentType: "application/json", body: `{"reason":"x"}`}).do(t, srv); resp.StatusCode != 403 {
		t.Errorf("a caseworker sets a hold: %d", resp.StatusCode)
	}
}

// TestTheCodecEndpoint: operations decode what Temporal holds, others
// may not, each decode is on the record, and only the Web UI's origin
// passes the browser's preflight.
func TestTheCodecEndpoint(t *testing.T) {
	srv, _, c, store := privacyServer(t)
	p, err := c.DataConverter().ToPayload(workflows.StepInput{Body: "Zyxwa"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	decode := call{method: "POST", path: "/api/v1/codec/decode", token: "dev:tor", contentType: "application/json", body: string(body),
		headers: map[string]string{"Origin": uiOrigin, "X-Namespace": "brukerhjelp"}}
	resp, out := decode.do(t, srv)
	var got commonpb.Payloads
	if resp.StatusCode != 200 || protojson.Unmarshal(out, &got) != nil || len(got.Payloads) != 1 || !strings.Contains(string(got.Payloads[0].Data), "Zyxwa") {
		t.Fatalf("tor decodes: %d %s", resp.StatusCode, out)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
		t.Errorf("the Web UI may not read the answer: %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	decode.token = "dev:per"
	if resp, _ := decode.do(t, srv); resp.StatusCode != 403 {
		t.Errorf("a caseworker decodes: %d, want 403", resp.StatusCode)
	}
	other, _ := privacy.ParseKeyring(privacy.GenerateMasterKey())
	oc, _ := codec.New(other)
	q, _ := oc.DataConverter().ToPayload("hemmelig")
	foreign, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{q}})
	resp, out = call{method: "POST", path: "/api/v1/codec/decode", token: "dev:tor", contentType: "application/json", body: string(foreign)}.do(t, srv)
	if resp.StatusCode != 400 || !strings.Contains(string(out), "does not hold") || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a payload of another key: %d %s", resp.StatusCode, out)
	}
	reads, _ := store.ReadAll(context.Background(), 0, 0, eventstore.Filter{StreamPrefixes: []string{"auditlog-"}})
	if len(reads) == 0 || !strings.Contains(string(reads[0].Data), `"what":"temporal-payloads"`) || !strings.Contains(string(reads[0].Data), `"actor":"tor"`) {
		t.Errorf("the decode is not on the record: %d reads", len(reads))
	}
	pre := call{method: "OPTIONS", path: "/api/v1/codec/decode", headers: map[string]string{"Origin": uiOrigin, "Access-Control-Request-Method": "POST"}}
	if resp, _ := pre.do(t, srv); resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("the Web UI's preflight: %d %v", resp.StatusCode, resp.Header)
	}
	pre.headers["Origin"] = "https://evil.example"
	if resp, _ := pre.do(t, srv); resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin's preflight: %d", resp.StatusCode)
	}
}
