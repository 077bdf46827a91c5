package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/attachments"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

var screenshot = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)

// TestAttachmentsUploadAttachAndDownload: a file uploaded through the JSON
// API goes with a new incident (as the workflow is asked to record it),
// and the case's reporter downloads it; nobody else can.
func TestAttachmentsUploadAttachAndDownload(t *testing.T) {
	engine := &startRecorder{}
	files := &attachments.Store{Dir: t.TempDir()}
	ts := newServerWith(t, func(c *serverConfig) { c.Workflows, c.Attachments = engine, files })

	resp, b := call{method: "POST", path: "/api/v1/attachments?name=C:%5Ctmp%5Cfeil.png", token: "dev:ola",
		contentType: "image/png", body: string(screenshot)}.do(t, ts.Server)
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	var a helpdesk.Attachment
	if err := json.Unmarshal(b, &a); err != nil || a.Name != "feil.png" || a.Type != "image/png" || a.Size != int64(len(screenshot)) {
		t.Fatalf("upload answered %s (%v)", b, err)
	}

	body := `{"kind":"incident","title":"Feilmelding","description":"Se skjermbildet","attachments":[{"sha256":"` + a.SHA256 + `","name":"skjerm.png"}]}`
	resp, b = call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "application/json", body: body}.do(t, ts.Server)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	in := engine.last()
	want := helpdesk.Attachment{Name: "skjerm.png", Type: "image/png", Size: a.Size, SHA256: a.SHA256}
	if len(in.Attachments) != 1 || in.Attachments[0] != want {
		t.Fatalf("the workflow was asked to record %+v, want %+v", in.Attachments, want)
	}

	// The case as recorded, with its attachment.
	caseID := uuid.NewString()
	seedEvents(t, ts, helpdesk.ReferenceStream(2026), "brukerhjelp", time.Now(), helpdesk.ReferenceAllocated{CaseID: caseID, Reference: "BH-2026-000001"})
	seedEvents(t, ts, helpdesk.Stream(caseID), "ola", time.Now(), helpdesk.CaseOpened{CaseID: caseID, Reference: "BH-2026-000001",
		Kind: helpdesk.KindIncident, Title: "Feilmelding", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp", Attachments: []helpdesk.Attachment{want}})
	path := "/api/v1/cases/BH-2026-000001/attachments/" + a.SHA256
	resp, b = call{method: "GET", path: path, token: "dev:ola"}.do(t, ts.Server)
	if resp.StatusCode != 200 || !bytes.Equal(b, screenshot) {
		t.Fatalf("ola downloads: %d, %d bytes", resp.StatusCode, len(b))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "skjerm.png") ||
		resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("download headers: %v", resp.Header)
	}
	for _, c := range []call{
		{method: "GET", path: path, token: "dev:eva"},                                                                  // not her case
		{method: "GET", path: "/api/v1/cases/BH-2026-000001/attachments/" + strings.Repeat("0", 64), token: "dev:ola"}, // not this case's
	} {
		if resp, b := c.do(t, ts.Server); resp.StatusCode != 404 {
			t.Errorf("%s %s: %d %s, want 404", c.token, c.path, resp.StatusCode, b)
		}
	}
}

func TestAttachmentsRefusedWithTheFieldNamed(t *testing.T) {
	engine := &startRecorder{}
	ts := newServerWith(t, func(c *serverConfig) { c.Workflows, c.Attachments = engine, &attachments.Store{Dir: t.TempDir()} })
	tests := []struct {
		name   string
		call   call
		status int
		field  string
	}{
		{"an executable", call{method: "POST", path: "/api/v1/attachments?name=setup.exe", token: "dev:ola", body: "MZ\x90\x00" + strings.Repeat("\x01", 600)}, 400, "file"},
		{"over 10 MiB", call{method: "POST", path: "/api/v1/attachments?name=stor.log", token: "dev:ola", body: strings.Repeat("logglinje\n", attachments.MaxUpload/10+1)}, 413, ""},
		{"an auditor", call{method: "POST", path: "/api/v1/attachments?name=a.txt", token: "dev:siri", body: "hei"}, 403, ""},
		{"a file never uploaded", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "application/json",
			body: `{"kind":"incident","title":"x","description":"y","attachments":[{"sha256":"` + strings.Repeat("a", 64) + `"}]}`}, 400, "attachments"},
		{"an order with attachments", call{method: "POST", path: "/api/v1/cases", token: "dev:ola", contentType: "application/json",
			body: `{"kind":"order","title":"x","items":[{"catalogItem":"headset","quantity":1}],"costCenter":"opplaering","attachments":[]}`}, 400, "attachments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := tt.call.do(t, ts.Server)
			if resp.StatusCode != tt.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, b, tt.status)
			}
			var p Problem
			if err := json.Unmarshal(b, &p); err != nil || p.Field != tt.field {
				t.Errorf("problem %s, want field %q", b, tt.field)
			}
		})
	}
	if got := engine.last(); got.CaseID != "" {
		t.Errorf("a refused request reached the engine: %+v", got)
	}
}
