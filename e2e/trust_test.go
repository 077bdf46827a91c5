package e2e

import (
	"fmt"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

// TestTrustAtTheEdges runs the real binary: mail in refuses an
// unauthenticated sender with --smtp-trusted-relays none and takes the
// same message from loopback by default; the HTTP door refuses a
// new-user account task's output that is an existing user's name or no
// username, naming the field, and hostile text in a title.
func TestTrustAtTheEdges(t *testing.T) {
	dataDir := t.TempDir()
	p := ports{http: freePort(t), temporal: freePort(t)}
	smtpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	mail := func(id string) error {
		msg := "From: ola@fylke.example\r\nTo: brukerhjelp@fylke.example\r\nSubject: Skjermen flimrer " + id +
			"\r\nMessage-ID: <" + id + "@fylke.example>\r\n\r\nSkjermen min flimrer.\r\n"
		return smtp.SendMail(smtpAddr, nil, "ola@fylke.example", []string{"brukerhjelp@fylke.example"}, []byte(msg))
	}
	s := startDev(t, dataDir, p, "--smtp-addr", smtpAddr, "--smtp-trusted-relays", "none")
	if err := mail("e2e-1"); err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "5.7.26") {
		t.Fatalf("unauthenticated mail with no trusted relay: %v, want 550 5.7.26", err)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	s = startDev(t, dataDir, p, "--smtp-addr", smtpAddr)
	if err := mail("e2e-2"); err != nil {
		t.Fatalf("mail from loopback (trusted by default): %v", err)
	}
	var list struct {
		Items []caseJSON `json:"items"`
	}
	s.expect(t, 200, "GET", "/api/v1/cases?kind=incident", "ola", nil).decode(t, &list)
	titles := fmt.Sprint(list.Items)
	if !strings.Contains(titles, "Skjermen flimrer e2e-2") || strings.Contains(titles, "e2e-1") {
		t.Errorf("ola's cases after the two mails: %s", titles)
	}

	var prob problemJSON
	s.expect(t, 400, "POST", "/api/v1/cases", "ola", map[string]any{"kind": "incident", "title": "faktura\u202Efdp.exe",
		"description": "x"}).decode(t, &prob)
	if prob.Field != "title" {
		t.Errorf("a title with a direction override: %+v", prob)
	}
	start := time.Now().In(mustOslo(t)).AddDate(0, 0, 14).Format(time.DateOnly)
	var n orderCaseJSON
	s.expect(t, 201, "POST", "/api/v1/cases", "kari", map[string]any{"kind": "new-user",
		"employee": map[string]string{"givenName": "Kjell", "familyName": "Lærer"}, "unit": "opplaering", "jobTitle": "Lektor",
		"startDate": start}).decode(t, &n)
	task := "/api/v1/tasks/" + n.Tasks[0].ID + "/complete"
	for _, bad := range []string{"eva", "Kjell Lærer", "kjell\r\nx"} {
		prob = problemJSON{}
		s.expect(t, 400, "POST", task, "per", map[string]string{"outcome": "done", "output": bad}).decode(t, &prob)
		if prob.Field != "output" {
			t.Errorf("output %q: %+v, want 400 naming output", bad, prob)
		}
	}
	var after orderCaseJSON
	s.expect(t, 200, "GET", "/api/v1/cases/"+n.Reference, "kari", nil).decode(t, &after)
	if after.Tasks[0].Status != "open" {
		t.Errorf("the refused outputs changed the task: %+v", after.Tasks[0])
	}
	s.expect(t, 200, "POST", task, "per", map[string]string{"outcome": "done", "output": "kjell"})
}
