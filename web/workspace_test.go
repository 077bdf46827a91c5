package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// openCase opens an incident as username through the form.
func openCase(t *testing.T, b *browser, title, priority string) string {
	t.Helper()
	form := b.get("/cases/new?kind=incident")
	return reference(t, b.follow(b.multipart("/cases/new?kind=incident", form, url.Values{"title": {title},
		"description": {title + ", siden i morges."}, "priority": {priority}}, nil)))
}

// rows are the references of a list's rows, in order.
func rows(p answer) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr data-case="(BH-[0-9-]+)"`).FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestQueuesHoldWhatTheySay: mine, my groups' unassigned, waiting for the
// user, all open; sorted by deadline; searched.
func TestQueuesHoldWhatTheySay(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola, per := h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")
	low := openCase(t, ola, "Tregt nett", "low")
	h.clock.advance(time.Minute)
	critical := openCase(t, ola, "Alt er nede", "critical")
	h.clock.advance(time.Minute)
	held := openCase(t, ola, "Skjermen flimrer", "normal")
	per.follow(per.post("/cases/"+held+"/claim", per.get("/cases/"+held), nil))
	h.clock.advance(time.Minute)
	asked := openCase(t, ola, "Tastaturet", "normal")
	page := per.get("/cases/" + asked)
	per.follow(per.post("/cases/"+asked+"/claim", page, nil))
	per.follow(per.post("/cases/"+asked+"/request-info", per.get("/cases/"+asked), url.Values{"question": {"Hvilken tast?"}}))
	closed := openCase(t, ola, "Ferdig", "normal")
	ola.follow(ola.post("/cases/"+closed+"/cancel", ola.get("/cases/"+closed), url.Values{"reason": {"Løste seg"}}))

	home := per.get("/")
	for _, q := range []string{`/cases?assignee=per&amp;sort=due&amp;status=open`, `/cases?assignee=none&amp;group=brukerhjelp&amp;sort=due&amp;status=open`,
		`/cases?sort=due&amp;status=waiting-for-user`, `/cases?sort=due&amp;status=open`} {
		if !strings.Contains(home.body, `href="`+q+`"`) {
			t.Errorf("per's home does not link to the queue %s", q)
		}
	}
	noMissingTexts(t, home)

	mine := per.get("/cases?assignee=per&status=open&sort=due")
	expect(t, mine, http.StatusOK, `aria-current="page">Mine saker</a>`, `<h1 class="ds-heading" data-size="lg">Mine saker</h1>`)
	if got := rows(mine); !contains(got, held) || !contains(got, asked) || contains(got, low) {
		t.Errorf("per's queue holds %v", got)
	}
	free := rows(per.get("/cases?status=open&assignee=none&group=brukerhjelp&sort=due"))
	if !contains(free, low) || !contains(free, critical) || contains(free, held) || contains(free, closed) {
		t.Errorf("the unassigned queue holds %v", free)
	}
	// Soonest resolution deadline first: critical (4 h) before low (85 h).
	if strings.Join(free, " ") != critical+" "+low {
		t.Errorf("sorted by deadline: %v, want [%s %s]", free, critical, low)
	}
	waiting := per.get("/cases?status=waiting-for-user&sort=due")
	if got := rows(waiting); len(got) != 1 || got[0] != asked {
		t.Errorf("waiting for the user: %v", got)
	}
	expect(t, waiting, http.StatusOK, `data-due="paused"`, "På pause: venter på svar")
	all := rows(per.get("/cases?status=open&sort=due"))
	if len(all) != 4 || contains(all, closed) {
		t.Errorf("all open: %v", all)
	}
	open := per.get("/cases?status=open&sort=due")
	expect(t, open, http.StatusOK, `aria-sort="ascending"`, `href="/cases?status=open"`, "Kritisk", "Ola Nordmann", "Ikke tildelt")
	noMissingTexts(t, open)

	found := rows(per.get("/cases?q=" + url.QueryEscape("flimrer")))
	if len(found) != 1 || found[0] != held {
		t.Errorf("searching flimrer finds %v", found)
	}
	expect(t, per.get("/cases?q="+url.QueryEscape("ingenting-slikt")), http.StatusOK, "Ingen saker passer til «ingenting-slikt».")
	p := per.get("/cases?q=" + strings.Repeat("x", 201))
	expect(t, p, http.StatusBadRequest, `id="field-q-error"`, `href="#field-q"`)

	// ola's own list says what the help desk waits for.
	mineOla := ola.get("/cases")
	expect(t, mineOla, http.StatusOK, "<h1 class=\"ds-heading\" data-size=\"lg\">Mine saker</h1>", "Brukerhjelpen venter på svar fra deg.",
		"En saksbehandler tar saken snart.")
	if strings.Contains(mineOla.body, "bh-queues") {
		t.Error("an employee is shown the workspace's queues")
	}
}

// TestAnOrderIsCheckedBeforeItIsSent: the check shows the total and who
// must accept it; a changed order is checked again; an error in a row
// lands beside that row.
func TestAnOrderIsCheckedBeforeItIsSent(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola := h.browser()
	ola.signIn("ola")
	form := ola.get("/cases/new?kind=order")
	expect(t, form, http.StatusOK, `name="items[4].catalogItem" value="monitor-24"`, `name="items[6].description"`,
		`name="items[6].estimatedCostNOK"`, `<option value="opplaering" selected>Opplæring</option>`)
	noMissingTexts(t, form)
	if strings.Contains(form.body, `name="confirm" value="yes"`) {
		t.Error("the order can be sent before it is checked")
	}
	order := url.Values{"title": {"Hjemmekontor"}, "costCenter": {"opplaering"}, "items[4].catalogItem": {"monitor-24"},
		"items[4].quantity": {"2"}, "items[6].description": {"Hev-senk-pult"}, "items[6].estimatedCostNOK": {"7 500 kr"},
		"items[6].quantity": {"1"}, "idempotencyKey": {"5b0b7c52-3f0e-4c7a-8f64-7f3c1d0e9a21"}}
	check := ola.post("/cases/new?kind=order", form, order)
	expect(t, check, http.StatusOK, `data-field="total" data-value="12500"`, "Må godkjennes av budsjettansvarlig Kari Olsen.",
		`name="confirm" value="yes"`, "Hev-senk-pult", "utenfor katalogen")
	fp := regexp.MustCompile(`name="checked" value="([0-9a-f]+)"`).FindStringSubmatch(check.body)
	if fp == nil {
		t.Fatal("the check carries no fingerprint")
	}
	// Sent after a change the check did not see: checked again.
	changed := url.Values{}
	for k, v := range order {
		changed[k] = v
	}
	changed.Set("items[4].quantity", "3")
	changed.Set("confirm", "yes")
	changed.Set("checked", fp[1])
	p := ola.post("/cases/new?kind=order", form, changed)
	expect(t, p, http.StatusOK, "Du endret bestillingen", `data-field="total" data-value="15000"`)
	// Sent as checked: opened, awaiting the budget holder.
	order.Set("confirm", "yes")
	order.Set("checked", fp[1])
	page := ola.follow(ola.post("/cases/new?kind=order", form, order))
	if got := statusOf(t, page); got != "awaiting-approval" {
		t.Errorf("the order is %s", got)
	}
	expect(t, page, http.StatusOK, `data-field="total" data-value="12500"`, "Venter på godkjenning: «Godkjenn kostnaden» hos Kari Olsen.")

	// A quantity the desk refuses is told beside the row the user filled in.
	bad := url.Values{"title": {"Mange hodesett"}, "costCenter": {"opplaering"}, "items[1].catalogItem": {"headset"},
		"items[1].quantity": {"101"}}
	p = ola.post("/cases/new?kind=order", form, bad)
	expect(t, p, http.StatusBadRequest, `href="#field-items-1.quantity"`, `id="field-items-1.quantity-error"`)
	bad.Set("items[1].quantity", "to")
	expect(t, ola.post("/cases/new?kind=order", form, bad), http.StatusBadRequest, "Antall må være et helt tall")
	// A live check (htmx) prices what there is, without a title.
	live := ola.do(http.MethodPost, "/cases/new?kind=order", url.Values{"csrf": {csrf(t, form)}, "costCenter": {"opplaering"},
		"items[3].catalogItem": {"mobile-standard"}, "items[3].quantity": {"1"}}, "HX-Request", "true")
	expect(t, live, http.StatusOK, `data-field="total" data-value="6000"`, "trenger ingen godkjenning")
}

// TestAFulfilmentTaskIsCompletedFromTheCasePage: a caseworker of the
// task's group records it done, with its output; the case page says so.
func TestAFulfilmentTaskIsCompletedFromTheCasePage(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola, per := h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")
	form := ola.get("/cases/new?kind=order")
	order := url.Values{"title": {"Hodesett"}, "costCenter": {"opplaering"}, "items[1].catalogItem": {"headset"}, "items[1].quantity": {"1"}}
	check := ola.post("/cases/new?kind=order", form, order)
	order.Set("confirm", "yes")
	order.Set("checked", regexp.MustCompile(`name="checked" value="([0-9a-f]+)"`).FindStringSubmatch(check.body)[1])
	ref := reference(t, ola.follow(ola.post("/cases/new?kind=order", form, order)))
	if strings.Contains(ola.get("/cases/"+ref).body, `/complete"`) {
		t.Error("the reporter is offered to complete the fulfilment task")
	}

	page := per.get("/cases/" + ref)
	m := regexp.MustCompile(`action="/tasks/([^"]+)/complete"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("per is not offered the task:\n%s", page.body)
	}
	id := m[1]
	if !strings.Contains(page.body, `name="from" value="case"`) {
		t.Fatal("the case page's task form does not say it comes from the case")
	}
	// As the form sends it: from=case brings the answer back to the case.
	p := per.post("/tasks/"+id+"/complete", page, url.Values{"from": {"case"}, "output": {"Levert på kontor 3012"}})
	expect(t, p, http.StatusBadRequest, `href="#field-task-`+id+`-outcome"`)
	p = per.post("/tasks/"+id+"/complete", page, url.Values{"from": {"case"}, "outcome": {"done"}, "output": {"Levert på kontor 3012"}})
	page = per.follow(p)
	expect(t, page, http.StatusOK, "Oppgaven er registrert.", "Per Johansen fullførte «Lever utstyret».", "Levert på kontor 3012")
	if strings.Contains(page.body, `action="/tasks/`+id+`/complete"`) {
		t.Error("a completed task is still offered")
	}
}

// TestNotificationsAreCountedAndRead: the header counts the unread ones;
// reading them clears the count.
func TestNotificationsAreCountedAndRead(t *testing.T) {
	h, _ := newDeskHarness(t)
	ola, per := h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")
	ref := openCase(t, ola, "Printer", "normal")
	per.follow(per.post("/cases/"+ref+"/claim", per.get("/cases/"+ref), nil))
	per.follow(per.post("/cases/"+ref+"/resolve", per.get("/cases/"+ref), url.Values{"resolution": {"Byttet toner"}}))

	home := ola.get("/")
	unread := regexp.MustCompile(`data-field="notifications" data-value="(\d+)"`).FindStringSubmatch(home.body)
	if unread == nil || unread[1] == "0" {
		t.Fatalf("ola's header counts no unread notifications: %v", unread)
	}
	expect(t, home, http.StatusOK, `<span class="ds-sr-only"> uleste</span>`)
	list := ola.get("/notifications")
	expect(t, list, http.StatusOK, ref, `action="/notifications/read"`, "Merk som lest")
	noMissingTexts(t, list)
	id := regexp.MustCompile(`action="/notifications/([0-9a-f-]{36})/read"`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatal("no notification to mark read")
	}
	ola.follow(ola.post("/notifications/"+id[1]+"/read", list, nil))
	ola.follow(ola.post("/notifications/read", list, nil))
	expect(t, ola.get("/"), http.StatusOK, `data-field="notifications" data-value="0"`)
	if p := per.post("/notifications/"+id[1]+"/read", per.get("/"), nil); p.status != http.StatusNotFound {
		t.Errorf("per marks ola's notification: %d", p.status)
	}
}

// TestACaseIsAssignedAndLinkedToAnOutage: the assign form takes a person
// or a group; the link form offers the outages in effect.
func TestACaseIsAssignedAndLinkedToAnOutage(t *testing.T) {
	h, eng := newDeskHarness(t)
	ola, per := h.browser(), h.browser()
	ola.signIn("ola")
	per.signIn("per")
	outage := eng.publish(t, "outage", "E-post er nede")
	ref := openCase(t, ola, "Får ikke sendt e-post", "high")
	page := per.get("/cases/" + ref)
	expect(t, page, http.StatusOK, `<option value="`+outage+`">E-post er nede`, `<option value="lise">Lise Larsen</option>`,
		`<option value="tjeneste">Tjenesteteamet</option>`)
	page = per.follow(per.post("/cases/"+ref+"/link", page, url.Values{"announcement": {outage}}))
	expect(t, page, http.StatusOK, "Saken er knyttet til driftsmeldingen.", "Per Johansen knyttet saken til driftsmeldingen «E-post er nede».")
	// lise is a caseworker of both groups; arne of neither.
	p := per.post("/cases/"+ref+"/assign", page, url.Values{"assignee": {"arne"}, "group": {"brukerhjelp"}})
	expect(t, p, http.StatusBadRequest, `href="#field-assign-assignee"`, "arne er ikke med i gruppen brukerhjelp")
	page = per.follow(per.post("/cases/"+ref+"/assign", page, url.Values{"assignee": {"lise"}}))
	expect(t, page, http.StatusOK, "Per Johansen ga saken til Lise Larsen.", `data-field="assignee" data-value="lise"`)
	page = per.follow(per.post("/cases/"+ref+"/assign", page, url.Values{"group": {"tjeneste"}}))
	expect(t, page, http.StatusOK, "Per Johansen sendte saken til Tjenesteteamet.")
}
