// The data protection officer's pages in real Chromium (web/privacy.go):
// Dina finds a person, reads their data, erases what the law allows and
// reads what was kept and why, and sets and lifts a legal hold; everyone
// else finds their own data at /privacy. axe-core's WCAG 2.1 A/AA rules
// on every page: zero violations. e2e/browser_test.go starts the real
// `brukerhjelp dev` and runs this with BRUKERHJELP_URL set to it.
//
// The person here is Jon: the other browser tests act as other users, and
// an erasure reaches every ended case of its person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, open, signIn, axe, shot, assertClean, field, api, assertSummaryFocused, focusedId } from './helpers.js';

// Jon's cases: one ended a moment ago (erasable on request), one open.
async function jonsCases(context) {
  const ended = await api(context, 'jon', 'POST', '/cases', { kind: 'guidance', title: 'Jon lurer på Teams-møter', description: 'Hvordan deler jeg skjermen?' }, 201);
  await api(context, 'per', 'POST', `/cases/${ended.reference}/claim`);
  await api(context, 'per', 'POST', `/cases/${ended.reference}/resolve`, { resolution: 'Del-knappen nederst.' });
  await api(context, 'jon', 'POST', `/cases/${ended.reference}/confirm`);
  const open = await api(context, 'jon', 'POST', '/cases', { kind: 'incident', title: 'Jons mus dobbeltklikker', description: 'Av og til' }, 201);
  return { ended, open };
}

test('dina finds jon, sees his data, erases what may go and holds a case', async (t) => {
  // The cases are made before anyone signs in in this browser.
  const { context, page, problems } = await open(t);
  const { ended, open: openCase } = await jonsCases(context);
  await signIn(page, 'dina');
  assert.equal(await page.getAttribute('nav a[href="/privacy"]', 'href'), '/privacy', 'the menu leads dina to her pages');

  await page.click('nav a[href="/privacy"]');
  await page.waitForURL(BASE + '/privacy');
  assert.equal(await page.textContent('h1'), 'Personvern');
  await axe(page, '/privacy');
  await page.fill('#field-q', 'berg');
  await page.click('button:has-text("Søk")');
  await page.waitForURL(/q=berg/);
  await axe(page, '/privacy with a search');
  await page.click('a[data-username="jon"]');
  await page.waitForURL(BASE + '/privacy/people/jon');
  assert.equal(await page.textContent('h1'), 'Personopplysninger om Jon Berg');
  assert.equal(await page.getAttribute(`tr[data-case="${openCase.reference}"] [data-field="retention"]`, 'data-value'), 'open');
  assert.match(await page.textContent('[data-field="erasable"]'), new RegExp(ended.reference));
  await axe(page, "jon's data (nb)");
  await shot(page, 'privacy-person-nb');

  // Without confirming: the error at the top, linked to the checkbox.
  await page.click('button:has-text("Slett personopplysningene")');
  await page.waitForLoadState();
  assert.match(await page.title(), /^Feil:/);
  await assertSummaryFocused(page);
  await page.click('.ds-error-summary a');
  assert.equal(await focusedId(page), 'field-confirm');
  await axe(page, 'the erasure without confirming');

  await page.check('#field-confirm');
  await page.click('button:has-text("Slett personopplysningene")');
  await page.waitForLoadState();
  assert.equal(await page.textContent('h1'), 'Personopplysningene er slettet');
  assert.ok(await page.isVisible(`[data-field="erased"] tr[data-case="${ended.reference}"]`), 'the ended case is erased');
  assert.equal(await page.getAttribute(`[data-field="kept"] tr[data-case="${openCase.reference}"]`, 'data-value'), 'open', 'the open case is kept, and why');
  await axe(page, 'the erasure report');
  await shot(page, 'privacy-erased-nb');

  // The erased case reads [slettet]; in English [erased].
  await page.goto(BASE + '/privacy/people/jon');
  assert.match(await page.textContent(`tr[data-case="${ended.reference}"] [data-field="title"]`), /^\s*\[slettet\]/);
  await page.goto(BASE + '/privacy/people/jon?lang=en');
  assert.match(await page.textContent(`tr[data-case="${ended.reference}"] [data-field="title"]`), /^\s*\[erased\]/);
  await axe(page, "jon's data (en)");
  await page.goto(BASE + '/privacy/people/jon?lang=nb');

  // A legal hold on the open case, from its row; then lifted.
  await page.click(`tr[data-case="${openCase.reference}"] a:has-text("Rettslig hold")`);
  await page.waitForURL(new RegExp(`/privacy/cases/${openCase.reference}/legal-hold`));
  assert.equal(await field(page, 'legal-hold'), 'none');
  await axe(page, 'the hold page');
  await page.click('button:has-text("Sett rettslig hold")');
  await page.waitForLoadState();
  assert.match(await page.textContent('.ds-error-summary'), /reason/);
  await axe(page, 'the hold form with an error');
  await page.fill('#field-reason', 'Klage til Sivilombudet');
  await page.click('button:has-text("Sett rettslig hold")');
  await page.waitForURL(/legal-hold\?back=/);
  assert.equal(await field(page, 'legal-hold'), 'active');
  assert.match(await page.textContent('[data-field="legal-hold"]'), /Klage til Sivilombudet/);
  await axe(page, 'a held case');
  await shot(page, 'privacy-hold-nb');
  await page.click('a:has-text("Tilbake til personen")');
  await page.waitForURL(BASE + '/privacy/people/jon');
  assert.equal(await page.getAttribute(`tr[data-case="${openCase.reference}"] [data-field="legal-hold"]`, 'data-value'), 'active');
  await page.goto(`${BASE}/privacy/cases/${openCase.reference}/legal-hold`);
  await page.fill('#field-reason', 'Klagen er avgjort');
  await page.click('button:has-text("Opphev rettslig hold")');
  await page.waitForLoadState();
  assert.equal(await field(page, 'legal-hold'), 'none');

  // By reference from the start page, too.
  await page.goto(BASE + '/privacy');
  await page.fill('#field-reference', openCase.reference);
  await page.click('button:has-text("Vis saken")');
  await page.waitForURL(new RegExp(`/privacy/cases/${openCase.reference}/legal-hold`));
  assertClean(problems, 400);
});

test('everyone else finds their own data at /privacy, and no one else’s', async (t) => {
  const { page, problems } = await open(t);
  await signIn(page, 'kari');
  await page.goto(BASE + '/privacy');
  await page.waitForURL(BASE + '/privacy/people/kari');
  assert.equal(await page.textContent('h1'), 'Personopplysninger om Kari Olsen');
  assert.equal(await page.isVisible('button:has-text("Slett personopplysningene")'), false, 'kari cannot erase');
  assert.ok(await page.isVisible('a[data-field="download"]'), 'her data as JSON');
  await axe(page, "kari's own data");
  const other = await page.goto(BASE + '/privacy/people/jon');
  assert.equal(other.status(), 403);
  await axe(page, "the refusal of jon's data");
  assertClean(problems, 403);
});
