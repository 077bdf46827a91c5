package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy"
	"github.com/brukerhjelp/brukerhjelp/internal/privacy/codec"
)

// devCodec is the Temporal payload codec of a dev data dir (its
// master.key, or the environment's).
func devCodec(t *testing.T, dataDir string) *codec.Codec {
	t.Helper()
	ring, err := privacy.LoadKeyring(os.Getenv)
	if err != nil {
		b, rerr := os.ReadFile(filepath.Join(dataDir, privacy.DevMasterKeyFile))
		if rerr != nil {
			t.Fatalf("the data dir's master key: %v", rerr)
		}
		if ring, err = privacy.ParseKeyring(string(b)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := codec.New(ring)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openRecord reads a dev data dir's record as the help desk does: its
// personal data decrypted with the data dir's keys.
func openRecord(t *testing.T, dataDir string) (privacy.Reader, func()) {
	t.Helper()
	raw, err := sqlitestore.OpenReadOnly(filepath.Join(dataDir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys, ok, err := privacy.OpenDevKeys(context.Background(), dataDir, os.Getenv)
	if err != nil || !ok {
		raw.Close()
		t.Fatalf("the data dir's keys: %v (there: %v)", err, ok)
	}
	return privacy.NewReadOnly(raw, keys), func() { keys.Close(); raw.Close() }
}

// The secrets of Ola's case: none of them may be anywhere after Dina
// erased his data. Eva's case is not erased.
const (
	olaTitle      = "Skriveren til Zyxwa Qvistberg"
	olaText       = "Zyxwa sier at papiret krøller seg"
	olaComment    = "Intern merknad: Zyxwa ringte tre ganger"
	olaResolution = "Nytt fikseringsvalsesett til Zyxwa"
	olaFile       = "Zyxwa-logg: feil 0xPLONK\n"
	evaTitle      = "Evas skjerm Quorble flimrer"
)

// TestErasureLeavesNoTrace: after the data protection officer erases a
// person's data, their name and texts are in no file of the data dir —
// events.db, readmodel.db, temporal.db, the outbox, the attachments — the
// history and state show the erasure, audit verify still says ok, the
// workflows go on, and another person's case is untouched. Before it,
// Temporal's database never held the texts in clear (the codec), and an
// operator's tools decode them through the codec endpoints.
func TestErasureLeavesNoTrace(t *testing.T) {
	dataDir := t.TempDir()
	record := os.Getenv("BRUKERHJELP_RECORD_HISTORY")
	if record != "" {
		// An encrypted history for workflows/replay_codec_test.go, under a
		// test-only key kept beside it.
		key, err := filepath.Abs(filepath.Join("..", "workflows", "testdata", "encrypted", "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(privacy.EnvMasterKeyFile, key)
	}
	p := ports{http: freePort(t), temporal: freePort(t)}
	ui := freePort(t)
	s := startDev(t, dataDir, p, "--temporal-ui-port", fmt.Sprint(ui))

	// Ola's case, with a file, an internal note and a resolution; closed.
	var att struct {
		SHA256 string `json:"sha256"`
	}
	s.expect(t, 201, "POST", "/api/v1/attachments?name=zyxwa-logg.txt", "ola", olaFile).decode(t, &att)
	var ola caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "ola", map[string]any{"kind": "incident", "title": olaTitle, "description": olaText,
		"attachments": []map[string]string{{"sha256": att.SHA256, "name": "zyxwa-logg.txt"}}}).decode(t, &ola)
	s.expect(t, 200, "POST", "/api/v1/cases/"+ola.Reference+"/claim", "per", nil)
	s.expect(t, 200, "POST", "/api/v1/cases/"+ola.Reference+"/comment", "per", map[string]any{"body": olaComment, "internal": true})
	s.expect(t, 200, "POST", "/api/v1/cases/"+ola.Reference+"/resolve", "per", map[string]string{"resolution": olaResolution})
	s.expect(t, 200, "POST", "/api/v1/cases/"+ola.Reference+"/confirm", "ola", nil)
	var eva caseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "eva", map[string]any{"kind": "incident", "title": evaTitle, "description": "Siden i går"}).decode(t, &eva)
	// The mail about Ola's case is written.
	waitUntil(t, "mail to ola in the outbox", func() bool {
		files, _ := filepath.Glob(filepath.Join(dataDir, "outbox", "*.eml"))
		for _, f := range files {
			if b, _ := os.ReadFile(f); bytes.Contains(b, []byte("Ola Nordmann")) && bytes.Contains(b, []byte(ola.Reference)) {
				return true
			}
		}
		return false
	})

	// Temporal holds the cases' texts only encrypted, and the operators'
	// tools decode them: the dev Web UI's codec, and the API's for tor.
	h := fetchHistory(t, s, "case-"+eva.ID)
	raw, _ := protojson.Marshal(h)
	if bytes.Contains(raw, []byte("Quorble")) || !bytes.Contains(raw, []byte("YmluYXJ5L2VuY3J5cHRlZA")) { // "binary/encrypted"
		t.Errorf("eva's history is not encrypted")
	}
	input := h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
	body, _ := protojson.Marshal(input)
	for _, ep := range []struct{ url, token string }{
		{fmt.Sprintf("http://127.0.0.1:%d/codec/decode", ui), ""},
		{s.base + "/api/v1/codec/decode", "dev:tor"},
	} {
		req, _ := http.NewRequest("POST", ep.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if ep.token != "" {
			req.Header.Set("Authorization", "Bearer "+ep.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var decoded commonpb.Payloads
		if resp.StatusCode != 200 || protojson.Unmarshal(out, &decoded) != nil || len(decoded.Payloads) == 0 ||
			!bytes.Contains(decoded.Payloads[0].Data, []byte("Quorble")) {
			t.Errorf("%s does not decode the history: %d %s", ep.url, resp.StatusCode, out)
		}
	}
	s.expect(t, 403, "POST", "/api/v1/codec/decode", "per", string(body))
	if record != "" {
		writeHistory(t, fetchHistory(t, s, "case-"+ola.ID), filepath.Join(record, "encrypted", "incident_history.json"))
	}

	// The retention schedule is there.
	tc, err := client.Dial(client.Options{HostPort: s.temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	sched, err := tc.ScheduleClient().GetHandle(context.Background(), "brukerhjelp-retention").Describe(context.Background())
	if err != nil {
		t.Fatalf("the retention schedule: %v", err)
	}
	if a, ok := sched.Schedule.Action.(*client.ScheduleWorkflowAction); !ok || fmt.Sprint(a.Workflow) != "RetentionWorkflow" {
		t.Errorf("the retention schedule runs %+v", sched.Schedule.Action)
	}

	// Ola's case has ended, its workflow too.
	waitUntil(t, "ola's case workflow to finish", func() bool {
		d, err := tc.DescribeWorkflowExecution(context.Background(), "case-"+ola.ID, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	})

	// Ola's own data; Dina erases it.
	var data struct {
		Cases []struct {
			Case      caseJSON `json:"case"`
			OnRequest struct {
				Erase bool `json:"erase"`
			} `json:"onRequest"`
		} `json:"cases"`
	}
	s.expect(t, 200, "GET", "/api/v1/people/ola/data", "ola", nil).decode(t, &data)
	if len(data.Cases) != 1 || data.Cases[0].Case.Title != olaTitle || !data.Cases[0].OnRequest.Erase {
		t.Fatalf("ola's data: %+v", data)
	}
	s.expect(t, 403, "GET", "/api/v1/people/ola/data", "eva", nil)
	var rep struct {
		Erased []struct {
			Reference string   `json:"reference"`
			Rule      string   `json:"rule"`
			Fields    []string `json:"fields"`
			Mails     int      `json:"mails"`
			Files     int      `json:"files"`
			Histories int      `json:"histories"`
		} `json:"erased"`
		Kept []any `json:"kept"`
	}
	s.expect(t, 200, "POST", "/api/v1/people/ola/erase", "dina", nil).decode(t, &rep)
	if len(rep.Erased) != 1 || rep.Erased[0].Reference != ola.Reference || rep.Erased[0].Rule != "request" || rep.Erased[0].Files != 1 ||
		rep.Erased[0].Mails == 0 || rep.Erased[0].Histories != 1 || len(rep.Kept) != 0 {
		t.Fatalf("the erasure: %+v", rep)
	}

	// History and state show the erasure; the chain verifies.
	var history []eventJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+ola.Reference+"/history", "siri", nil).decode(t, &history)
	last := history[len(history)-1]
	if last.Type != "PersonalDataErased" || last.Actor != "dina" || !strings.Contains(string(history[0].Data), `"title":"[slettet]"`) {
		t.Errorf("the history after the erasure: last %s by %s, first %s", last.Type, last.Actor, history[0].Data)
	}
	var state struct {
		Case struct {
			Title, Description, Resolution string
			Erasure                        *struct{ Rule string } `json:"erasure"`
		} `json:"case"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases/"+ola.Reference+"/state", "siri", nil).decode(t, &state)
	if state.Case.Title != "[slettet]" || state.Case.Resolution != "[slettet]" || state.Case.Erasure == nil || state.Case.Erasure.Rule != "request" {
		t.Errorf("the state after the erasure: %+v", state.Case)
	}
	var verify struct{ OK bool }
	s.expect(t, 200, "GET", "/api/v1/audit/verify", "siri", nil).decode(t, &verify)
	if !verify.OK {
		t.Error("audit verify after the erasure is not ok")
	}
	s.expect(t, 404, "GET", "/api/v1/cases/"+ola.Reference+"/attachments/"+att.SHA256, "ola", nil)
	var evaNow caseJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+eva.Reference, "eva", nil).decode(t, &evaNow)
	if evaNow.Title != evaTitle {
		t.Errorf("eva's case after ola's erasure: %q", evaNow.Title)
	}
	waitUntil(t, "the read model to forget ola's title", func() bool {
		r := s.do(t, "GET", "/api/v1/cases?q=zyxwa", "siri", nil)
		return r.status == 200 && !bytes.Contains(r.body, []byte(ola.Reference))
	})
	// Temporal deletes the case's histories (in the background, within
	// some seconds).
	deleted := time.Now()
	for {
		_, err := tc.DescribeWorkflowExecution(context.Background(), "case-"+ola.ID, "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			t.Logf("temporal deleted ola's case workflow in %v", time.Since(deleted).Round(time.Second))
			break
		}
		if time.Since(deleted) > 2*time.Minute {
			t.Fatalf("temporal has not deleted ola's case workflow after two minutes: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// Eva's workflow still replays and goes on after a restart.
	if err := s.stop(); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, s.output())
	}
	secrets := []string{"Zyxwa", "Qvistberg", olaText, olaComment, olaResolution, "0xPLONK", "Ola Nordmann"}
	var found []string
	filepath.Walk(dataDir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				found = append(found, fmt.Sprintf("%s holds %q", strings.TrimPrefix(path, dataDir), sec))
			}
		}
		// Eva's case lives on, encrypted in the record and Temporal.
		if name := filepath.Base(path); (strings.HasPrefix(name, "events.db") || strings.HasPrefix(name, "temporal.db")) && bytes.Contains(b, []byte("Quorble")) {
			found = append(found, name+" holds eva's title in clear")
		}
		return nil
	})
	for _, f := range found {
		t.Error(f)
	}
	if out, code := auditCLI(t, "verify", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "OK") {
		t.Errorf("brukerhjelp audit verify after the erasure: exit %d %s", code, out)
	}
	if out, code := auditCLI(t, "replay", ola.Reference, "--data-dir", dataDir); code != 0 || !strings.Contains(out, `"title": "[slettet]"`) {
		t.Errorf("brukerhjelp audit replay after the erasure: exit %d %s", code, out)
	}

	s = startDev(t, dataDir, ports{http: freePort(t), temporal: freePort(t)})
	var claimed caseJSON
	s.expect(t, 200, "POST", "/api/v1/cases/"+eva.Reference+"/claim", "lise", nil).decode(t, &claimed)
	if claimed.Title != evaTitle || claimed.Assignee != "lise" || claimed.Status != "in-progress" {
		t.Errorf("eva's case after the restart: %+v", claimed)
	}
	var again caseJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+ola.Reference, "ola", nil).decode(t, &again)
	if again.Title != "[slettet]" || again.Status != "closed" {
		t.Errorf("ola's erased case after the restart: %+v", again)
	}
	// A step on the erased case is refused: it is finished, its workflow gone.
	if r := s.do(t, "POST", "/api/v1/cases/"+ola.Reference+"/comment", "ola", map[string]string{"body": "hei"}); r.status != 409 {
		t.Errorf("a comment on the erased case: %d %s", r.status, r.body)
	}
}
