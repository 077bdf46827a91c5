package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/brukerhjelp/brukerhjelp/activities"
	"github.com/brukerhjelp/brukerhjelp/internal/desk"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore"
	"github.com/brukerhjelp/brukerhjelp/internal/eventstore/sqlitestore"
	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
	"github.com/brukerhjelp/brukerhjelp/workflows"
)

// pageEraser erases on the record as the workflow would: the erasure on
// the case's stream (and its key is beyond this test).
type pageEraser struct {
	store eventstore.Store
	asked []workflows.ErasureInput
}

func (e *pageEraser) Erase(ctx context.Context, in workflows.ErasureInput) ([]activities.EraseOutput, error) {
	e.asked = append(e.asked, in)
	var out []activities.EraseOutput
	for _, it := range in.Items {
		out = append(out, activities.EraseOutput{Item: it, Erased: true, Events: 1})
	}
	return out, nil
}

type caseIndex map[string][]string

func (ix caseIndex) CasesConcerning(_ context.Context, u string) ([]string, error) { return ix[u], nil }

// privacyHarness: ola with a year-old closed incident and an open one;
// dina the data protection officer.
func privacyHarness(t *testing.T) (*harness, *pageEraser, string, string) {
	t.Helper()
	store, err := sqlitestore.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	old, open := uuid.NewString(), uuid.NewString()
	put := func(stream string, at time.Time, evs ...helpdesk.Event) {
		var data []eventstore.EventData
		for _, e := range evs {
			b, _ := json.Marshal(e)
			m, _ := json.Marshal(helpdesk.Metadata{Actor: "ola", OccurredAt: at})
			data = append(data, eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: b, Metadata: m})
		}
		if _, err := store.Append(context.Background(), stream, eventstore.NoStream(), data...); err != nil {
			t.Fatal(err)
		}
	}
	put(helpdesk.ReferenceStream(2025), time.Now(), helpdesk.ReferenceAllocated{CaseID: old, Reference: "BH-2025-000001"},
		helpdesk.ReferenceAllocated{CaseID: open, Reference: "BH-2025-000002"})
	yearAgo := time.Now().AddDate(-1, 0, 0)
	put(helpdesk.Stream(old), yearAgo, helpdesk.CaseOpened{CaseID: old, Reference: "BH-2025-000001", Kind: helpdesk.KindIncident,
		Title: helpdesk.Erased, Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"}, helpdesk.CaseClosed{Reason: helpdesk.ClosedConfirmed})
	put(helpdesk.Stream(open), yearAgo, helpdesk.CaseOpened{CaseID: open, Reference: "BH-2025-000002", Kind: helpdesk.KindIncident,
		Title: "Skriveren er tom for toner", Reporter: "ola", CreatedBy: "ola", Group: "brukerhjelp"})
	e := &pageEraser{store: store}
	h := newHarness(t, func(c *Config) {
		dk, err := desk.New(desk.Config{Workflows: noWorkflows{}, Record: store, Directory: c.Directory,
			People: caseIndex{"ola": {old, open}}, Privacy: e})
		if err != nil {
			t.Fatal(err)
		}
		c.Desk = dk
	})
	return h, e, old, open
}

// TestTheDataProtectionOfficersPages: dina finds ola, sees his data with
// what would be erased and what kept, erases after confirming, and holds
// and lifts a case; the English page says "[erased]".
func TestTheDataProtectionOfficersPages(t *testing.T) {
	h, e, _, _ := privacyHarness(t)
	b := &textChecker{browser: h.browser(), t: t}
	b.signIn("dina")
	home := b.get("/")
	expect(t, home, http.StatusOK, `href="/privacy"`, "Personvern")

	expect(t, b.get("/privacy?q=nord"), http.StatusOK, `data-username="ola"`, "Ola Nordmann", `data-rule="incident-guidance-2y"`)
	if p := b.get("/privacy?q=zzz"); !strings.Contains(p.body, "Ingen treff") {
		t.Errorf("a search without hits:\n%s", p.body)
	}
	person := b.get("/privacy/people/ola")
	expect(t, person, http.StatusOK, "Personopplysninger om Ola Nordmann", `data-case="BH-2025-000001"`, `data-case="BH-2025-000002"`,
		"[slettet]", `data-value="open"`, "Saken er under behandling", `action="/privacy/people/ola/erase"`, "Dette beholdes")
	en := b.get("/privacy/people/ola?lang=en")
	if !strings.Contains(en.body, "[erased]") || strings.Contains(en.body, "[slettet]") {
		t.Errorf("the English page shows the erased title as:\n%s", en.body)
	}
	b.get("/?lang=nb")

	// Without confirming nothing happens.
	p := b.do(http.MethodPost, "/privacy/people/ola/erase", url.Values{"csrf": {csrf(t, person)}})
	expect(t, p, http.StatusBadRequest, "Bekreft at personen har krevd sletting", `href="#field-confirm"`)
	if len(e.asked) != 0 {
		t.Fatalf("an unconfirmed erasure reached the engine: %+v", e.asked)
	}
	p = b.do(http.MethodPost, "/privacy/people/ola/erase", url.Values{"csrf": {csrf(t, person)}, "confirm": {"yes"}})
	expect(t, p, http.StatusOK, "Personopplysningene er slettet", `data-case="BH-2025-000001"`, `data-value="open"`)
	if len(e.asked) != 1 || len(e.asked[0].Items) != 1 || e.asked[0].Items[0].Reference != "BH-2025-000001" || e.asked[0].By != "dina" {
		t.Errorf("the engine was asked %+v", e.asked)
	}

	// A legal hold, set and lifted, by reference from the start page.
	go1 := b.get("/privacy/holds?reference=BH-2025-000002")
	if go1.status != http.StatusSeeOther || go1.header.Get("Location") != "/privacy/cases/BH-2025-000002/legal-hold" {
		t.Fatalf("the reference form goes to %d %s", go1.status, go1.header.Get("Location"))
	}
	hold := b.get("/privacy/cases/BH-2025-000002/legal-hold?back=/privacy/people/ola")
	expect(t, hold, http.StatusOK, `data-field="legal-hold" data-value="none"`, `action="/privacy/cases/BH-2025-000002/legal-hold"`)
	p = b.do(http.MethodPost, "/privacy/cases/BH-2025-000002/legal-hold", url.Values{"csrf": {csrf(t, hold)}, "reason": {""}, "back": {"/privacy/people/ola"}})
	expect(t, p, http.StatusBadRequest, `id="field-reason"`, `aria-invalid="true"`)
	p = b.do(http.MethodPost, "/privacy/cases/BH-2025-000002/legal-hold", url.Values{"csrf": {csrf(t, hold)}, "reason": {"Klage til Sivilombudet"}, "back": {"/privacy/people/ola"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/privacy/cases/BH-2025-000002/legal-hold") {
		t.Fatalf("setting a hold: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	held := b.get(p.header.Get("Location"))
	expect(t, held, http.StatusOK, `data-value="active"`, "Klage til Sivilombudet", `action="/privacy/cases/BH-2025-000002/legal-hold/lift"`, `href="/privacy/people/ola"`)
	expect(t, b.get("/privacy/people/ola"), http.StatusOK, `data-field="legal-hold" data-value="active"`)
	p = b.do(http.MethodPost, "/privacy/cases/BH-2025-000002/legal-hold/lift", url.Values{"csrf": {csrf(t, held)}, "reason": {"Avgjort"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("lifting: %d\n%s", p.status, p.body)
	}
	expect(t, b.get("/privacy/cases/BH-2025-000002/legal-hold"), http.StatusOK, `data-value="none"`, "Sist opphevet av dina")
}

// textChecker fails the test when a page shows a text missing from the
// catalogue ("??key??").
type textChecker struct {
	*browser
	t *testing.T
}

func (c *textChecker) get(path string, headers ...string) answer {
	p := c.browser.get(path, headers...)
	c.check(path, p)
	return p
}

func (c *textChecker) do(method, path string, form url.Values, headers ...string) answer {
	p := c.browser.do(method, path, form, headers...)
	c.check(path, p)
	return p
}

func (c *textChecker) check(path string, p answer) {
	c.t.Helper()
	if i := strings.Index(p.body, "??"); i >= 0 {
		c.t.Errorf("%s shows a text missing from the catalogue: %s", path, p.body[i:min(len(p.body), i+60)])
	}
}

// TestEveryoneSeesTheirOwnDataAndNoOneElses: /privacy takes ola to his
// own data, which he may download; eva may not see his; neither may
// erase or hold.
func TestEveryoneSeesTheirOwnDataAndNoOneElses(t *testing.T) {
	h, e, _, _ := privacyHarness(t)
	ola := h.browser()
	ola.signIn("ola")
	if p := ola.get("/privacy"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/privacy/people/ola" {
		t.Fatalf("ola's /privacy: %d %s", p.status, p.header.Get("Location"))
	}
	own := ola.get("/privacy/people/ola")
	expect(t, own, http.StatusOK, "Dette er alt Brukerhjelp har om deg", "Skriveren er tom for toner")
	if strings.Contains(own.body, `/erase"`) || strings.Contains(own.body, "/legal-hold") {
		t.Error("ola is offered to erase or hold")
	}
	js := ola.get("/privacy/people/ola/data.json")
	var data desk.PersonData
	if js.status != http.StatusOK || json.Unmarshal([]byte(js.body), &data) != nil || len(data.Cases) != 2 ||
		!strings.Contains(js.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("ola's JSON: %d %s %s", js.status, js.header.Get("Content-Disposition"), js.body)
	}
	eva := h.browser()
	eva.signIn("eva")
	expect(t, eva.get("/privacy/people/ola"), http.StatusForbidden)
	expect(t, eva.get("/privacy/cases/BH-2025-000002/legal-hold"), http.StatusForbidden)
	page := ola.get("/privacy/people/ola")
	expect(t, ola.do(http.MethodPost, "/privacy/people/ola/erase", url.Values{"csrf": {csrf(t, page)}, "confirm": {"yes"}}), http.StatusForbidden)
	if len(e.asked) != 0 {
		t.Errorf("ola's erasure reached the engine: %+v", e.asked)
	}
}
