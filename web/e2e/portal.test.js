// The employee's portal and the caseworker's workspace in real Chromium
// (issue #15): an employee reports a fault, a caseworker claims it and
// asks, the employee answers, the caseworker resolves, the employee
// confirms — with JavaScript (live updates) and without, and in English.
// axe-core checks every page of the stories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, open, signIn, axe, axeWithoutJS, shot, lang, assertClean, field, assertSummaryFocused } from './helpers.js';

// report fills in the incident form as a person does and sends it; the
// answer is the new case's page.
async function report(page, { title, description, service = 'skriver', priority = 'high', file }) {
  await page.goto(BASE + '/cases/new?kind=incident');
  await page.fill('#field-title', title);
  await page.fill('#field-description', description);
  await page.selectOption('#field-service', service);
  await page.check(`input[name="priority"][value="${priority}"]`);
  if (file) await page.setInputFiles('#field-attachments', file);
  await page.click('form.bh-form button[type="submit"]');
  await page.waitForURL(/\/cases\/BH-\d{4}-\d{6}$/);
  return field(page, 'reference');
}

test('an employee reports a fault, the help desk solves it with her, and both see it happen live', async (t) => {
  const ola = await open(t);
  const per = await open(t);
  const lise = await open(t);
  await signIn(ola.page, 'ola');
  await signIn(per.page, 'per');
  await signIn(lise.page, 'lise');

  // ola's portal: notices first, then her cases, then what she may report.
  await axe(ola.page, 'the portal home (nb)');
  const headings = await ola.page.$$eval('main h2', (hs) => hs.map((h) => h.textContent.trim()));
  assert.deepEqual(headings.slice(0, 3), ['Driftsmeldinger', 'Mine saker', 'Meld en ny sak']);
  await ola.page.click('a[href="/cases/new?kind=incident"]');
  await ola.page.waitForURL(/kind=incident/);
  assert.match(await ola.page.textContent('main'), /Hva står det på skjermen/, 'the form helps her be precise');
  assert.match(await ola.page.textContent('main'), /10 MiB/, 'the form says the limits of attachments');
  await axe(ola.page, 'the incident form');
  await shot(ola.page, 'portal-incident-nb');

  // A form without a title comes back with the error beside it and at the top.
  await ola.page.fill('#field-description', 'Skriveren i 3. etasje sier «Papirstopp».');
  await ola.page.click('form.bh-form button[type="submit"]');
  await ola.page.waitForSelector('.ds-error-summary');
  await assertSummaryFocused(ola.page, 'focus moves to the summary');
  assert.match(await ola.page.title(), /^Feil: Meld en feil/);
  assert.equal(await ola.page.getAttribute('#field-title', 'aria-invalid'), 'true');
  assert.match(await ola.page.textContent('#field-title-error'), /Skriv en kort overskrift/);
  assert.equal(await ola.page.inputValue('#field-description'), 'Skriveren i 3. etasje sier «Papirstopp».', 'what she wrote is kept');
  await axe(ola.page, 'the incident form with an error');

  const ref = await report(ola.page, {
    title: 'Skriveren skriver ikke', description: 'Skriveren i 3. etasje sier «Papirstopp i skuff 2» siden i morges kl. 8.',
    file: { name: 'skjerm.txt', mimeType: 'text/plain', buffer: Buffer.from('Feilkode 13.20 Papirstopp\n') },
  });
  assert.equal(await field(ola.page, 'status'), 'new');
  assert.match(await ola.page.textContent('[data-field="sla"]'), /Svar innen (i dag|i morgen|\S+dag) /, 'the deadline in plain words');
  assert.match(await ola.page.textContent('main'), /skjerm\.txt/);
  await axe(ola.page, 'the new case (ola)');

  // per finds it in his group's unassigned queue, soonest deadline first.
  await per.page.goto(BASE + '/');
  await per.page.click('a[href="/cases?assignee=none&group=brukerhjelp&sort=due&status=open"]');
  await per.page.waitForSelector(`tr[data-case="${ref}"]`);
  assert.match(await per.page.textContent(`tr[data-case="${ref}"]`), /Ola Nordmann/);
  assert.equal(await per.page.getAttribute('th[aria-sort]', 'aria-sort'), 'ascending');
  await axe(per.page, 'the unassigned queue');
  await per.page.click(`tr[data-case="${ref}"] a`);
  await per.page.waitForURL(BASE + '/cases/' + ref);
  await axe(per.page, 'the case page (per, before the claim)');
  // lise looks at it too, and sees per take it without reloading.
  await lise.page.goto(BASE + '/cases/' + ref);
  await lise.page.waitForTimeout(500); // the page follows /live
  await per.page.click('#step-claim button');
  await per.page.waitForURL(/done=claim/);
  assert.equal(await field(per.page, 'status'), 'in-progress');
  assert.match(await per.page.textContent('[data-field="done"]'), /Du har tatt saken/);
  await lise.page.waitForSelector('[data-field="changed"]', { timeout: 15000 });
  assert.match(await lise.page.textContent('[data-field="changed"]'), /Per Johansen tok saken/);
  assert.equal(await field(lise.page, 'status'), 'in-progress', 'the status changed on lise’s page');
  assert.equal(await field(lise.page, 'assignee'), 'per');
  assert.match(await lise.page.textContent('#live-region'), new RegExp(`Per Johansen tok ${ref}`));
  await axe(lise.page, 'the case page with a colleague’s change');
  await shot(lise.page, 'workspace-case-changed-nb');

  // per writes an internal note, then asks ola.
  await per.page.check('#field-comment-internal');
  await per.page.fill('#field-comment-body', 'Skriveren har gammel firmware; sjekk om den er på lista.');
  await per.page.click('#step-comment button[type="submit"]');
  await per.page.waitForURL(/done=comment/);
  assert.match(await per.page.textContent('.bh-timeline'), /Internt notat fra Per Johansen/);
  await ola.page.goto(BASE + '/cases/' + ref);
  await ola.page.waitForTimeout(500);
  await per.page.fill('#field-request-info-question', 'Hvilken skriver er det? Etiketten på forsiden har et navn som PRN-3-04.');
  await per.page.click('#step-request-info button');
  await per.page.waitForURL(/done=request-info/);
  assert.equal(await field(per.page, 'status'), 'waiting-for-user');
  await axe(per.page, 'the case page (per, waiting for the user)');
  await shot(per.page, 'workspace-case-nb');

  // ola's open page shows the question without a reload; the note stays hidden.
  await ola.page.waitForSelector('[data-field="question"]', { timeout: 15000 });
  assert.match(await ola.page.textContent('[data-field="question"]'), /Hvilken skriver er det/);
  assert.doesNotMatch(await ola.page.textContent('main'), /firmware|Internt notat/, 'ola never sees the internal note');
  await ola.page.click('[data-field="changed"] a');
  await ola.page.waitForSelector('#field-reply-body');
  assert.match(await ola.page.textContent('[data-field="sla"]'), /står stille/, 'the clock is stopped while they wait for her');
  await axe(ola.page, 'the case page (ola, asked)');
  await shot(ola.page, 'portal-case-question-nb');
  await ola.page.fill('#field-reply-body', 'Det er PRN-3-04 ved kopirommet.');
  await ola.page.click('#step-reply button[type="submit"]');
  await ola.page.waitForURL(/done=reply/);
  assert.equal(await field(ola.page, 'status'), 'in-progress');

  // per resolves; ola confirms.
  await per.page.goto(BASE + '/cases/' + ref);
  assert.match(await per.page.textContent('.bh-timeline'), /Det er PRN-3-04 ved kopirommet/);
  await per.page.fill('#field-resolve-resolution', 'Fjernet papiret i skuff 2 og oppdaterte fastvaren.');
  await per.page.click('#step-resolve button');
  await per.page.waitForURL(/done=resolve/);
  assert.equal(await field(per.page, 'status'), 'resolved');
  await ola.page.goto(BASE + '/cases/' + ref);
  assert.match(await ola.page.textContent('[data-field="resolution"]'), /Fjernet papiret/);
  await axe(ola.page, 'the case page (ola, resolved)');
  await ola.page.click('#step-confirm button');
  await ola.page.waitForURL(/done=confirm/);
  assert.equal(await field(ola.page, 'status'), 'closed');
  assert.equal(await ola.page.$('form[action^="/cases/' + ref + '/"]'), null, 'a closed case offers no steps');
  await axe(ola.page, 'the closed case (ola)');

  // ola was told along the way: the header counts what she has not read.
  const unread = Number(await field(ola.page, 'notifications'));
  assert.ok(unread >= 1, `ola has ${unread} unread notifications`);
  await ola.page.click('a[data-field="notifications"]');
  await ola.page.waitForURL(BASE + '/notifications');
  assert.match(await ola.page.textContent('main'), new RegExp(ref));
  await axe(ola.page, 'the notifications');
  await shot(ola.page, 'portal-notifications-nb');
  await ola.page.click('form[action="/notifications/read"] button');
  await ola.page.waitForURL(BASE + '/notifications');
  assert.equal(await field(ola.page, 'notifications'), '0');

  assertClean(ola.problems, 400);
  assertClean(per.problems);
  assertClean(lise.problems);
});

test('the same story with JavaScript turned off', async (t) => {
  const ola = await open(t, { javaScriptEnabled: false });
  const per = await open(t, { javaScriptEnabled: false });
  await signIn(ola.page, 'ola');
  await signIn(per.page, 'per');
  const ref = await report(ola.page, { title: 'Teams har ikke lyd', description: 'Ingen lyd i Teams-møter siden oppdateringen i går. Hodesettet virker i andre programmer.', service: 'programvare', priority: 'normal' });
  await axeWithoutJS(ola.page, 'the new case without JavaScript');

  await per.page.goto(BASE + '/cases?status=open&sort=due');
  await axeWithoutJS(per.page, 'the open queue');
  await per.page.click(`tr[data-case="${ref}"] a`);
  await per.page.waitForURL(BASE + '/cases/' + ref);
  await axeWithoutJS(per.page, 'the case page (per)');
  await per.page.click('#step-claim button');
  await per.page.waitForURL(/done=claim/);
  // A comment without saying who it is for is refused, with the reason beside the choice.
  await per.page.fill('#field-comment-body', 'Kjent feil etter oppdateringen.');
  await per.page.click('#step-comment button[type="submit"]');
  await per.page.waitForSelector('.ds-error-summary');
  assert.match(await per.page.textContent('#field-comment-internal-error'), /internt notat eller til melderen/);
  assert.equal(await per.page.inputValue('#field-comment-body'), 'Kjent feil etter oppdateringen.');
  await axeWithoutJS(per.page, 'a step sent back without JavaScript');
  await per.page.fill('#field-request-info-question', 'Hvilken versjon av Teams står det under Innstillinger > Om?');
  await per.page.click('#step-request-info button');
  await per.page.waitForURL(/done=request-info/);

  await ola.page.goto(BASE + '/');
  assert.match(await ola.page.textContent(`tr[data-case="${ref}"]`), /venter på svar fra deg/, 'her home says what the desk waits for');
  await axeWithoutJS(ola.page, 'the portal home');
  await ola.page.click(`tr[data-case="${ref}"] a`);
  await ola.page.waitForURL(BASE + '/cases/' + ref);
  await axeWithoutJS(ola.page, 'the case page (ola, asked)');
  await ola.page.fill('#field-reply-body', 'Versjon 24.1.');
  await ola.page.click('#step-reply button[type="submit"]');
  await ola.page.waitForURL(/done=reply/);

  await per.page.goto(BASE + '/cases/' + ref);
  await per.page.fill('#field-resolve-resolution', 'Oppdaterte Teams til 24.2, som retter lydfeilen.');
  await per.page.click('#step-resolve button');
  await per.page.waitForURL(/done=resolve/);

  await ola.page.goto(BASE + '/cases/' + ref);
  await ola.page.click('#step-confirm button');
  await ola.page.waitForURL(/done=confirm/);
  assert.equal(await field(ola.page, 'status'), 'closed');
  await axeWithoutJS(ola.page, 'the closed case without JavaScript');
});

test('English throughout with lang=en', async (t) => {
  const ola = await open(t, { locale: 'en-GB' });
  const per = await open(t);
  await signIn(ola.page, 'ola');
  await signIn(per.page, 'per');
  await ola.page.goto(BASE + '/?lang=en');
  assert.equal(await lang(ola.page), 'en');
  const headings = await ola.page.$$eval('main h2', (hs) => hs.map((h) => h.textContent.trim()));
  assert.deepEqual(headings.slice(0, 3), ['Service notices', 'My cases', 'Report a new case']);
  await axe(ola.page, 'the portal home (en)');
  await shot(ola.page, 'portal-home-en');
  await ola.page.click('a[href="/cases/new?kind=incident"]');
  assert.equal(await lang(ola.page), 'en');
  assert.match(await ola.page.textContent('main'), /What does the screen say/);
  await axe(ola.page, 'the incident form (en)');
  await ola.page.fill('#field-title', 'The VPN drops');
  await ola.page.fill('#field-description', 'The VPN drops every ten minutes since Monday, at home and in the office.');
  await ola.page.selectOption('#field-service', 'nett');
  await ola.page.click('form.bh-form button[type="submit"]');
  await ola.page.waitForURL(/\/cases\/BH-/);
  const ref = await field(ola.page, 'reference');
  assert.match(await ola.page.textContent('main'), /Answer by (today|tomorrow|\S+day) /);
  assert.match(await ola.page.textContent('main'), /Ola Nordmann reported the case by the web pages\./);
  await axe(ola.page, 'the new case (en)');

  await per.page.goto(BASE + '/cases/' + ref + '?lang=en');
  assert.equal(await lang(per.page), 'en');
  await per.page.click('#step-claim button');
  await per.page.waitForURL(/done=claim/);
  assert.match(await per.page.textContent('[data-field="done"]'), /You have taken the case/);
  await per.page.fill('#field-resolve-resolution', 'Replaced the VPN profile.');
  await per.page.click('#step-resolve button');
  await per.page.waitForURL(/done=resolve/);
  await axe(per.page, 'the resolved case (per, en)');
  await shot(per.page, 'workspace-case-en');
  await per.page.goto(BASE + '/cases?status=open&sort=due');
  assert.match(await per.page.textContent('thead'), /Deadline/);
  await axe(per.page, 'the open queue (en)');
  await shot(per.page, 'workspace-queue-en');

  await ola.page.goto(BASE + '/cases/' + ref);
  assert.match(await ola.page.textContent('[data-field="resolution"]'), /The case is resolved/);
  await ola.page.fill('#field-reopen-reason', 'It still drops at home.');
  await ola.page.click('#step-reopen button');
  await ola.page.waitForURL(/done=reopen/);
  assert.equal(await field(ola.page, 'status'), 'in-progress');
  assert.match(await ola.page.textContent('[data-field="done"]'), /The case is open again/);
  assert.doesNotMatch(await ola.page.textContent('body'), /\?\?[a-zA-Z.]+\?\?/, 'no text is missing');
  await axe(ola.page, 'the reopened case (en)');
  assertClean(ola.problems);
  assertClean(per.problems);
});
