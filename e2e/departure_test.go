package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDepartureDisablesTheAccountAfterARetry runs a departure that takes
// effect at once against the real binary: the first try at disabling the
// account fails, the second succeeds, and the employee can no longer use
// the help desk. A departure takes effect at 16:00 Oslo on the last
// working day, which must not be in the past, so this runs only after
// 16:00 Oslo; the time-skipping workflow tests prove the same at any
// hour (workflows/people_test.go). With BRUKERHJELP_RECORD_HISTORY it
// records the case's history for the replay tests
// (departure_retried_history.json).
func TestDepartureDisablesTheAccountAfterARetry(t *testing.T) {
	oslo := mustOslo(t)
	now := time.Now().In(oslo)
	if now.Hour() < 16 {
		t.Skip("a departure takes effect at 16:00 Oslo on the last working day; it is " + now.Format("15:04") + " there")
	}
	s := startDev(t, t.TempDir(), ports{http: freePort(t), temporal: freePort(t)})
	s.expect(t, 200, "GET", "/api/v1/cases", "ola", nil)
	var d orderCaseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", map[string]any{"kind": "departure", "employee": "ola",
		"lastWorkingDay": now.Format(time.DateOnly), "mailboxForwardTo": "kari"}).decode(t, &d)
	task := func(n int, typ string) taskJSON {
		t.Helper()
		var c orderCaseJSON
		waitUntil(t, "task "+typ, func() bool {
			s.expect(t, 200, "GET", "/api/v1/cases/"+d.Reference, "kari", nil).decode(t, &c)
			return len(c.Tasks) >= n
		})
		if got := c.Tasks[n-1]; got.Type != typ || got.Status != "open" {
			t.Fatalf("task %d = %+v, want %s open", n, got, typ)
		}
		return c.Tasks[n-1]
	}
	first := task(1, "disable-account")
	s.expect(t, 200, "POST", "/api/v1/tasks/"+first.ID+"/complete", "per", map[string]string{"outcome": "failed", "comment": "AD svarte ikke"})
	again := task(2, "disable-account-again")
	s.expect(t, 200, "POST", "/api/v1/tasks/"+again.ID+"/complete", "per", map[string]string{"outcome": "done"})
	mailbox := task(3, "mailbox")
	s.expect(t, 200, "POST", "/api/v1/tasks/"+mailbox.ID+"/complete", "per", map[string]string{"outcome": "done"})
	waitUntil(t, "the departure to be resolved", func() bool {
		var c caseJSON
		s.expect(t, 200, "GET", "/api/v1/cases/"+d.Reference, "kari", nil).decode(t, &c)
		return c.Status == "resolved"
	})
	if dir := os.Getenv("BRUKERHJELP_RECORD_HISTORY"); dir != "" {
		recordHistory(t, s, "case-"+d.ID, filepath.Join(dir, "departure_retried_history.json"))
	}
	s.expect(t, 401, "GET", "/api/v1/cases", "ola", nil)
}
