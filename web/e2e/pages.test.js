// Brukerhjelp's web pages in real Chromium: sign-in by mouse and by
// keyboard, language, sign-out, CSRF, live updates, and axe-core's WCAG
// 2.1 A/AA rules on every page. e2e/browser_test.go starts the real
// `brukerhjelp dev` and runs this with BRUKERHJELP_URL set to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, open, signIn, axe, shot, lang, assertClean, api, tabTo, assertFocusRing, assertReflows, assertSummaryFocused, focusedId,
} from './helpers.js';

test('ola signs in, is greeted, reads the page in English and signs out', async (t) => {
  const { page, problems } = await open(t);
  await page.goto(BASE + '/');
  assert.equal(new URL(page.url()).pathname, '/login', 'without a session / goes to /login');
  assert.equal(await lang(page), 'nb');
  await axe(page, '/login (nb)');
  await shot(page, 'login-nb');

  await page.click('button[name="username"][value="ola"]');
  await page.waitForURL(BASE + '/');
  assert.equal(await page.textContent('h1'), 'Hei, Ola Nordmann!');
  assert.match(await page.textContent('[data-field="roles"]'), /ansatt/);
  assert.equal(await page.getAttribute('nav a[aria-current="page"]', 'href'), '/');
  await axe(page, '/ (nb)');
  await shot(page, 'home-nb');

  await page.click('a[hreflang="en"]');
  await page.waitForURL(/lang=en/);
  assert.equal(await lang(page), 'en');
  assert.equal(await page.textContent('h1'), 'Hello, Ola Nordmann!');
  await axe(page, '/ (en)');
  await shot(page, 'home-en');
  // The choice is remembered.
  await page.goto(BASE + '/');
  assert.equal(await lang(page), 'en');
  assert.match(await page.textContent('nav'), /My cases/);

  await page.click('button:has-text("Sign out")');
  await page.waitForURL(BASE + '/signed-out');
  assert.match(await page.textContent('main'), /You are signed out\./);
  await axe(page, '/signed-out (en)');
  await page.goto(BASE + '/');
  assert.equal(new URL(page.url()).pathname, '/login', 'after sign-out / goes to /login');
  assertClean(problems);
});

test('a form posted without its CSRF token answers 403 and changes nothing', async (t) => {
  const { page, context, problems } = await open(t);
  await signIn(page, 'per');
  // The sign-out form without its token, from the page itself.
  const status = await page.evaluate(async () => {
    const r = await fetch('/logout', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
    return r.status;
  });
  assert.equal(status, 403);
  // With a wrong token, from outside the page.
  const wrong = await context.request.post(BASE + '/logout', { form: { csrf: 'not-the-token' }, maxRedirects: 0 });
  assert.equal(wrong.status(), 403);
  assert.match(await wrong.text(), /ingenting er endret/);
  await page.goto(BASE + '/');
  assert.equal(await page.textContent('h1'), 'Hei, Per Johansen!', 'still signed in');
  // The refusal is a page of the layout, and accessible.
  await page.evaluate(() => {
    document.querySelector('form[action="/logout"] input[name="csrf"]').value = 'tampered';
  });
  await page.click('button:has-text("Logg ut")');
  await page.waitForLoadState();
  assert.match(await page.textContent('h1'), /Skjemaet kunne ikke sendes/);
  await axe(page, 'the 403 page');
  await page.goto(BASE + '/');
  assert.equal(await page.textContent('h1'), 'Hei, Per Johansen!', 'still signed in after the tampered form');
  assertClean(problems, 403);
});

test('signing in by keyboard alone', async (t) => {
  const { page, problems } = await open(t);
  await page.goto(BASE + '/login');
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ text: document.activeElement.textContent, href: document.activeElement.getAttribute('href') }));
  assert.deepEqual(first, { text: 'Hopp til hovedinnholdet', href: '#main' }, 'the first Tab reaches the skip link');
  assert.ok(await page.evaluate(() => document.activeElement.getBoundingClientRect().height > 10), 'the focused skip link shows');
  // Tab reaches the button for ola within 40 more presses (the first
  // check is on the skip link).
  await tabTo(page, '[value="ola"]', { limit: 41 });
  // Focus is visible: the focus ring is drawn.
  await assertFocusRing(page, 'a visible focus ring');
  await shot(page, 'login-keyboard-focus');
  await page.keyboard.press('Enter');
  await page.waitForURL(BASE + '/');
  assert.equal(await page.textContent('h1'), 'Hei, Ola Nordmann!');
  assertClean(problems);
});

test('an unknown user is told at the top and beside the field', async (t) => {
  const { page, problems } = await open(t);
  await page.goto(BASE + '/login');
  // A button pointing at nobody, as a tampered form would.
  await page.evaluate(() => {
    document.querySelector('button[value="ola"]').value = 'mallory';
  });
  await page.click('button[value="mallory"]');
  await page.waitForLoadState();
  assert.match(await page.title(), /^Feil: Logg inn/);
  const summary = page.locator('.ds-error-summary');
  assert.match(await summary.textContent(), /Velg en av brukerne i listen/);
  await assertSummaryFocused(page);
  await page.click('.ds-error-summary a');
  assert.equal(await focusedId(page), 'field-username', 'the summary links to the field');
  await axe(page, 'the sign-in form with an error');
  await shot(page, 'login-error-nb');
  assertClean(problems, 400);
});

test('the accessibility statement and the error pages, in both languages', async (t) => {
  const { page, problems } = await open(t);
  for (const l of ['nb', 'en']) {
    await page.goto(`${BASE}/tilgjengelighet?lang=${l}`);
    assert.equal(await lang(page), l);
    const text = await page.textContent('main');
    assert.match(text, /WCAG 2\.1/);
    assert.match(text, /Uu-tilsynet/);
    assert.match(text, /brukerhjelp@fylke\.example/);
    await axe(page, `/tilgjengelighet (${l})`);
    await shot(page, `tilgjengelighet-${l}`);
    await page.goto(`${BASE}/login?lang=${l}`);
    await axe(page, `/login (${l})`);
    const missing = await page.goto(`${BASE}/no/such/page?lang=${l}`);
    assert.equal(missing.status(), 404);
    await axe(page, `404 (${l})`);
  }
  assertClean(problems, 404);
});

test('every page works without JavaScript', async (t) => {
  const { page } = await open(t, { javaScriptEnabled: false });
  await page.goto(BASE + '/');
  await page.click('button[value="eva"]');
  await page.waitForURL(BASE + '/');
  assert.equal(await page.textContent('h1'), 'Hei, Eva Hansen!');
  await page.click('button:has-text("Logg ut")');
  await page.waitForURL(BASE + '/signed-out');
  await page.goto(BASE + '/');
  assert.equal(new URL(page.url()).pathname, '/login');
});

test('a change to a case is announced live on the caseworker’s page', async (t) => {
  const { page, context, problems } = await open(t);
  await signIn(page, 'lise');
  // The page follows /live before the case is opened.
  await page.waitForFunction(() => document.querySelector('[data-live-src]') !== null);
  await page.waitForTimeout(300);
  const { reference } = await api(context, 'ola', 'POST', '/cases', {
    kind: 'incident', title: 'Skjermen flimrer', description: 'Skjermen på kontor 4012 flimrer siden i morges.', priority: 'normal',
  }, 201);
  const region = page.locator('#live-region');
  await region.filter({ hasText: reference }).waitFor({ timeout: 15000 });
  assert.equal(await region.textContent(), `Ny sak ${reference} fra Ola Nordmann.`);
  assert.equal(await region.getAttribute('aria-live'), 'polite');
  await axe(page, '/ with a live announcement');
  await shot(page, 'home-live-nb');
  assertClean(problems);
});

test('the pages reflow to a 320 px wide screen without scrolling sideways', async (t) => {
  const { page } = await open(t, { viewport: { width: 320, height: 640 } });
  for (const path of ['/login', '/tilgjengelighet']) {
    await page.goto(BASE + path);
    await assertReflows(page, path);
  }
  await signIn(page, 'kari');
  await assertReflows(page, '/');
  await axe(page, '/ on a narrow screen');
  await shot(page, 'home-narrow-nb');
});

test('the first load is under 150 KB compressed, and assets are cached for good', async (t) => {
  const { page } = await open(t);
  const loads = [];
  page.on('requestfinished', async (req) => {
    const sizes = await req.sizes();
    const resp = await req.response();
    loads.push({ url: req.url(), body: sizes.responseBodySize, headers: sizes.responseHeadersSize, resp });
  });
  await page.goto(BASE + '/login', { waitUntil: 'networkidle' });
  let total = 0;
  for (const l of loads) total += l.body + l.headers;
  const lines = loads.map((l) => `${new URL(l.url).pathname} ${l.body} B`);
  console.log(`first load of /login: ${loads.length} requests, ${total} bytes on the wire (bodies compressed, with headers)\n  ${lines.join('\n  ')}`);
  assert.ok(total <= 150 * 1024, `first load ${total} bytes, goal 150 KB`);
  for (const l of loads) {
    if (new URL(l.url).pathname.startsWith('/static/')) {
      assert.equal(l.resp.headers()['cache-control'], 'public, max-age=31536000, immutable', l.url);
      const type = l.resp.headers()['content-type'];
      if (/css|javascript/.test(type)) assert.equal(l.resp.headers()['content-encoding'], 'gzip', l.url);
    }
  }
});
