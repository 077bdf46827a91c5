// Helpers of roles.test.js (the pages of managers, approvers,
// operations, the service owner and the auditor): a browser per test
// with its own cookies, sign-in through the dev form, axe-core's WCAG 2.1
// A/AA rules, screenshots, and the JSON API as a second witness.
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.BRUKERHJELP_URL;
const SHOTS = process.env.BRUKERHJELP_SCREENSHOTS || '';
const CHROMIUM = process.env.BRUKERHJELP_CHROMIUM || '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

assert.ok(BASE, 'BRUKERHJELP_URL names the running brukerhjelp dev');

let browser;

export async function launch() {
  // Debian's Chromium; never a downloaded browser.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
}

export async function close() {
  await browser?.close();
}

// open is a fresh browser (its own cookies) in Norwegian, or in English
// with { locale: 'en-GB' }. Console errors and CSP violations are kept:
// a page must have none, except the statuses a test expects.
export async function open(t, options = {}) {
  const context = await browser.newContext({ locale: 'nb-NO', viewport: { width: 1200, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  t.after(async () => {
    await context.close();
  });
  return { context, page, problems };
}

// signIn signs page in as username through the dev form.
export async function signIn(page, username) {
  await page.goto(BASE + '/login');
  await page.click(`button[name="username"][value="${username}"]`);
  await page.waitForURL(BASE + '/');
}

// axe runs axe-core on the page as it is now: no WCAG 2.1 A/AA violation.
export async function axe(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), WCAG);
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  assert.deepEqual(found, [], `axe on ${what}`);
  assert.ok(result.passes.length > 10, `axe ran its rules on ${what}`);
}

// shot saves a screenshot of the whole page when BRUKERHJELP_SCREENSHOTS
// names a folder.
export async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

export function assertClean(problems, allowed = []) {
  const left = problems.filter((p) => !allowed.some((re) => re.test(p)));
  assert.deepEqual(left, [], 'no console errors or CSP violations');
}

// api calls the JSON API as username (dev tokens) and answers the
// parsed JSON; a status other than want fails.
export async function api(context, username, method, url, body, want = 200) {
  const r = await context.request.fetch(BASE + '/api/v1' + url, {
    method,
    headers: { Authorization: 'Bearer dev:' + username, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    data: body ? JSON.stringify(body) : undefined,
  });
  assert.equal(r.status(), want, `${method} ${url} as ${username}: ${await r.text()}`);
  return r.json();
}

// eventually calls fn until it returns something truthy (the workflows
// and the read model are a moment behind), or fails after timeout ms.
export async function eventually(what, fn, timeout = 20000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) assert.fail(`${what}: not within ${timeout} ms (${last})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

// reloadUntil reloads page until selector is there.
export async function reloadUntil(page, url, selector, timeout = 20000) {
  return eventually(`${selector} on ${url}`, async () => {
    await page.goto(url);
    return (await page.locator(selector).count()) > 0;
  }, timeout);
}

// tabTo presses Tab until the focused element matches test (run in the
// page with arg), as a keyboard user moves through the page.
export async function tabTo(page, test, what, arg, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test, arg)) return;
  }
  assert.fail(`Tab never reached ${what}`);
}

// dateAhead is the date (YYYY-MM-DD, Oslo) of the first Monday at least
// days ahead.
export function dateAhead(days) {
  const d = new Date(Date.now() + days * 86400000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// today is today's date in Oslo, YYYY-MM-DD.
export function today(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Oslo' }).format(d);
}
