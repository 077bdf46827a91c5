// Shared by the browser tests (*.test.js): a Chromium per test file,
// fresh browsers per person, axe-core's WCAG 2.1 A/AA rules, screenshots,
// sign-in and the JSON API. e2e/browser_test.go starts the real
// `brukerhjelp dev` and runs node --test with BRUKERHJELP_URL set to it.
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
// employee's is. Console errors and CSP violations are collected: a page
// must have none (assertClean).
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

export async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

export async function lang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

// assertClean: no console errors or CSP violations, apart from the
// statuses a test caused on purpose (a form sent back answers 400).
export function assertClean(problems, ...expected) {
  const left = problems.filter((p) => !expected.some((s) => p.includes(`status of ${s}`)));
  assert.deepEqual(left, [], 'no console errors or CSP violations');
}

// field reads data-field="name"'s data-value on the page.
export async function field(page, name) {
  return page.getAttribute(`[data-field="${name}"]`, 'data-value');
}

// api calls the JSON API as username (dev tokens).
export async function api(context, username, method, urlPath, data) {
  const r = await context.request.fetch(BASE + '/api/v1' + urlPath, {
    method, headers: { Authorization: `Bearer dev:${username}` }, data,
  });
  const body = await r.text();
  assert.ok(r.ok(), `${method} ${urlPath} as ${username}: ${r.status()} ${body}`);
  return body ? JSON.parse(body) : null;
}

// tabTo presses Tab until selector has the focus, as a keyboard user
// does; it fails after limit presses.
export async function tabTo(page, selector, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${selector}`);
}

// focusRing reports whether the focused element draws a visible ring.
export async function focusRing(page) {
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
  });
  return (ring.outline !== 'none' && ring.width >= 2) || ring.shadow !== 'none';
}
