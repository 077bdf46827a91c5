package auditcli_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/audit"
	"github.com/brukerhjelp/brukerhjelp/internal/auditcli"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// t0 is when case 1 opened; each later event is a minute after the last.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// record appends case n the way the workflow does: its reference, then
// its events, each with actor and time in the metadata.
func record(t *testing.T, store eventstore.Store, n int, events ...helpdesk.Event) string {
	t.Helper()
	ctx := context.Background()
	caseID := fmt.Sprintf("7d3c5a0e-8f1b-4c2d-9e3f-%012d", n)
	ref := helpdesk.FormatReference(2026, uint64(n))
	at := t0.Add(time.Duration(n-1) * time.Hour)
	data := func(e helpdesk.Event) eventstore.EventData {
		d, _ := json.Marshal(e)
		m, _ := json.Marshal(helpdesk.Metadata{Actor: "per", OccurredAt: at})
		at = at.Add(time.Minute)
		return eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: d, Metadata: m}
	}
	exp := eventstore.NoStream()
	if n > 1 {
		exp = eventstore.Exact(uint64(n - 2))
	}
	if _, err := store.Append(ctx, helpdesk.ReferenceStream(2026), exp, data(helpdesk.ReferenceAllocated{CaseID: caseID, Reference: ref})); err != nil {
		t.Fatal(err)
	}
	at = t0.Add(time.Duration(n-1) * time.Hour)
	opened := helpdesk.CaseOpened{CaseID: caseID, Reference: ref, Kind: helpdesk.KindIncident, Title: "Skriveren virker ikke",
		Description: "Den blinker rødt", Priority: helpdesk.PriorityNormal, Channel: helpdesk.ChannelPortal,
		Reporter: "ola", CreatedBy: "ola", Group: helpdesk.FirstLineGroup}
	evs := []eventstore.EventData{data(opened)}
	for _, e := range events {
		evs = append(evs, data(e))
	}
	if _, err := store.Append(ctx, helpdesk.Stream(caseID), eventstore.NoStream(), evs...); err != nil {
		t.Fatal(err)
	}
	return caseID
}

func run(args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = auditcli.Run(context.Background(), args, &out, &errs)
	return code, out.String(), errs.String()
}

// TestAuditCommands runs replay, verify and export on a data dir whose
// events.db a writer keeps open (as a running dev would), then tampers
// with one stored event.
func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.db")
	store, err := sqlitestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	id1 := record(t, store, 1, // 09:00 opened, 09:01 claimed, 09:02 comment, 09:03 resolved
		helpdesk.CaseClaimed{Assignee: "per"},
		helpdesk.CommentAdded{CommentID: "c1", Body: "Byttet toner"},
		helpdesk.CaseResolved{Resolution: "Ny toner"})
	record(t, store, 2, helpdesk.CaseClaimed{Assignee: "lise"}) // 10:00, 10:01

	// replay: now, and as it was at 09:01:30, by reference or ID, flags after the reference.
	code, out, errs := run("replay", "BH-2026-000001", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("replay: %d %s", code, errs)
	}
	var got struct {
		AsOf    time.Time
		Case    helpdesk.Case
		History []audit.HistoryEvent
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Case.Status != helpdesk.StatusResolved || len(got.History) != 4 || got.History[3].Type != "CaseResolved" || got.History[3].Hash == "" {
		t.Errorf("replay now: status %s, %d events", got.Case.Status, len(got.History))
	}
	code, out, errs = run("replay", "--as-of", "2026-03-02T10:01:30+01:00", "--data-dir", dir, id1)
	if code != 0 {
		t.Fatalf("replay as of: %d %s", code, errs)
	}
	got.History = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Case.Status != helpdesk.StatusInProgress || got.Case.Assignee != "per" || len(got.Case.Comments) != 0 || len(got.History) != 2 {
		t.Errorf("replay as of 09:01:30 UTC: status %s assignee %s, %d comments, %d events; want in-progress by per, 0, 2",
			got.Case.Status, got.Case.Assignee, len(got.Case.Comments), len(got.History))
	}
	for _, tt := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"replay", "BH-2026-000001", "--as-of", "2026-03-02T08:00:00Z", "--data-dir", dir}, 1, "ingen sak"},
		{[]string{"replay", "BH-2026-000009", "--data-dir", dir}, 1, "no case"},
		{[]string{"replay", "BH-2026-000001", "--as-of", "i går", "--data-dir", dir}, 2, "RFC 3339"},
		{[]string{"replay", "--data-dir", dir}, 2, "one case reference"},
		{[]string{"replay", "BH-2026-000001", "--data-dir", t.TempDir()}, 3, "cannot read the event store"},
		{[]string{"export", "--from", "2026-03-03T00:00:00Z", "--to", "2026-03-02T00:00:00Z", "--data-dir", dir}, 2, "before"},
		{[]string{"shred"}, 2, "unknown command"},
	} {
		if code, _, errs := run(tt.args...); code != tt.code || !strings.Contains(errs, tt.says) {
			t.Errorf("%v: exit %d %q, want %d saying %q", tt.args, code, errs, tt.code, tt.says)
		}
	}

	// export: every event, or those recorded in a period, one JSON object a line.
	lines := func(out string) []audit.ExportLine {
		var ls []audit.ExportLine
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			var l audit.ExportLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%v: %s", err, sc.Text())
			}
			ls = append(ls, l)
		}
		return ls
	}
	code, out, errs = run("export", "--data-dir", dir)
	if all := lines(out); code != 0 || len(all) != 2+4+2 || all[0].Stream != "reference-2026" || all[7].Position != 8 {
		t.Fatalf("export: %d %s, %d lines", code, errs, len(all))
	}
	code, out, _ = run("export", "--data-dir", dir, "--from", time.Now().Add(time.Hour).Format(time.RFC3339))
	if code != 0 || len(lines(out)) != 0 {
		t.Errorf("export of the future: %d %s", code, out)
	}

	// verify: intact, then still intact after the writer appends more.
	if code, out, errs := run("verify", "--data-dir", dir); code != 0 || !strings.Contains(out, "8 events") {
		t.Errorf("verify: %d %s %s", code, out, errs)
	}
	record(t, store, 3)
	if code, out, _ := run("verify", "--data-dir", dir); code != 0 || !strings.Contains(out, "10 events") {
		t.Errorf("verify after the writer appended: %d %s", code, out)
	}

	// Someone edits the comment of case 1 in the file.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE events SET data = ? WHERE stream = ? AND revision = 2`,
		`{"commentId":"c1","body":"Ingenting ble gjort"}`, helpdesk.Stream(id1))
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tamper: %v", err)
	}
	code, out, _ = run("verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "stream "+helpdesk.Stream(id1)) || !strings.Contains(out, "first bad revision 2") {
		t.Errorf("verify of a tampered file: %d %s", code, out)
	}
}
