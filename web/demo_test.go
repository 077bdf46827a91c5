package web

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// TestServeDeadlineDemo serves, on BRUKERHJELP_DEMO_ADDR, the pages on
// the test engine with the clock at Wednesday 13:15 and a queue whose
// deadlines are in every state (past, under an hour, under 25 % left,
// fine, paused) and an outage: what a screenshot of the colour-coding
// needs, which the real binary shows only at the right hours. It serves
// for a minute; web/e2e/deadline-shots.mjs takes the screenshots. Without
// the variable it is skipped.
func TestServeDeadlineDemo(t *testing.T) {
	addr := os.Getenv("BRUKERHJELP_DEMO_ADDR")
	if addr == "" {
		t.Skip("set BRUKERHJELP_DEMO_ADDR=127.0.0.1:<port> to serve the deadline demo")
	}
	h, eng := newDeskHarness(t)
	ola, eva, per := h.browser(), h.browser(), h.browser()
	signIn := func() {
		ola.signIn("ola")
		eva.signIn("eva")
		per.signIn("per")
	}
	signIn()
	claim := func(ref string) { per.follow(per.post("/cases/"+ref+"/claim", per.get("/cases/"+ref), nil)) }
	// Monday 12 January 09:00.
	claim(openCase(t, ola, "Ny skjerm viser ikke bilde", "normal"))
	openCase(t, eva, "Tregt nett på møterommet", "low")
	asked := openCase(t, ola, "Excel krasjer ved lagring", "normal")
	claim(asked)
	per.follow(per.post("/cases/"+asked+"/request-info", per.get("/cases/"+asked), url.Values{"question": {"Hvilken fil, og hva står i feilmeldingen?"}}))
	h.clock.advance(49 * time.Hour) // Wednesday 10:00
	signIn()
	claim(openCase(t, eva, "E-post kommer ikke fram", "critical"))
	h.clock.advance(3 * time.Hour) // 13:00
	signIn()
	openCase(t, ola, "Skriveren i 2. etasje skriver blankt", "normal")
	h.clock.advance(15 * time.Minute)
	eng.publish(t, helpdesk.AnnouncementOutage, "E-post er treg for alle")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h.srv}
	go srv.Serve(l)
	time.Sleep(time.Minute)
	srv.Close()
}
