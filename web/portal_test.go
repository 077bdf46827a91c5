package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/internal/readmodel"
)

// deskHarness is the door with the application layer on the test engine:
// pages that open and step cases.
func newDeskHarness(t *testing.T) (*harness, *engine) {
	t.Helper()
	var eng *engine
	h := newHarness(t, func(c *Config) {
		now := c.Now
		eng = newEngine(t, now)
		c.Desk, c.Store = eng.desk(t, c.Directory), eng.store
	})
	return h, eng
}

// post sends a form as the page would: with the CSRF token of page.
func (b *browser) post(path string, page answer, form url.Values) answer {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", csrf(b.h.t, page))
	return b.do(http.MethodPost, path, form)
}

// multipart sends a form with files (name → content) as the page would.
func (b *browser) multipart(path string, page answer, form url.Values, files map[string][]byte) answer {
	b.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf(b.h.t, page))
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, content := range files {
		fw, _ := mw.CreateFormFile("attachments", name)
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.h.http.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// follow is the page a 303 sends the browser to.
func (b *browser) follow(p answer) answer {
	b.h.t.Helper()
	if p.status != http.StatusSeeOther {
		b.h.t.Fatalf("got %d, want a 303; body:\n%s", p.status, p.body)
	}
	return b.get(p.header.Get("Location"))
}

var referenceRe = regexp.MustCompile(`data-field="reference" data-value="(BH-\d{4}-\d{6})"`)

func reference(t *testing.T, p answer) string {
	t.Helper()
	m := referenceRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no reference on the page:\n%s", p.body)
	}
	return m[1]
}

func statusOf(t *testing.T, p answer) string {
	t.Helper()
	m := regexp.MustCompile(`data-field="status" data-value="([a-z-]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no status on the page:\n%s", p.body)
	}
	return m[1]
}

// noMissingTexts fails on a page that shows a text key instead of a text.
func noMissingTexts(t *testing.T, p answer) {
	t.Helper()
	if m := regexp.MustCompile(`\?\?[a-zA-Z0-9.\-]+\?\?`).FindAllString(p.body, -1); m != nil {
		t.Errorf("the page shows missing texts %v", m)
	}
}

// TestAnEmployeeReportsAFaultAndTheDeskSolvesIt is the portal's story
// with plain forms: ola reports, per claims and asks, ola answers, per
// resolves, ola confirms.
func TestAnEmployeeReportsAFaultAndTheDeskSolvesIt(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola, per := h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")

	form := ola.get("/cases/new?kind=incident")
	expect(t, form, http.StatusOK, `action="/cases/new?kind=incident"`, `enctype="multipart/form-data"`, `name="title"`,
		`name="description"`, `name="service"`, `name="priority"`, `name="attachments"`, "Hva står det på skjermen", "10 MiB")
	noMissingTexts(t, form)
	if strings.Contains(form.body, `name="onBehalfOf"`) {
		t.Error("an employee is offered to report on behalf of others")
	}
	p := ola.multipart("/cases/new?kind=incident", form, url.Values{"title": {"Skriveren skriver ikke"},
		"description": {"Skriveren i 3. etasje sier «Papirstopp» siden i morges."}, "service": {"skriver"}, "priority": {"high"},
		"idempotencyKey": {"0b7e7c52-3f0e-4c7a-8f64-7f3c1d0e9a21"}}, map[string][]byte{"feil.txt": []byte("Papirstopp i skuff 2\n")})
	page := ola.follow(p)
	ref := reference(t, page)
	expect(t, page, http.StatusOK, "Skriveren skriver ikke", "feil.txt", "Svar innen", "Ola Nordmann meldte saken via nettsiden.")
	noMissingTexts(t, page)
	if got := statusOf(t, page); got != "new" {
		t.Errorf("the new case is %s", got)
	}
	// The file downloads from the case page, and only for those who see the case.
	m := regexp.MustCompile(`href="(/cases/` + ref + `/attachments/[0-9a-f]{64})"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no link to the attachment:\n%s", page.body)
	}
	file := ola.get(m[1])
	if file.status != http.StatusOK || file.body != "Papirstopp i skuff 2\n" || !strings.HasPrefix(file.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the attachment: %d %q %v", file.status, file.body, file.header)
	}
	eva := h.browser()
	eva.signIn("eva")
	if p := eva.get(m[1]); p.status != http.StatusNotFound {
		t.Errorf("eva downloads ola's attachment: %d", p.status)
	}
	if p := eva.get("/cases/" + ref); p.status != http.StatusNotFound {
		t.Errorf("eva reads ola's case: %d", p.status)
	}

	// ola's home lists it with what the desk waits for.
	expect(t, ola.get("/"), http.StatusOK, ref, "En saksbehandler tar saken snart.")

	// per claims it and asks a question.
	casePage := per.get("/cases/" + ref)
	expect(t, casePage, http.StatusOK, `action="/cases/`+ref+`/claim"`, `action="/cases/`+ref+`/assign"`)
	noMissingTexts(t, casePage)
	p = per.post("/cases/"+ref+"/claim", casePage, nil)
	casePage = per.follow(p)
	expect(t, casePage, http.StatusOK, "Du har tatt saken.", "Per Johansen tok saken.", `action="/cases/`+ref+`/request-info"`)
	if got := statusOf(t, casePage); got != "in-progress" {
		t.Errorf("after the claim the case is %s", got)
	}
	p = per.post("/cases/"+ref+"/request-info", casePage, url.Values{"question": {"Hvilken skriver er det, og hva står på etiketten?"}})
	casePage = per.follow(p)
	if got := statusOf(t, casePage); got != "waiting-for-user" {
		t.Errorf("after the question the case is %s", got)
	}

	// ola sees the question at the top and answers it.
	page = ola.get("/cases/" + ref)
	expect(t, page, http.StatusOK, "Brukerhjelpen venter på svar fra deg", "Hvilken skriver er det", `action="/cases/`+ref+`/reply"`)
	p = ola.multipart("/cases/"+ref+"/reply", page, url.Values{"body": {"HP LaserJet, etikett PRN-3-04."}}, nil)
	page = ola.follow(p)
	expect(t, page, http.StatusOK, "Svaret ditt er sendt.", "HP LaserJet, etikett PRN-3-04.")

	// per resolves it; ola confirms.
	casePage = per.get("/cases/" + ref)
	p = per.post("/cases/"+ref+"/resolve", casePage, url.Values{"resolution": {"Byttet valsen i skuff 2."}})
	per.follow(p)
	page = ola.get("/cases/" + ref)
	expect(t, page, http.StatusOK, "Saken er løst", "Byttet valsen i skuff 2.", `action="/cases/`+ref+`/confirm"`, `action="/cases/`+ref+`/reopen"`)
	p = ola.post("/cases/"+ref+"/confirm", page, nil)
	page = ola.follow(p)
	if got := statusOf(t, page); got != "closed" {
		t.Errorf("after the confirmation the case is %s", got)
	}
	expect(t, page, http.StatusOK, "Ola Nordmann bekreftet at saken er løst.")
	if strings.Contains(page.body, `action="/cases/`+ref+`/`) {
		t.Error("a closed case still offers steps")
	}
}

// TestInternalNotesStayWithCaseworkers: the comment form makes the
// caseworker choose, and the reporter never sees an internal note.
func TestInternalNotesStayWithCaseworkers(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola, per := h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")
	form := ola.get("/cases/new?kind=guidance")
	ref := reference(t, ola.follow(ola.multipart("/cases/new?kind=guidance", form, url.Values{"title": {"Dele kalender"},
		"description": {"Hvordan deler jeg kalenderen min med Eva?"}}, nil)))

	page := per.get("/cases/" + ref)
	expect(t, page, http.StatusOK, `name="internal" value="true"`, `name="internal" value="false"`, "Internt notat: bare saksbehandlere ser det")
	// Without a choice nothing is added, and the form says why beside the choice.
	p := per.multipart("/cases/"+ref+"/comment", page, url.Values{"body": {"Ola bruker ny Outlook"}}, nil)
	expect(t, p, http.StatusBadRequest, `id="field-comment-internal-error"`, "Velg om kommentaren er et internt notat eller til melderen",
		`href="#field-comment-internal"`, "Ola bruker ny Outlook")
	p = per.multipart("/cases/"+ref+"/comment", page, url.Values{"body": {"Ola bruker ny Outlook"}, "internal": {"true"}}, nil)
	expect(t, per.follow(p), http.StatusOK, "Internt notat fra Per Johansen", "Ola bruker ny Outlook")
	p = per.multipart("/cases/"+ref+"/comment", page, url.Values{"body": {"Jeg ringer deg i ettermiddag."}, "internal": {"false"}}, nil)
	per.follow(p)

	olas := ola.get("/cases/" + ref)
	expect(t, olas, http.StatusOK, "Jeg ringer deg i ettermiddag.")
	if strings.Contains(olas.body, "Ola bruker ny Outlook") || strings.Contains(olas.body, "Internt notat") {
		t.Errorf("ola sees the internal note:\n%s", olas.body)
	}
}

// TestARefusedStepIsToldBesideItsField: an empty resolution, and a claim
// a colleague beat, come back on the case page with the error beside the
// field and at the top, and change nothing.
func TestARefusedStepIsToldBesideItsField(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola, per, lise := h.browser(), h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")
	lise.signIn("lise")
	form := ola.get("/cases/new?kind=incident")
	ref := reference(t, ola.follow(ola.multipart("/cases/new?kind=incident", form, url.Values{"title": {"VPN"},
		"description": {"VPN faller ut hvert tiende minutt."}}, nil)))

	perPage, lisePage := per.get("/cases/"+ref), lise.get("/cases/"+ref)
	per.follow(per.post("/cases/"+ref+"/claim", perPage, nil))
	p := lise.post("/cases/"+ref+"/claim", lisePage, nil)
	expect(t, p, http.StatusConflict, `class="ds-error-summary"`, `href="#field-claim-submit"`, `id="field-claim-submit"`, "Feil: VPN")
	if got := statusOf(t, p); got != "in-progress" {
		t.Errorf("the case is %s", got)
	}

	perPage = per.get("/cases/" + ref)
	p = per.post("/cases/"+ref+"/resolve", perPage, url.Values{"resolution": {"  "}})
	expect(t, p, http.StatusBadRequest, `href="#field-resolve-resolution"`, `id="field-resolve-resolution-error"`, `aria-invalid="true"`)
	if got := statusOf(t, p); got != "in-progress" {
		t.Errorf("an empty resolution changed the case to %s", got)
	}
	lise.lang = "en"
	p = lise.post("/cases/"+ref+"/resolve", lise.get("/cases/"+ref), url.Values{"resolution": {"Fixed"}})
	if p.status != http.StatusForbidden && p.status != http.StatusConflict {
		t.Errorf("lise resolves per's case: %d", p.status)
	}
	if !strings.Contains(p.body, `<html lang="en"`) {
		t.Error("the refusal is not in English")
	}
	if p := per.post("/cases/"+ref+"/explode", perPage, nil); p.status != http.StatusNotFound {
		t.Errorf("an unknown step: %d", p.status)
	}
}

// TestPhoneContactIsReportedForTheCaller: a caseworker registers a call
// for an employee picked from the directory.
func TestPhoneContactIsReportedForTheCaller(t *testing.T) {
	h, _ := newDeskHarness(t)
	per, eva := h.browser(), h.browser()
	per.signIn("per")
	eva.signIn("eva")
	form := per.get("/cases/new?kind=incident&channel=phone")
	expect(t, form, http.StatusOK, `name="onBehalfOf"`, `<option value="eva">Eva Hansen (eva)</option>`, `value="phone" id="field-channel" checked`)
	expect(t, form, http.StatusOK, "<h1 class=\"ds-heading\" data-size=\"lg\">Registrer en telefonhenvendelse</h1>")
	if strings.Contains(form.body, `<option value="siri">`) {
		t.Error("an auditor is offered as a caller")
	}
	// A call is someone's: without the caller it is sent back.
	p := per.multipart("/cases/new?kind=incident&channel=phone", form, url.Values{"title": {"Låst"}, "description": {"Kontoen er låst."},
		"channel": {"phone"}}, nil)
	expect(t, p, http.StatusBadRequest, `href="#field-onBehalfOf"`, "Velg hvem som ringte")
	page := per.follow(per.multipart("/cases/new?kind=incident&channel=phone", form, url.Values{"title": {"Får ikke logget inn"},
		"description": {"Eva ringte: kontoen er låst etter tre forsøk."}, "onBehalfOf": {"eva"}, "channel": {"phone"}}, nil))
	ref := reference(t, page)
	expect(t, page, http.StatusOK, "Per Johansen registrerte saken for Eva Hansen (via telefon).")
	expect(t, eva.get("/cases/"+ref), http.StatusOK, "Får ikke logget inn")
	expect(t, eva.get("/"), http.StatusOK, ref)
}

// TestNewCaseFormsSayWhatIsWrongBesideTheField: a form without a title
// comes back with the error beside it and at the top; nothing is opened.
func TestNewCaseFormsSayWhatIsWrongBesideTheField(t *testing.T) {
	h, eng := newDeskHarness(t)
	ola := h.browser()
	ola.signIn("ola")
	form := ola.get("/cases/new?kind=incident")
	p := ola.multipart("/cases/new?kind=incident", form, url.Values{"description": {"Noe er galt"}},
		map[string][]byte{"skjerm.png": pngHeader, "virus.exe": []byte("MZ\x90\x00")})
	expect(t, p, http.StatusBadRequest, `href="#field-attachments"`, "virus.exe", `id="field-attachments-error"`)
	// The accepted file is kept for the next try.
	expect(t, p, http.StatusBadRequest, `name="attachments" value="`, "skjerm.png", "Noe er galt")
	p = ola.multipart("/cases/new?kind=incident", form, url.Values{"description": {"Noe er galt"}}, nil)
	expect(t, p, http.StatusBadRequest, `href="#field-title"`, `id="field-title-error"`, "<title>Feil: Meld en feil – Brukerhjelp</title>")
	page, err := eng.rm.ListCases(t.Context(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("a refused form opened %d cases (%v)", len(page.Items), err)
	}
}

var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")

// TestHomeShowsNoticesFirstThenMyCases: the portal's home in both
// languages, outages before cases.
func TestHomeShowsNoticesFirstThenMyCases(t *testing.T) {
	h, eng := newDeskHarness(t)
	eng.publish(t, helpdesk.AnnouncementOutage, "E-post er nede")
	ola := h.browser()
	ola.signIn("ola")
	home := ola.get("/")
	expect(t, home, http.StatusOK, "Hei, Ola Nordmann!", "Driftsavbrudd: E-post er nede", "Du har ingen saker ennå.", `href="/cases/new?kind=order"`)
	if strings.Index(home.body, "E-post er nede") > strings.Index(home.body, `id="cases-heading"`) {
		t.Error("the outage is not above the cases")
	}
	noMissingTexts(t, home)
	ola.lang = "en"
	ola.get("/?lang=en")
	home = ola.get("/")
	expect(t, home, http.StatusOK, `<html lang="en"`, "Outage: E-post er nede", "You have no cases yet.")
	noMissingTexts(t, home)
}

// TestFilesOverTheLimitAreRefusedAsSuch: a form whose files exceed what
// one form may carry is told so (413), not that it was stale, and opens
// nothing.
func TestFilesOverTheLimitAreRefusedAsSuch(t *testing.T) {
	h, eng := newDeskHarness(t)
	ola := h.browser()
	ola.signIn("ola")
	form := ola.get("/cases/new?kind=incident")
	big := bytes.Repeat([]byte("a"), maxUpload+1)
	p := ola.multipart("/cases/new?kind=incident", form, url.Values{"title": {"Logg"}, "description": {"Se loggen"}}, map[string][]byte{"stor.log": big})
	expect(t, p, http.StatusRequestEntityTooLarge, "Filene er for store", "25 MiB")
	page, err := eng.rm.ListCases(t.Context(), readmodel.Filter{Visibility: readmodel.Visibility{All: true}})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("an oversized form opened %d cases (%v)", len(page.Items), err)
	}
}

// An outage still going on stays at the top of the announcements page
// however many notices were published after it: the page lists what is
// in effect first, then the latest of the rest.
func TestAnOldOutageStillGoingOnLeadsTheAnnouncements(t *testing.T) {
	h, eng := newDeskHarness(t)
	eng.publish(t, helpdesk.AnnouncementOutage, "ESA er nede")
	// Sixty maintenance windows told and over since: more than a page.
	for i := range 60 {
		h.clock.advance(time.Hour)
		id := uuid.NewString()
		end := h.clock.now().Add(30 * time.Minute)
		if err := eng.append(helpdesk.AnnouncementStream(id), "tor",
			helpdesk.Publish(id, helpdesk.AnnouncementRequest{Kind: helpdesk.AnnouncementMaintenance, Title: fmt.Sprintf("Vedlikehold nr. %d", i)}, h.clock.now(), &end),
			helpdesk.AnnouncementEnded{}); err != nil {
			t.Fatal(err)
		}
	}
	ola := h.browser()
	ola.signIn("ola")
	list := ola.get("/announcements")
	expect(t, list, http.StatusOK, "Akkurat nå", "Driftsavbrudd: ESA er nede", "Vedlikehold nr. 59")
	if strings.Index(list.body, "ESA er nede") > strings.Index(list.body, "Vedlikehold nr. 59") {
		t.Error("the outage going on is not listed before the notices that are over")
	}
	noMissingTexts(t, list)
}
