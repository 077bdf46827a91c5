// An order with an item outside the standard catalogue: the total and
// "needs your budget holder's acceptance" are shown before it is sent —
// live as the form is filled in with JavaScript, as a "check your
// answers" step without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, open, signIn, axe, axeWithoutJS, shot, assertClean, field } from './helpers.js';

// fillOrder fills in a monitor from the catalogue and an ergonomic chair
// outside it.
async function fillOrder(page, title) {
  await page.goto(BASE + '/cases/new?kind=order');
  await page.fill('#field-title', title);
  await page.fill('input[data-item="monitor-24"]', '2');
  await page.fill('input[name="items[6].description"]', 'Hev-senk-pult, 160 cm');
  await page.fill('input[name="items[6].estimatedCostNOK"]', '7 500');
  await page.fill('input[name="items[6].quantity"]', '1');
}

test('an order with an item outside the catalogue shows its cost and approval before it is sent (JavaScript)', async (t) => {
  const { page, problems } = await open(t);
  await signIn(page, 'ola');
  await page.goto(BASE + '/cases/new?kind=order');
  await axe(page, 'the order form');
  await fillOrder(page, 'Hjemmekontor');
  // The check updates as the form changes, before anything is sent.
  await page.locator('[data-field="approval"]').waitFor({ timeout: 10000 });
  assert.match(await page.textContent('#order-check'), /12\s500\s*kr/, 'the total: 2 × 2 500 + 7 500');
  assert.equal(await field(page, 'total'), '12500');
  assert.match(await page.textContent('[data-field="approval"]'), /Må godkjennes av budsjettansvarlig Kari Olsen/);
  await axe(page, 'the order form with its check');
  await shot(page, 'portal-order-check-nb');
  // Dropping the chair: no approval needed any more.
  await page.fill('input[name="items[6].description"]', '');
  await page.fill('input[name="items[6].estimatedCostNOK"]', '');
  await page.fill('input[name="items[6].quantity"]', '');
  await page.locator('[data-field="approval"][data-value="none"]').waitFor({ timeout: 10000 });
  assert.match(await page.textContent('[data-field="approval"]'), /trenger ingen godkjenning/);
  await page.fill('input[name="items[6].description"]', 'Hev-senk-pult, 160 cm');
  await page.fill('input[name="items[6].estimatedCostNOK"]', '7500');
  await page.fill('input[name="items[6].quantity"]', '1');
  await page.locator('[data-field="approval"][data-value="kari"]').waitFor({ timeout: 10000 });
  await page.click('button[name="confirm"][value="yes"]');
  await page.waitForURL(/\/cases\/BH-/);
  assert.equal(await field(page, 'status'), 'awaiting-approval');
  assert.match(await page.textContent('main'), /Hev-senk-pult, 160 cm/);
  assert.match(await page.textContent('main'), /utenfor katalogen/);
  await axe(page, 'the order’s case page');
  await shot(page, 'portal-order-case-nb');
  assertClean(problems);
});

test('without JavaScript the order is checked in a step of its own, and checked again if it changes', async (t) => {
  const { page } = await open(t, { javaScriptEnabled: false });
  await signIn(page, 'eva');
  await fillOrder(page, 'Kontorplass til ny kollega');
  await page.selectOption('#field-costCenter', 'samferdsel');
  assert.equal(await page.$('button[name="confirm"][value="yes"]'), null, 'nothing can be sent before it is checked');
  await page.click('button[name="confirm"][value="check"]');
  await page.waitForSelector('[data-field="approval"]');
  assert.match(await page.textContent('[data-field="approval"]'), /Må godkjennes av budsjettansvarlig Jon Berg/);
  assert.equal(await field(page, 'total'), '12500');
  await axeWithoutJS(page, 'the order’s check without JavaScript');
  // A change after the check is checked again instead of sent unseen.
  await page.fill('input[data-item="monitor-24"]', '3');
  await page.click('button[name="confirm"][value="yes"]');
  await page.waitForSelector('[data-field="approval"]');
  assert.match(await page.textContent('#order-check'), /Du endret bestillingen/);
  assert.equal(await field(page, 'total'), '15000');
  assert.match(new URL(page.url()).pathname, /^\/cases\/new$/, 'not sent yet');
  await page.click('button[name="confirm"][value="yes"]');
  await page.waitForURL(/\/cases\/BH-/);
  assert.equal(await field(page, 'status'), 'awaiting-approval');
  assert.equal(await field(page, 'total'), '15000');
  // A quantity that is no number is told beside its row.
  await page.goto(BASE + '/cases/new?kind=order');
  await page.fill('#field-title', 'Hodesett');
  await page.fill('input[data-item="headset"]', '2.5');
  await page.click('button[name="confirm"][value="check"]');
  await page.waitForSelector('.ds-error-summary');
  assert.match(await page.textContent('.ds-error-summary'), /Antall må være et helt tall/);
  assert.equal(await page.getAttribute('input[data-item="headset"]', 'aria-invalid'), 'true');
  await axeWithoutJS(page, 'the order form with an error');
});
