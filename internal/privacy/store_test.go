package privacy_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/esdbstore/esdbfake"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/eventstoretest"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
)

type world struct {
	dir   string
	inner eventstore.Store
	keys  *privacy.SQLKeys
	store *privacy.Store
	ring  *privacy.Keyring
}

func testRing(t *testing.T) *privacy.Keyring {
	t.Helper()
	ring, err := privacy.ParseKeyring(privacy.GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func openKeys(t *testing.T, dsn string, ring privacy.Wrapper) *privacy.SQLKeys {
	t.Helper()
	keys, err := privacy.OpenKeys(context.Background(), dsn, ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	return keys
}

// newWorld is the record on SQLite with its key store beside it.
func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	inner, err := sqlitestore.Open(filepath.Join(dir, "events.db"), sqlitestore.WithSynchronous(sqlitestore.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	return wrap(t, dir, inner)
}

// newESDBWorld is the record on the EventStoreDB model server.
func newESDBWorld(t *testing.T) *world {
	t.Helper()
	srv := esdbfake.New()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	inner, err := esdbstore.Open(srv.URL(), esdbstore.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	return wrap(t, t.TempDir(), inner)
}

func wrap(t *testing.T, dir string, inner eventstore.Store) *world {
	t.Helper()
	ring := testRing(t)
	keys := openKeys(t, filepath.Join(dir, "keys.db"), ring)
	s, err := privacy.New(inner, keys)
	if err != nil {
		t.Fatal(err)
	}
	return &world{dir: dir, inner: inner, keys: keys, store: s, ring: ring}
}

func event(t *testing.T, e helpdesk.Event, actor string) eventstore.EventData {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(helpdesk.Metadata{Actor: actor, OccurredAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), CorrelationID: "c-1"})
	return eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: meta}
}

const (
	secretTitle   = "Skriveren hos Zyxwa Qvistberg"
	secretBody    = "Passordet mitt er glemt, Zyxwa"
	secretFile    = "skjermbilde-zyxwa.png"
	secretSHA     = "5f2b1c0e9a7d4e3f8b6a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"
	otherTitle    = "Eva sin skjerm flimrer"
	caseA, caseB  = "0b6f9a4e-1111-4c2d-9e3f-00000000000a", "0b6f9a4e-2222-4c2d-9e3f-00000000000b"
	olaReporter   = "ola"
	attachmentsOf = "application/png"
)

// olasCase is an incident with everything personal a case can hold.
func olasCase(t *testing.T) []eventstore.EventData {
	return []eventstore.EventData{
		event(t, helpdesk.CaseOpened{CaseID: caseA, Reference: "BH-2026-000001", Kind: helpdesk.KindIncident, Title: secretTitle,
			Description: "Den skriver <ikke> & \"stopper\"", Reporter: olaReporter, CreatedBy: olaReporter, Group: "brukerhjelp",
			Attachments: []helpdesk.Attachment{{Name: secretFile, Type: attachmentsOf, Size: 1234, SHA256: secretSHA}}}, "ola"),
		event(t, helpdesk.CommentAdded{CommentID: "c1", Body: secretBody}, "ola"),
		event(t, helpdesk.CaseClaimed{Assignee: "per"}, "per"),
		event(t, helpdesk.CaseResolved{Resolution: "Nytt passord til Zyxwa"}, "per"),
		event(t, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed}, "ola"),
	}
}

func evasCase(t *testing.T) []eventstore.EventData {
	return []eventstore.EventData{event(t, helpdesk.CaseOpened{CaseID: caseB, Reference: "BH-2026-000002", Kind: helpdesk.KindIncident,
		Title: otherTitle, Description: "Siden i går", Reporter: "eva", CreatedBy: "eva", Group: "brukerhjelp"}, "eva")}
}

func appendAll(t *testing.T, s eventstore.Store, stream string, evs []eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), stream, eventstore.NoStream(), evs...)
	if err != nil {
		t.Fatalf("Append(%s) = %v", stream, err)
	}
	return res
}

// TestReadersSeeWhatWasAppended: through the store every reader gets the
// events byte for byte as they were appended — ReadStream, ReadAll and a
// subscription — while the inner store holds no personal text.
func TestReadersSeeWhatWasAppended(t *testing.T) {
	for name, newW := range map[string]func(*testing.T) *world{"sqlite": newWorld, "esdb-model": newESDBWorld} {
		t.Run(name, func(t *testing.T) {
			w := newW(t)
			ctx := context.Background()
			want := olasCase(t)
			appendAll(t, w.store, helpdesk.Stream(caseA), want)

			same := func(how string, got []eventstore.RecordedEvent) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s: %d events, want %d", how, len(got), len(want))
				}
				for i, e := range got {
					if !bytes.Equal(e.Data, want[i].Data) || !bytes.Equal(e.Metadata, want[i].Metadata) {
						t.Errorf("%s event %d reads\n %s %s\nwant\n %s %s", how, i, e.Data, e.Metadata, want[i].Data, want[i].Metadata)
					}
				}
			}
			got, err := w.store.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			same("ReadStream", got)
			all, err := w.store.ReadAll(ctx, 0, 0, eventstore.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			same("ReadAll", all)
			sub, err := w.store.Subscribe(ctx, 0, eventstore.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			var live []eventstore.RecordedEvent
			for range want {
				rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				e, err := sub.Recv(rctx)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				live = append(live, e)
			}
			same("Subscribe", live)

			raw, err := w.inner.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range raw {
				for _, secret := range []string{"Zyxwa", secretFile, secretSHA, "stopper"} {
					if bytes.Contains(e.Data, []byte(secret)) {
						t.Errorf("the stored %s holds %q in clear: %s", e.Type, secret, e.Data)
					}
				}
			}
			if !bytes.Contains(raw[0].Data, []byte(`"reporter":"ola"`)) || !bytes.Contains(raw[0].Data, []byte(`"size":1234`)) {
				t.Errorf("identifiers and sizes are no personal text, yet stored as %s", raw[0].Data)
			}
			if bytes.Contains(raw[2].Metadata, []byte("$pii")) {
				t.Errorf("CaseClaimed holds nothing personal, yet is marked: %s", raw[2].Metadata)
			}
		})
	}
}

// TestARetriedAppendIsTheSameAppend: the same events at the same expected
// revision are a retry on both backends — the encryption gives the same
// bytes — and other content under a used ID is still refused.
func TestARetriedAppendIsTheSameAppend(t *testing.T) {
	for name, newW := range map[string]func(*testing.T) *world{"sqlite": newWorld, "esdb-model": newESDBWorld} {
		t.Run(name, func(t *testing.T) {
			w := newW(t)
			ctx := context.Background()
			evs := olasCase(t)
			first := appendAll(t, w.store, helpdesk.Stream(caseA), evs)
			again, err := w.store.Append(ctx, helpdesk.Stream(caseA), eventstore.NoStream(), evs...)
			if err != nil || again != first {
				t.Fatalf("retried append = %+v, %v; want %+v", again, err, first)
			}
			stored, _ := w.inner.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
			if len(stored) != len(evs) {
				t.Fatalf("the retry wrote: %d events", len(stored))
			}
			next := event(t, helpdesk.CommentAdded{CommentID: "c2", Body: "Takk"}, "ola")
			if _, err := w.store.Append(ctx, helpdesk.Stream(caseA), first.NextExpected, next); err != nil {
				t.Fatal(err)
			}
			other := next
			other.Data, _ = json.Marshal(helpdesk.CommentAdded{CommentID: "c2", Body: "Takk, Zyxwa"})
			if _, err := w.store.Append(ctx, helpdesk.Stream(caseA), first.NextExpected, other); !errors.Is(err, eventstore.ErrIDConflict) {
				t.Errorf("other text under a used ID = %v, want ErrIDConflict", err)
			}
		})
	}
}

// TestSameTextOtherNonce: the same text in two fields or events does not
// give the same ciphertext, so equal texts cannot be spotted.
func TestSameTextOtherNonce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := event(t, helpdesk.CommentAdded{CommentID: "c1", Body: "Hei"}, "ola")
	b := event(t, helpdesk.CommentAdded{CommentID: "c2", Body: "Hei"}, "ola")
	if _, err := w.store.Append(ctx, "case-x", eventstore.NoStream(), a, b); err != nil {
		t.Fatal(err)
	}
	raw, _ := w.inner.ReadStream(ctx, "case-x", 0, 0)
	body := func(e eventstore.RecordedEvent) string {
		var c helpdesk.CommentAdded
		json.Unmarshal(e.Data, &c)
		return c.Body
	}
	if body(raw[0]) == body(raw[1]) || body(raw[0]) == "Hei" {
		t.Errorf("two comments saying Hei are stored as %q and %q", body(raw[0]), body(raw[1]))
	}
}

// TestErasingACase: once a case's key is destroyed its personal fields
// read as [slettet] everywhere, the fold still works and says so, the
// hash chain verifies, another case is untouched, and neither events.db
// nor keys.db holds the text or the key any more.
func TestErasingACase(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	appendAll(t, w.store, helpdesk.Stream(caseA), olasCase(t))
	appendAll(t, w.store, helpdesk.Stream(caseB), evasCase(t))
	wrapped := wrappedKey(t, filepath.Join(w.dir, "keys.db"), helpdesk.Stream(caseA)+"/1")
	ins, err := w.store.Inspect(ctx, helpdesk.Stream(caseA))
	wantFields := []string{"CaseOpened.attachments[].name", "CaseOpened.attachments[].sha256", "CaseOpened.description", "CaseOpened.title",
		"CaseResolved.resolution", "CommentAdded.body"}
	if err != nil || ins.Encrypted != 3 || ins.Unencrypted != 0 || !slices.Equal(ins.Fields, wantFields) || len(ins.Keys) != 1 {
		t.Errorf("Inspect = %+v, %v; want 3 events holding %v", ins, err, wantFields)
	}

	ids, err := w.keys.Erase(ctx, helpdesk.Stream(caseA), "retention")
	if err != nil || len(ids) != 1 || ids[0] != helpdesk.Stream(caseA)+"/1" {
		t.Fatalf("Erase = %v, %v", ids, err)
	}
	if again, err := w.keys.Erase(ctx, helpdesk.Stream(caseA), "retention"); err != nil || len(again) != 0 {
		t.Errorf("erasing again = %v, %v; want nothing to do", again, err)
	}
	evs, err := w.store.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
	if err != nil {
		t.Fatalf("reading an erased case: %v", err)
	}
	c, err := audit.Fold(evs)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != helpdesk.Erased || c.Description != helpdesk.Erased || c.Comments[0].Body != helpdesk.Erased ||
		c.Resolution != helpdesk.Erased || c.Attachments[0].Name != helpdesk.Erased || c.Attachments[0].SHA256 != helpdesk.Erased {
		t.Errorf("the erased case folds to %+v", c)
	}
	if c.Reporter != "ola" || c.Status != helpdesk.StatusClosed || c.Attachments[0].Size != 1234 || c.Assignee != "per" {
		t.Errorf("what is not personal went too: %+v", c)
	}
	var m helpdesk.Metadata
	if err := json.Unmarshal(evs[0].Metadata, &m); err != nil || m.Actor != "ola" || m.CorrelationID != "c-1" {
		t.Errorf("metadata after erasure: %s (%v)", evs[0].Metadata, err)
	}
	for _, s := range []string{helpdesk.Stream(caseA), helpdesk.Stream(caseB)} {
		if v, err := w.store.Verify(ctx, s); err != nil || !v.OK {
			t.Errorf("Verify(%s) after erasure = %+v, %v", s, v, err)
		}
	}
	if v, err := w.store.VerifyAll(ctx); err != nil || !v.OK {
		t.Errorf("VerifyAll after erasure = %+v, %v", v, err)
	}
	eva, _ := w.store.ReadStream(ctx, helpdesk.Stream(caseB), 0, 0)
	if ec, _ := audit.Fold(eva); ec.Title != otherTitle {
		t.Errorf("eva's case reads %q after ola's erasure", ec.Title)
	}

	// A new event on the scope gets a new key; the old text stays gone.
	late := event(t, helpdesk.LegalHoldSet{CaseID: caseA, Reason: "Ny sak om Zyxwa"}, "dina")
	if _, err := w.store.Append(ctx, helpdesk.LegalHoldStream(caseA), eventstore.NoStream(), late); err != nil {
		t.Fatal(err)
	}
	hold, _ := w.store.ReadStream(ctx, helpdesk.LegalHoldStream(caseA), 0, 0)
	if !bytes.Contains(hold[0].Data, []byte("Ny sak om Zyxwa")) {
		t.Errorf("a field written after the erasure reads %s", hold[0].Data)
	}
	if k, err := w.keys.Current(ctx, helpdesk.Stream(caseA)); err != nil || k.ID != helpdesk.Stream(caseA)+"/2" {
		t.Errorf("the key after erasure = %v, %v; want generation 2", k.ID, err)
	}

	// Nothing left on disk: the text never was, the key is overwritten.
	w.keys.Close()
	if c, ok := w.inner.(interface{ Close() error }); ok {
		c.Close()
	}
	files, _ := filepath.Glob(filepath.Join(w.dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Zyxwa Qvistberg", secretBody, secretFile, secretSHA} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q", filepath.Base(f), secret)
			}
		}
		if bytes.Contains(b, wrapped) {
			t.Errorf("%s still holds the erased key, wrapped", filepath.Base(f))
		}
	}
}

// wrappedKey reads a data key as the key store keeps it.
func wrappedKey(t *testing.T, path, id string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Into the database file itself, where a deleted row's bytes would
	// linger in a free block without secure_delete.
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var b []byte
	if err := db.QueryRow(`SELECT wrapped FROM privacy_data_keys WHERE id = ?`, id).Scan(&b); err != nil || len(b) < 32 {
		t.Fatalf("wrapped key %s: %d bytes, %v", id, len(b), err)
	}
	return b
}

// TestEventsRecordedBeforeEncryptionReadAsThey: an event appended to the
// record without the store (before this change) is read as it is.
func TestEventsRecordedBeforeEncryptionReadAsThey(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	old := olasCase(t)
	appendAll(t, w.inner, helpdesk.Stream(caseA), old)
	got, err := w.store.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range old {
		if !bytes.Equal(got[i].Data, old[i].Data) || !bytes.Equal(got[i].Metadata, old[i].Metadata) {
			t.Errorf("old event %d reads %s %s", i, got[i].Data, got[i].Metadata)
		}
	}
	if ins, err := w.store.Inspect(ctx, helpdesk.Stream(caseA)); err != nil || ins.Unencrypted != 3 || ins.Encrypted != 0 {
		t.Errorf("Inspect of an unencrypted case = %+v, %v; want 3 unencrypted", ins, err)
	}
	// Erasing has no key to destroy: the old text stays (the record
	// never changes), which the erasure says.
	if ids, err := w.keys.Erase(ctx, helpdesk.Stream(caseA), "x"); err != nil || len(ids) != 0 {
		t.Errorf("Erase of an unencrypted case = %v, %v", ids, err)
	}
}

// TestMetadataComesBackExactly: whatever shape the metadata had, a reader
// gets it back, and the reserved marker cannot be smuggled in.
func TestMetadataComesBackExactly(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	body, _ := json.Marshal(helpdesk.CommentAdded{CommentID: "c", Body: "hemmelig"})
	for i, meta := range []string{"", "{}", "{ }", `{"actor":"ola"}`, `{"actor":"ola" }`, " {\"a\":[1,{\"b\":\"}\"}]}\n"} {
		stream := "case-meta-" + string(rune('a'+i))
		e := eventstore.EventData{ID: uuid.New(), Type: "CommentAdded", Data: body, Metadata: []byte(meta)}
		if meta == "" {
			e.Metadata = nil
		}
		if _, err := w.store.Append(ctx, stream, eventstore.NoStream(), e); err != nil {
			t.Fatalf("metadata %q: %v", meta, err)
		}
		got, err := w.store.ReadStream(ctx, stream, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[0].Metadata) != meta || !bytes.Equal(got[0].Data, body) {
			t.Errorf("metadata %q reads back as %q, data %s", meta, got[0].Metadata, got[0].Data)
		}
		raw, _ := w.inner.ReadStream(ctx, stream, 0, 0)
		if bytes.Contains(raw[0].Data, []byte("hemmelig")) {
			t.Errorf("metadata %q: the body is stored in clear", meta)
		}
	}
	e := eventstore.EventData{ID: uuid.New(), Type: "CaseClaimed", Data: []byte(`{}`), Metadata: []byte(`{"$pii":{"k":"case-x/1","f":["assignee"]}}`)}
	if _, err := w.store.Append(ctx, "case-smuggle", eventstore.NoStream(), e); !errors.Is(err, eventstore.ErrInvalidEvent) {
		t.Errorf("metadata with the reserved marker = %v, want ErrInvalidEvent", err)
	}
	bad := eventstore.EventData{ID: uuid.New(), Type: "CommentAdded", Data: body, Metadata: []byte(`nope`)}
	if _, err := w.store.Append(ctx, "case-bad", eventstore.NoStream(), bad); !errors.Is(err, eventstore.ErrInvalidEvent) {
		t.Errorf("metadata that is not JSON = %v, want ErrInvalidEvent", err)
	}
}

// TestALostKeyStoreIsAnOutageNotAnErasure: reading with a key store that
// never held the keys fails loudly instead of showing [slettet].
func TestALostKeyStoreIsAnOutageNotAnErasure(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	appendAll(t, w.store, helpdesk.Stream(caseA), olasCase(t))
	fresh := openKeys(t, filepath.Join(t.TempDir(), "keys.db"), w.ring)
	s, _ := privacy.New(w.inner, fresh)
	if _, err := s.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0); !errors.Is(err, privacy.ErrNoKey) {
		t.Errorf("reading with another key store = %v, want ErrNoKey", err)
	}
	// And with the wrong master key the data key does not unwrap.
	other := openKeys(t, filepath.Join(w.dir, "keys.db"), testRing(t))
	s, _ = privacy.New(w.inner, other)
	_, err := s.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
	if err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("reading with the wrong master key = %v", err)
	}
}

// TestConformance: the store passes the record's conformance suite, so
// it is a record like any other to whoever uses it.
func TestConformance(t *testing.T) {
	eventstoretest.Run(t, func(t *testing.T) eventstore.Store {
		return newWorld(t).store
	})
}

// TestATamperedFieldReadsUnreadable: someone changes an encrypted field in
// the database behind the store's back. The case still reads — that field
// as [uleselig], the rest as it was — and the chain says where.
func TestATamperedFieldReadsUnreadable(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	appendAll(t, w.store, helpdesk.Stream(caseA), olasCase(t))
	db, err := sql.Open("sqlite", filepath.Join(w.dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE events SET data = replace(data, '"resolution":"', '"resolution":"AAAA') WHERE stream = ? AND type = 'CaseResolved'`, helpdesk.Stream(caseA))
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tampering: %v, %d rows", err, n)
	}
	evs, err := w.store.ReadStream(ctx, helpdesk.Stream(caseA), 0, 0)
	if err != nil {
		t.Fatalf("reading a tampered case: %v", err)
	}
	c, err := audit.Fold(evs)
	if err != nil || c.Resolution != helpdesk.Unreadable || c.Title != secretTitle {
		t.Errorf("the tampered case folds to resolution %q, title %q (%v)", c.Resolution, c.Title, err)
	}
	if v, err := w.store.Verify(ctx, helpdesk.Stream(caseA)); err != nil || v.OK || v.FirstBadRevision == nil || *v.FirstBadRevision != 3 {
		t.Errorf("Verify after tampering = %+v, %v; want the CaseResolved event bad", v, err)
	}
}
