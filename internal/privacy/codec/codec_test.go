package codec_test

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy/codec"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

func newCodec(t *testing.T, lines ...string) *codec.Codec {
	t.Helper()
	if len(lines) == 0 {
		lines = []string{privacy.GenerateMasterKey()}
	}
	ring, err := privacy.ParseKeyring(strings.Join(lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := codec.New(ring)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const secret = "Zyxwa"

// payloadTypes are every type that travels as a Temporal payload: the
// activities' arguments and results (found by reflection, so a new
// activity is covered without editing this list), the workflows' inputs
// and results, their updates, queries and signals.
func payloadTypes() []reflect.Type {
	var out []reflect.Type
	errType := reflect.TypeFor[error]()
	acts := reflect.TypeFor[*activities.Activities]()
	for i := range acts.NumMethod() {
		m := acts.Method(i).Type
		for j := 2; j < m.NumIn(); j++ { // receiver, ctx
			out = append(out, m.In(j))
		}
		for j := range m.NumOut() {
			if m.Out(j) != errType {
				out = append(out, m.Out(j))
			}
		}
	}
	return append(out,
		reflect.TypeFor[workflows.CaseInput](), reflect.TypeFor[workflows.CaseView](), reflect.TypeFor[workflows.StepInput](),
		reflect.TypeFor[workflows.AnnouncementInput](), reflect.TypeFor[workflows.AnnouncementView](),
		reflect.TypeFor[workflows.AnnouncementStepInput](), reflect.TypeFor[workflows.LinkCaseSignal](),
		reflect.TypeFor[workflows.OutageResolvedSignal](), reflect.TypeFor[workflows.RevokeRequest](),
		reflect.TypeFor[workflows.ErrorDetails](),
	)
}

// fill makes a value of t with every field set, every text saying secret.
func fill(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	if depth > 6 {
		return v
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return reflect.ValueOf(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC))
	case reflect.TypeFor[json.RawMessage]():
		return reflect.ValueOf(json.RawMessage(`{"body":"` + secret + `"}`))
	}
	if t.Kind() != reflect.Struct && (t.Implements(reflect.TypeFor[encoding.TextMarshaler]()) || t.Implements(reflect.TypeFor[json.Marshaler]())) {
		return v // a type with rules of its own (a time of day): its zero value is valid
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(secret + " " + t.Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		v.Set(fill(t.Elem(), depth+1).Addr())
	case reflect.Slice:
		v.Set(reflect.Append(reflect.MakeSlice(t, 0, 1), fill(t.Elem(), depth+1)))
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(fill(t.Key(), depth+1), fill(t.Elem(), depth+1))
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				v.Field(i).Set(fill(t.Field(i).Type, depth+1))
			}
		}
	}
	return v
}

// TestEveryPayloadTypeRoundTrips: each payload, through the codec's data
// converter, is encrypted (no text of it in the payload) and comes back
// as it was.
func TestEveryPayloadTypeRoundTrips(t *testing.T) {
	dc := newCodec(t).DataConverter()
	types := payloadTypes()
	if len(types) < 20 {
		t.Fatalf("only %d payload types found", len(types))
	}
	withText := 0
	for _, typ := range types {
		in := fill(typ, 0)
		p, err := dc.ToPayload(in.Interface())
		if err != nil {
			t.Fatalf("%v: ToPayload: %v", typ, err)
		}
		raw, _ := p.Marshal()
		if bytes.Contains(raw, []byte(secret)) || string(p.Metadata["encoding"]) != codec.Encoding {
			t.Errorf("%v: the payload is not encrypted: %s", typ, p.Metadata["encoding"])
		}
		out := reflect.New(typ)
		if err := dc.FromPayload(p, out.Interface()); err != nil {
			t.Fatalf("%v: FromPayload: %v", typ, err)
		}
		want, _ := json.Marshal(in.Interface())
		got, _ := json.Marshal(out.Elem().Interface())
		if !bytes.Equal(got, want) {
			t.Errorf("%v: round trip gave\n%s\nwant\n%s", typ, got, want)
		}
		if bytes.Contains(want, []byte(secret)) {
			withText++
		}
	}
	if withText < len(types)*2/3 {
		t.Errorf("only %d of %d payload types carried text: the filler is broken", withText, len(types))
	}
}

// TestPlainPayloadsPassThrough: a payload written without the codec (a
// history recorded before it) decodes as it was.
func TestPlainPayloadsPassThrough(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload(workflows.StepInput{Body: "hei"})
	if err != nil {
		t.Fatal(err)
	}
	var got workflows.StepInput
	if err := newCodec(t).DataConverter().FromPayload(plain, &got); err != nil || got.Body != "hei" {
		t.Errorf("a plain payload decodes to %+v, %v", got, err)
	}
}

// TestAWrongKeyFailsClearly: a process with another master key cannot
// read a payload and says why; after a rotation (new key first, old
// kept) both old and new payloads read.
func TestAWrongKeyFailsClearly(t *testing.T) {
	oldLine, newLine := privacy.GenerateMasterKey(), privacy.GenerateMasterKey()
	old := newCodec(t, oldLine)
	p, err := old.DataConverter().ToPayload(workflows.StepInput{Body: secret})
	if err != nil {
		t.Fatal(err)
	}
	var got workflows.StepInput
	err = newCodec(t, newLine).DataConverter().FromPayload(p, &got)
	if !errors.Is(err, codec.ErrUnknownKey) || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("decoding with another master key = %v, want ErrUnknownKey", err)
	}
	rotated := newCodec(t, newLine, oldLine)
	if err := rotated.DataConverter().FromPayload(p, &got); err != nil || got.Body != secret {
		t.Errorf("after rotation an old payload: %+v, %v", got, err)
	}
	fresh, _ := rotated.DataConverter().ToPayload(workflows.StepInput{Body: "ny"})
	if string(fresh.Metadata[codec.MetadataKeyID]) == string(p.Metadata[codec.MetadataKeyID]) {
		t.Error("after rotation new payloads still use the old key")
	}
	tampered := proto(p)
	tampered.Data[len(tampered.Data)-1] ^= 1
	if err := rotated.DataConverter().FromPayload(tampered, &got); err == nil {
		t.Error("a tampered payload decoded")
	}
}

func proto(p *commonpb.Payload) *commonpb.Payload {
	b, _ := p.Marshal()
	var out commonpb.Payload
	out.Unmarshal(b)
	return &out
}

// TestFailuresAreEncryptedToo: an error's message goes into an encrypted
// payload, and comes back to the caller as it was.
func TestFailuresAreEncryptedToo(t *testing.T) {
	fc := newCodec(t).FailureConverter()
	f := fc.ErrorToFailure(temporal.NewApplicationError("saken om "+secret+" er lukket", "Conflict", workflows.ErrorDetails{Message: secret}))
	raw, _ := f.Marshal()
	if bytes.Contains(raw, []byte(secret)) {
		t.Errorf("the failure holds the text in clear")
	}
	var appErr *temporal.ApplicationError
	if err := fc.FailureToError(f); !errors.As(err, &appErr) || !strings.Contains(appErr.Error(), secret) || appErr.Type() != "Conflict" {
		t.Errorf("the failure comes back as %v", err)
	}
	var d workflows.ErrorDetails
	if err := appErr.Details(&d); err != nil || d.Message != secret {
		t.Errorf("its details: %+v, %v", d, err)
	}
}

// TestTheCodecEndpoint: what the Temporal Web UI and CLI post.
func TestTheCodecEndpoint(t *testing.T) {
	c := newCodec(t)
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	p, _ := c.DataConverter().ToPayload(workflows.StepInput{Body: secret})
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	resp, err := http.Post(srv.URL+"/decode", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out commonpb.Payloads
	if err := protojson.Unmarshal(b, &out); resp.StatusCode != http.StatusOK || err != nil || len(out.Payloads) != 1 ||
		!bytes.Contains(out.Payloads[0].Data, []byte(secret)) || string(out.Payloads[0].Metadata["encoding"]) != "json/plain" {
		t.Errorf("decode = %d %s (%v)", resp.StatusCode, b, err)
	}
}
