// The caseworker's workspace in real Chromium: the live queue, deadlines
// in words and colour, sorting and search; registering a phone call;
// keyboard-only use; forms without their CSRF token or after sign-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, open, signIn, axe, shot, assertClean, field, api, tabTo, assertFocusRing, assertReflows } from './helpers.js';

test('the live queue shows a new case without a reload', async (t) => {
  const { page, context, problems } = await open(t);
  await signIn(page, 'per');
  await page.goto(BASE + '/cases?status=open&sort=due');
  await page.waitForFunction(() => document.querySelector('[data-live-src]') !== null);
  await page.waitForTimeout(500); // the page follows /live before the case is opened
  const marker = await page.evaluate(() => (window.__notReloaded = true));
  const c = await api(context, 'eva', 'POST', '/cases', {
    kind: 'incident', title: 'Nettet er tregt på Samferdsel', priority: 'critical',
    description: 'Alle på Samferdsel har tregt nett siden kl. 10.',
  }, 201);
  await page.locator(`tr[data-case="${c.reference}"]`).waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__notReloaded), marker, 'the page was not reloaded');
  assert.match(await page.textContent('#live-region'), new RegExp(`Ny sak ${c.reference} fra Eva Hansen`));
  const row = await page.textContent(`tr[data-case="${c.reference}"]`);
  assert.match(row, /Kritisk/);
  assert.match(row, /Svar innen|svar innen|Over fristen|Under 1 time/, `the deadline in words: ${row}`);
  // The deadline says its state in words and with an icon, not by colour alone.
  const due = page.locator(`tr[data-case="${c.reference}"] .bh-due[data-clock="response"]`);
  const state = await due.getAttribute('data-due');
  assert.ok(['ok', 'soon', 'low', 'breached'].includes(state), state);
  if (state !== 'ok') {
    assert.ok(await due.locator('svg[aria-hidden="true"]').count(), 'an icon beside the words');
    assert.ok((await due.locator('strong').textContent()).length > 3, 'the state in words');
  }
  assert.ok(await page.locator(`tr[data-case="${c.reference}"] .bh-due[data-clock="resolution"]`).count(), 'and the resolution deadline');
  await axe(page, 'the live queue');
  await shot(page, 'workspace-queue-nb');

  // Sorting and search are links and a form: they work as plain HTML.
  await page.click('th a:has-text("Sist endret")');
  await page.waitForURL((u) => !u.search.includes('sort=due'));
  assert.equal(await page.getAttribute('th[aria-sort]', 'aria-sort'), 'descending');
  await page.fill('#field-q', 'Samferdsel');
  await page.press('#field-q', 'Enter');
  await page.waitForURL(/q=Samferdsel/);
  assert.ok(await page.locator(`tr[data-case="${c.reference}"]`).count(), 'the search finds it');
  await page.fill('#field-q', 'ingen-slik-sak-finnes-zq');
  await page.press('#field-q', 'Enter');
  await page.waitForURL(/q=ingen/);
  assert.match(await page.textContent('[data-field="empty"]'), /Ingen saker passer/);
  await axe(page, 'a search without hits');
  assertClean(problems);
});

test('the queues: mine, my groups’ unassigned, waiting for the user, all open', async (t) => {
  const { page, context } = await open(t);
  const mine = await api(context, 'ola', 'POST', '/cases', { kind: 'incident', title: 'Mus virker ikke', description: 'Musa er død.' }, 201);
  const unassigned = await api(context, 'ola', 'POST', '/cases', { kind: 'guidance', title: 'Kalender', description: 'Hvordan deler jeg?' }, 201);
  const waiting = await api(context, 'ola', 'POST', '/cases', { kind: 'incident', title: 'Tastatur', description: 'Tasten Æ henger.' }, 201);
  await api(context, 'lise', 'POST', `/cases/${mine.reference}/claim`);
  await api(context, 'lise', 'POST', `/cases/${waiting.reference}/claim`);
  await api(context, 'lise', 'POST', `/cases/${waiting.reference}/request-info`, { question: 'Hvilket tastatur?' });
  await signIn(page, 'lise');
  const queue = async (name) => {
    await page.goto(BASE + '/cases');
    await page.click(`.bh-queues a:has-text("${name}")`);
    await page.waitForLoadState();
    assert.equal(await page.getAttribute('.bh-queues a[aria-current="page"]', 'href'), new URL(page.url()).pathname + new URL(page.url()).search);
    return page.$$eval('tr[data-case]', (rows) => rows.map((r) => r.dataset.case));
  };
  const own = await queue('Mine saker');
  assert.ok(own.includes(mine.reference) && own.includes(waiting.reference), `mine: ${own}`);
  assert.ok(!own.includes(unassigned.reference), 'an unassigned case is not mine');
  await axe(page, 'my queue');
  const free = await queue('Ikke tildelt: Brukerhjelp');
  assert.ok(free.includes(unassigned.reference), `unassigned: ${free}`);
  assert.ok(!free.includes(mine.reference), 'a case lise holds is not unassigned');
  const waits = await queue('Venter på melder');
  assert.ok(waits.includes(waiting.reference) && !waits.includes(mine.reference), `waiting: ${waits}`);
  assert.match(await page.textContent(`tr[data-case="${waiting.reference}"]`), /På pause/);
  const all = await queue('Alle åpne saker');
  assert.ok([mine, unassigned, waiting].every((c) => all.includes(c.reference)), `all open: ${all}`);
  await api(context, 'lise', 'POST', `/cases/${mine.reference}/resolve`, { resolution: 'Ny mus.' });
  await api(context, 'ola', 'POST', `/cases/${mine.reference}/confirm`);
  assert.ok(!(await queue('Alle åpne saker')).includes(mine.reference), 'a closed case is not open');
});

test('a caseworker registers a phone call for the caller, by keyboard alone', async (t) => {
  const { page, context, problems } = await open(t);
  await page.goto(BASE + '/login');
  await tabTo(page, 'button[value="per"]');
  await page.keyboard.press('Enter');
  await page.waitForURL(BASE + '/');
  await tabTo(page, 'a[href="/cases/new?kind=incident&channel=phone"]');
  await assertFocusRing(page, 'the focused link shows a focus ring');
  await page.keyboard.press('Enter');
  await page.waitForURL(/channel=phone/);
  assert.equal(await page.isChecked('#field-channel'), true, 'channel phone is chosen');
  await axe(page, 'the phone form');
  await shot(page, 'workspace-phone-nb');
  await tabTo(page, '#field-onBehalfOf');
  await page.keyboard.type('Eva'); // a select follows what is typed
  assert.equal(await page.inputValue('#field-onBehalfOf'), 'eva');
  await tabTo(page, '#field-title');
  await page.keyboard.type('Låst konto');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Eva ringte kl. 9: kontoen ble låst etter tre feil passord.');
  await tabTo(page, 'form.bh-form button[type="submit"]');
  await assertFocusRing(page, 'the focused button shows a focus ring');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/cases\/BH-/);
  const ref = await field(page, 'reference');
  assert.match(await page.textContent('.bh-timeline'), /Per Johansen registrerte saken for Eva Hansen \(via telefon\)/);
  // per takes the case by keyboard too.
  await tabTo(page, '#step-claim button');
  await page.keyboard.press('Enter');
  await page.waitForURL(/done=claim/);
  assert.equal(await field(page, 'status'), 'in-progress');
  const c = await api(context, 'eva', 'GET', `/cases/${ref}`);
  assert.equal(c.reporter, 'eva');
  assert.equal(c.channel, 'phone');
  assertClean(problems);
});

test('a step posted without its CSRF token, or after signing out, changes nothing', async (t) => {
  const { page, context, problems } = await open(t);
  const c = await api(context, 'ola', 'POST', '/cases', { kind: 'incident', title: 'Skjermen blinker', description: 'Skjermen blinker hvert minutt.' }, 201);
  await signIn(page, 'per');
  await page.goto(BASE + '/cases/' + c.reference);
  // The claim form without its token.
  await page.evaluate(() => document.querySelector('#step-claim input[name="csrf"]').remove());
  await page.click('#step-claim button');
  await page.waitForLoadState();
  assert.match(await page.textContent('h1'), /Skjemaet kunne ikke sendes/);
  await axe(page, 'a step refused for want of its token');
  let now = await api(context, 'per', 'GET', `/cases/${c.reference}`);
  assert.equal(now.status, 'new', 'the claim without its token changed nothing');
  assert.equal(now.assignee, '');

  // The case page in one tab, sign-out in another, then the form is sent.
  await page.goto(BASE + '/cases/' + c.reference);
  const other = await context.newPage();
  await other.goto(BASE + '/');
  await other.click('button:has-text("Logg ut")');
  await other.waitForURL(BASE + '/signed-out');
  await page.click('#step-claim button');
  await page.waitForLoadState();
  assert.match(await page.textContent('h1'), /Skjemaet kunne ikke sendes/, 'the form did not go through');
  now = await api(context, 'per', 'GET', `/cases/${c.reference}`);
  assert.equal(now.status, 'new', 'the claim after sign-out changed nothing');
  assert.equal(now.revision, c.revision);
  assertClean(problems, 403);
});

test('the queue, a case and the forms reflow to a 320 px wide screen', async (t) => {
  const { page, context } = await open(t, { viewport: { width: 320, height: 640 } });
  const c = await api(context, 'ola', 'POST', '/cases', { kind: 'incident', title: 'Tilgjengelighetserklæringsproblem', description: 'Et langt ord: Tilgjengelighetserklæringsproblem.' }, 201);
  await signIn(page, 'per');
  for (const path of ['/cases?status=open&sort=due', '/cases/' + c.reference, '/cases/new?kind=incident&channel=phone', '/notifications', '/cases/new?kind=order']) {
    await page.goto(BASE + path);
    await assertReflows(page, path);
  }
  await axe(page, 'the order form on a narrow screen');
  await shot(page, 'portal-order-narrow-nb');
});
