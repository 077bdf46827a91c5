// Shared by every browser test (*.test.js): a Chromium per test file,
// fresh browsers per person, sign-in through the dev form, axe-core's
// WCAG 2.1 A/AA rules, screenshots, the JSON API as a second witness, and
// the checks many pages share (a clean console, reflow, a focus ring).
// e2e/browser_test.go starts the real `brukerhjelp dev` and runs node
// --test with BRUKERHJELP_URL set to it. Importing this module launches
// the browser before the file's tests and closes it after them.
import { before, after } from 'node:test';
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

before(async () => {
  // Debian's Chromium; never a downloaded browser.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

// open is a fresh browser (its own cookies) in Norwegian, as a Norwegian
// employee's is, or in English with { locale: 'en-GB' }; other options
// (javaScriptEnabled, viewport) are Playwright's. Console errors and CSP
// violations are collected: a page must have none (assertClean).
export async function open(t, options = {}) {
  const context = await browser.newContext({ locale: 'nb-NO', viewport: { width: 1200, height: 800 }, ...options });
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

// signIn signs the page's browser in as username through the dev form.
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

// axe runs on a page whose JavaScript is off (a context without it cannot
// run axe): the page as the browser has it, without its scripts, checked
// in a browser that runs axe, its styles loaded from the server.
export async function axeWithoutJS(page, what) {
  const html = (await page.content())
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
    .replace('<head>', `<head><base href="${BASE}/">`);
  const context = await browser.newContext({ locale: 'nb-NO', viewport: { width: 1200, height: 800 } });
  try {
    const copy = await context.newPage();
    await copy.setContent(html, { waitUntil: 'load' });
    await axe(copy, what + ' (without JavaScript)');
  } finally {
    await context.close();
  }
}

// shot saves a screenshot of the whole page when BRUKERHJELP_SCREENSHOTS
// names a folder.
export async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

// lang is the page's <html lang>.
export async function lang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

// assertClean: no console errors or CSP violations, apart from the HTTP
// statuses a test caused on purpose (a form sent back answers 400), given
// as numbers.
export function assertClean(problems, ...statuses) {
  const left = problems.filter((p) => !statuses.some((s) => p.includes(`status of ${s}`)));
  assert.deepEqual(left, [], 'no console errors or CSP violations');
}

// field reads data-field="name"'s data-value on the page.
export async function field(page, name) {
  return page.getAttribute(`[data-field="${name}"]`, 'data-value');
}

// api calls the JSON API as username (dev tokens) and answers the parsed
// JSON (null for an empty body); a status other than want fails.
export async function api(context, username, method, urlPath, body, want = 200) {
  const r = await context.request.fetch(BASE + '/api/v1' + urlPath, {
    method,
    headers: { Authorization: 'Bearer dev:' + username, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    data: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.equal(r.status(), want, `${method} ${urlPath} as ${username}: ${text}`);
  return text ? JSON.parse(text) : null;
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

// reloadUntil loads url until selector is on the page.
export async function reloadUntil(page, url, selector, timeout = 20000) {
  return eventually(`${selector} on ${url}`, async () => {
    await page.goto(url);
    return (await page.locator(selector).count()) > 0;
  }, timeout);
}

// tabTo presses Tab until the focused element matches selector (and, with
// text, its text is exactly that), as a keyboard user moves through the
// page; it fails after limit presses.
export async function tabTo(page, selector, { text, limit = 80 } = {}) {
  const what = text === undefined ? selector : `${selector} “${text}”`;
  for (let i = 0; i < limit; i++) {
    const there = await page.evaluate(([s, want]) => {
      const e = document.activeElement;
      return (e?.matches(s) ?? false) && (want === null || e.textContent === want);
    }, [selector, text ?? null]);
    if (there) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${what}`);
}

// assertFocusRing: the focused element draws a visible ring.
export async function assertFocusRing(page, message) {
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
  });
  assert.ok((ring.outline !== 'none' && ring.width >= 2) || ring.shadow !== 'none', `${message}: ${JSON.stringify(ring)}`);
}

// assertReflows: the page as it is now needs no sideways scrolling (WCAG
// 1.4.10, at a 320 px wide viewport).
export async function assertReflows(page, what) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `${what} is ${wide} px wider than the screen`);
}

// assertSummaryFocused: a form sent back moves the focus to its error
// summary.
export async function assertSummaryFocused(page, message = 'focus is on the error summary') {
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains('ds-error-summary')), message);
}

// focusedId is the id of the element that has the focus.
export async function focusedId(page) {
  return page.evaluate(() => document.activeElement.id);
}

// dateAhead is the date (YYYY-MM-DD, Oslo) of the first Monday at least
// days ahead.
export function dateAhead(days) {
  const d = new Date(Date.now() + days * 86400000);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// today is today's date in Oslo (offsetDays from now), YYYY-MM-DD.
export function today(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Oslo' }).format(d);
}
