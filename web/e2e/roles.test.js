// The pages of managers, approvers, operations, the service owner and the
// auditor (issue #16) in real Chromium, each checked by axe-core (WCAG
// 2.1 A and AA): kari starts a new user with an ESA access, per creates
// the account and arne approves the access, by keyboard; jon rejects a
// non-standard order with a reason, without JavaScript, and eva sees it;
// tor announces an outage, ola's fault is linked to it, tor resolves it
// and ola's case is resolved, in English; nina's dashboard shows the
// figures of the JSON report; siri replays a case's timeline by keyboard,
// in English. e2e/browser_test.go runs this against the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, open, signIn, axe, shot, lang, assertClean, field, api, eventually, reloadUntil, tabTo, assertReflows,
  assertSummaryFocused, focusedId, dateAhead, today,
} from './helpers.js';

// Some steps land on a case's page (/cases/{ref}), which the caseworkers'
// pages serve; until they are there it is a 404, which is not this
// test's business.
const caseNotYet = 404;

const suffix = String(Date.now() % 100000);

test('kari starts a new user with an ESA access; per creates the account; arne approves the access by keyboard', async (t) => {
  const { page, problems } = await open(t);
  await signIn(page, 'kari');
  await page.goto(BASE + '/team');
  assert.equal(await page.textContent('h1'), 'Mitt team');
  assert.ok(await page.locator('tr[data-person="ola"]').count(), 'ola is in kari’s team');
  assert.equal(await page.locator('tr[data-person="eva"]').count(), 0, 'eva is jon’s');
  await axe(page, '/team');
  await shot(page, 'team-nb');

  await page.click('a[href="/cases/new?kind=new-user"]');
  await page.waitForURL(/kind=new-user/);
  await axe(page, 'the new-user form');
  await shot(page, 'new-user-nb');
  const start = dateAhead(21);
  await page.fill('input[name="employee.givenName"]', 'Nora');
  await page.fill('input[name="jobTitle"]', 'Lektor');
  await page.fill('input[name="startDate"]', start);
  // The plan follows the date: the desk's dates on the service calendar.
  await page.waitForSelector(`#plan time[datetime^="${start}T07:30"]`);
  assert.match(await page.textContent('#plan h2'), /Dette skjer når den nye starter/);
  const readyBy = await page.getAttribute('#plan li:first-child time', 'datetime');
  assert.ok(readyBy < start, `ready by ${readyBy}, before the start ${start}`);
  await page.check('input[name="equipment"][value="laptop-standard"]');
  await page.check('input[name="software"][value="office-standard"]');
  await page.click('details[data-field="esa"] summary');
  await page.fill('input[name="esaAccess.role"]', 'saksbehandler');
  await page.check('input[name="esaAccess.units"][value="opplaering"]');
  await page.fill('input[name="esaAccess.accessCodes"]', 'A');
  await page.waitForSelector('#plan :text("Arne Dahl")');

  // The family name is missing: told at the top and beside the field.
  await page.click('button:has-text("Meld den nye ansatte")');
  await page.waitForSelector('.ds-error-summary');
  assert.match(await page.title(), /^Feil: /);
  await assertSummaryFocused(page, 'focus is on the summary');
  await page.click('.ds-error-summary a[href="#field-employee.familyName"]');
  assert.equal(await focusedId(page), 'field-employee.familyName');
  assert.equal(await page.inputValue('input[name="employee.givenName"]'), 'Nora', 'what was typed is kept');
  await axe(page, 'the new-user form with an error');
  await shot(page, 'new-user-error-nb');

  const family = 'Ny' + suffix;
  await page.fill('input[name="employee.familyName"]', family);
  await page.click('button:has-text("Meld den nye ansatte")');
  await page.waitForURL(/\/cases\/BH-\d{4}-\d{6}$/);
  const ref = page.url().split('/').pop();

  // The team page lists the request and who acts on it now.
  await page.goto(BASE + '/team');
  const row = page.locator(`tr[data-request="${ref}"]`);
  assert.match(await row.locator('[data-field="acting"]').textContent(), /Brukerhjelp \(førstelinjen\): Opprett konto for Nora/);
  await shot(page, 'team-request-nb');
  assertClean(problems, caseNotYet, 400);

  // Per, of the first line, creates the account: the task's output is
  // its username.
  const username = 'nora.ny' + suffix;
  const per = await open(t);
  await signIn(per.page, 'per');
  await reloadUntil(per.page, BASE + '/tasks', `a:has-text("Opprett konto for Nora ${family}")`);
  await per.page.click(`a:has-text("Opprett konto for Nora ${family}")`);
  await per.page.fill('input[name="output"]', username);
  await axe(per.page, 'a fulfilment task');
  await per.page.click('button[value="done"]');
  await per.page.waitForURL(/\/tasks\?decided=/);
  assert.equal(await field(per.page, 'decided'), 'done');
  assertClean(per.problems);

  // Arne, the ESA system owner, finds the access in his inbox and
  // approves it with the keyboard alone.
  const arne = await open(t);
  await signIn(arne.page, 'arne');
  const title = `Godkjenn ESA-tilgang for ${username}`;
  await reloadUntil(arne.page, BASE + '/tasks', `a:has-text("${title}")`);
  await axe(arne.page, 'arne’s inbox');
  await shot(arne.page, 'tasks-nb');
  const inboxRow = arne.page.locator('tr', { has: arne.page.locator(`a:has-text("${title}")`) });
  assert.match(await inboxRow.textContent(), /Kari Olsen/, 'who asked');
  assert.equal(await inboxRow.locator('[data-code="A"]').count(), 1, 'the access code');
  assert.ok(await inboxRow.locator('[data-field="deadline"] time').count(), 'the deadline');
  await tabTo(arne.page, 'a', { text: title });
  await arne.page.keyboard.press('Enter');
  await arne.page.waitForURL(/\/tasks\/[0-9a-f-]+\.t\d+$/);
  assert.equal(await arne.page.textContent('[data-field="role"]'), 'saksbehandler');
  await axe(arne.page, 'arne’s decision page');
  await shot(arne.page, 'task-esa-nb');
  await tabTo(arne.page, '[value="approved"]');
  await arne.page.keyboard.press('Enter');
  await arne.page.waitForURL(/\/tasks\?decided=/);
  assert.equal(await field(arne.page, 'decided'), 'approved');
  await axe(arne.page, 'the inbox after a decision');
  assertClean(arne.problems);
});

test('jon rejects a non-standard order with a reason, without JavaScript, and eva sees the reason', async (t) => {
  const { context, page } = await open(t, { javaScriptEnabled: false });
  // Eva orders what the catalogue does not have (the order form is the
  // portal's; the JSON API does the same).
  const order = await api(context, 'eva', 'POST', '/cases', {
    kind: 'order', title: 'Adobe Acrobat Pro ' + suffix, costCenter: 'samferdsel',
    items: [{ description: 'Adobe Acrobat Pro, lisens for ett år', estimatedCostNOK: 4500, quantity: 1 }],
  }, 201);

  // Lise's group reviews it first.
  const lise = await open(t);
  await signIn(lise.page, 'lise');
  await reloadUntil(lise.page, BASE + '/tasks', `tr[data-task^="${order.id}."] a`);
  await lise.page.click(`tr[data-task^="${order.id}."] a`);
  await lise.page.click('button[value="approved"]');
  await lise.page.waitForURL(/decided=/);

  await signIn(page, 'jon');
  const costTask = await eventually('the cost approval', async () => {
    const c = await api(context, 'jon', 'GET', '/cases/' + order.reference);
    return c.tasks.find((x) => x.type === 'cost-approval' && x.status === 'open');
  });
  await page.goto(BASE + '/tasks');
  const row = page.locator(`tr[data-task="${costTask.id}"]`);
  assert.equal(await row.locator('[data-field="cost"]').textContent(), '4\u00a0500\u00a0kr');
  await page.click(`tr[data-task="${costTask.id}"] a`);
  await page.waitForURL(BASE + '/tasks/' + costTask.id);
  // No reason: refused beside the field, nothing decided.
  await page.click('button[value="rejected"]');
  await page.waitForSelector('#field-comment-error');
  assert.match(await page.textContent('#field-comment-error'), /skriv hvorfor du avslår/);
  assert.match(await page.textContent('.ds-error-summary'), /skriv hvorfor du avslår/);
  assert.equal((await api(context, 'jon', 'GET', '/cases/' + order.reference)).status, 'awaiting-approval');
  await page.fill('textarea[name="comment"]', 'Ikke budsjett i år; bruk gratisversjonen.');
  await page.click('button[value="rejected"]');
  await page.waitForURL(/decided=/);
  assert.equal(await field(page, 'decided'), 'rejected');

  // Eva sees the reason.
  const eva = await open(t);
  await signIn(eva.page, 'eva');
  await eva.page.goto(BASE + '/tasks/' + costTask.id);
  assert.equal(await field(eva.page, 'outcome'), 'rejected');
  assert.match(await eva.page.textContent('[data-field="comment"]'), /Ikke budsjett i år; bruk gratisversjonen\./);
  assert.match(await eva.page.textContent('[data-field="outcome"]'), /Avslått av Jon Berg/);
  await axe(eva.page, 'the rejected task as the employee sees it');
  await shot(eva.page, 'task-rejected-nb');
  const rejected = await eventually('the order is rejected', async () => {
    const c = await api(context, 'eva', 'GET', '/cases/' + order.reference);
    return c.status === 'rejected' && c;
  });
  assert.match(rejected.order.rejectedReason || JSON.stringify(rejected), /Ikke budsjett i år/);
  assertClean(eva.problems);
});

test('tor announces an outage, ola’s fault is linked to it, tor resolves it and the fault is resolved (in English)', async (t) => {
  const { context, page, problems } = await open(t, { locale: 'en-GB' });
  await signIn(page, 'tor');
  await page.goto(BASE + '/announcements');
  assert.equal(await lang(page), 'en');
  await axe(page, '/announcements (en)');
  await shot(page, 'announcements-en');
  await page.check('input[name="kind"][value="outage"]');
  await page.fill('input[name="title"]', 'ESA er nede ' + suffix);
  await page.fill('input[name="titleEn"]', 'ESA is down ' + suffix);
  await page.fill('textarea[name="body"]', 'Vi feilsøker. Bruk papirskjema i mellomtiden.');
  await page.fill('textarea[name="bodyEn"]', 'We are on it. Use the paper form meanwhile.');
  await page.fill('input[name="services"]', 'ESA');
  await page.click('button:has-text("Publish the announcement")');
  await page.waitForURL(/\/announcements\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop();
  assert.equal(await page.textContent('h1'), 'ESA is down ' + suffix);
  assert.equal(await field(page, 'linkedCount'), '0');
  await page.waitForFunction(() => document.querySelector('[data-live-src]') !== null);
  await page.waitForTimeout(500);

  // Ola reports a fault and links it to the outage (the portal's form
  // has the same field, announcement).
  const fault = await api(context, 'ola', 'POST', '/cases', {
    kind: 'incident', title: 'Får ikke åpnet ESA', description: 'Feilmelding ved innlogging.', announcement: id,
  }, 201);
  const olaPage = await open(t);
  await signIn(olaPage.page, 'ola');
  await olaPage.page.goto(BASE + '/announcements');
  assert.match(await olaPage.page.textContent('[data-field="announcements"]'), new RegExp('Driftsavbrudd: ESA er nede ' + suffix));
  await axe(olaPage.page, '/announcements as an employee');
  await shot(olaPage.page, 'announcements-nb');

  // Tor's page counts it live, without a reload.
  await page.waitForSelector('[data-field="linkedCount"][data-value="1"]', { timeout: 15000 });
  assert.match(await page.textContent('[data-field="linkedCases"]'), new RegExp(fault.reference));
  await axe(page, 'the outage with a linked case (en)');
  await shot(page, 'announcement-en');
  await page.fill('textarea[name="comment"]', 'The database was restarted.');
  await page.click('button:has-text("End the outage")');
  await page.waitForURL(BASE + '/announcements/' + id);
  assert.equal(await field(page, 'status'), 'resolved');
  assert.equal(await page.locator('form[action$="/resolve"]').count(), 0, 'nothing left to resolve');

  const resolved = await eventually('ola’s fault is resolved', async () => {
    const c = await api(context, 'ola', 'GET', '/cases/' + fault.reference);
    return c.status === 'resolved' && c;
  });
  assert.match(resolved.resolution, new RegExp('ESA er nede ' + suffix));
  assertClean(problems);
  assertClean(olaPage.problems);
});

// figure reads a chart table's cell: its data-value.
async function cells(page, chart) {
  return page.$$eval(`table[data-table="${chart}"] tbody tr`, (rows) => rows.map((r) => ({
    key: r.dataset.row, from: r.dataset.from, to: r.dataset.to,
    values: Object.fromEntries([...r.querySelectorAll('td')].map((td) => [td.dataset.series, td.dataset.value])),
  })));
}

const num = (v) => (v === '' || v === undefined ? null : Number(v));

test('nina’s dashboard draws the figures of the JSON report', async (t) => {
  const { context, page, problems } = await open(t);
  await signIn(page, 'nina');
  const from = today(-30);
  const to = today();
  await page.goto(`${BASE}/reports/kpi?from=${from}&to=${to}`);
  await axe(page, '/reports/kpi');
  await shot(page, 'kpi-nb');
  const period = page.locator('[data-field="period"]');
  const report = await api(context, 'nina', 'GET', `/reports/kpi?from=${from}&to=${to}`);
  assert.equal(new Date(await period.getAttribute('data-from')).getTime(), new Date(report.from).getTime(), 'the same period');
  assert.equal(new Date(await period.getAttribute('data-to')).getTime(), new Date(report.to).getTime());
  for (const k of ['opened', 'resolved']) {
    assert.equal(num(await page.getAttribute(`[data-kpi="total.${k}"]`, 'data-value')), report.total[k], `total ${k}`);
  }
  assert.equal(num(await page.getAttribute('[data-kpi="total.backlog"]', 'data-value')), report.total.backlog.total, 'the backlog');
  assert.ok(report.total.opened > 0, 'the other tests opened cases in the period');

  // Every chart is an image with a title and a description, and its
  // table holds the report's figures.
  const charts = await page.$$eval('figure[data-chart] svg[role="img"]', (svgs) => svgs.map((s) => ({
    title: s.querySelector('title')?.textContent, desc: s.querySelector('desc')?.textContent, labelledby: s.getAttribute('aria-labelledby'),
  })));
  assert.ok(charts.length >= 2, `charts drawn: ${charts.length}`);
  for (const c of charts) assert.ok(c.title && c.desc && c.labelledby.split(' ').length === 2, JSON.stringify(c));

  const backlog = await cells(page, 'backlog');
  assert.deepEqual(backlog.map((r) => num(r.values.count)), report.total.backlog.buckets.map((b) => b.count), 'backlog by age');
  const rowsOf = (dim) => Object.fromEntries(report[dim].map((r) => [r.key, r]));
  for (const [chart, dim, stat] of [['response-priority', 'byPriority', 'firstResponseHours'], ['resolution-priority', 'byPriority', 'resolutionHours'],
    ['response-group', 'byGroup', 'firstResponseHours'], ['resolution-group', 'byGroup', 'resolutionHours']]) {
    const want = rowsOf(dim);
    const got = await cells(page, chart);
    assert.deepEqual(got.map((r) => r.key).sort(), report[dim].filter((r) => r[stat].count > 0).map((r) => r.key).sort(), `${chart}: the rows`);
    for (const r of got) {
      assert.equal(num(r.values.median), want[r.key][stat].median, `${chart} ${r.key} median`);
      assert.equal(num(r.values.p90), want[r.key][stat].p90, `${chart} ${r.key} p90`);
    }
  }
  for (const [chart, dim] of [['compliance-priority', 'byPriority'], ['compliance-group', 'byGroup']]) {
    const want = rowsOf(dim);
    for (const r of await cells(page, chart)) {
      assert.equal(num(r.values.responseWithinTarget), want[r.key].responseWithinTarget.rate, `${chart} ${r.key} response`);
      assert.equal(num(r.values.resolutionWithinTarget), want[r.key].resolutionWithinTarget.rate, `${chart} ${r.key} resolution`);
    }
  }
  // Each week's bars are that week's report.
  const weeks = await cells(page, 'weekly');
  assert.ok(weeks.length >= 4, `weeks: ${weeks.length}`);
  let opened = 0;
  for (const w of weeks) {
    const wr = await api(context, 'nina', 'GET', `/reports/kpi?from=${encodeURIComponent(w.from)}&to=${encodeURIComponent(w.to)}`);
    assert.equal(num(w.values.opened), wr.total.opened, `week of ${w.key}: opened`);
    assert.equal(num(w.values.resolved), wr.total.resolved, `week of ${w.key}: resolved`);
    opened += wr.total.opened;
  }
  assert.equal(opened, report.total.opened, 'the weeks add up to the period');

  // The CSV is the report's.
  const csvHref = await page.getAttribute('a[href^="/reports/kpi.csv"]', 'href');
  const csv = await context.request.get(BASE + csvHref);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  assert.match(await csv.text(), new RegExp(`^dimension,key,from,to,opened[^\\n]*\\ntotal,,[^,]+,[^,]+,${report.total.opened},`));

  // One group: its own figures.
  await page.selectOption('select[name="group"]', 'brukerhjelp');
  await page.click('button:has-text("Vis")');
  await page.waitForURL(/group=brukerhjelp/);
  const group = report.byGroup.find((r) => r.key === 'brukerhjelp');
  assert.equal(num(await page.getAttribute('[data-kpi="group.brukerhjelp.opened"]', 'data-value')), group ? group.opened : 0);
  await axe(page, '/reports/kpi for one group');

  await page.goto(`${BASE}/reports/kpi?from=${from}&to=${to}&lang=en`);
  await axe(page, '/reports/kpi (en)');
  await shot(page, 'kpi-en');
  assertClean(problems);
});

test('siri replays a case by keyboard, in English: its timeline, the case before its resolution, the chain verified', async (t) => {
  const { context, page, problems } = await open(t, { locale: 'en-GB' });
  const c = await api(context, 'ola', 'POST', '/cases', { kind: 'incident', title: 'Skjermen er svart ' + suffix, description: 'Siden i morges.' }, 201);
  await api(context, 'per', 'POST', `/cases/${c.reference}/claim`);
  await api(context, 'per', 'POST', `/cases/${c.reference}/resolve`, { resolution: 'Byttet kabel.' });

  await signIn(page, 'siri');
  await page.goto(BASE + '/audit');
  assert.equal(await lang(page), 'en');
  await axe(page, '/audit (en)');
  await shot(page, 'audit-en');
  await tabTo(page, '[name="ref"]');
  await page.keyboard.type(c.reference);
  await page.keyboard.press('Enter');
  await page.waitForURL(BASE + '/audit/cases/' + c.reference);
  assert.equal(await field(page, 'verify'), 'ok');
  assert.match(await page.textContent('[data-field="verify"]'), /The hash chain is whole/);
  assert.equal(await field(page, 'status'), 'resolved');
  const types = await page.$$eval('[data-field="timeline"] > li', (lis) => lis.map((li) => li.dataset.type));
  const resolvedAt = types.indexOf('CaseResolved');
  assert.ok(resolvedAt > 0, `the timeline: ${types}`);
  await axe(page, 'the timeline (en)');
  await shot(page, 'audit-case-en');

  // The slider, by keyboard: back to the event before the resolution.
  await tabTo(page, '#field-step');
  const at = Number(await page.inputValue('#field-step'));
  for (let i = at; i >= resolvedAt; i--) await page.keyboard.press('ArrowLeft');
  assert.equal(Number(await page.inputValue('#field-step')), resolvedAt - 1);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Show the case then');
  await page.keyboard.press('Enter');
  await page.waitForURL(/asOf=/);
  assert.equal(await field(page, 'status'), 'in-progress', 'before the resolution');
  assert.match(await page.textContent('#then-heading'), /The case as it was/);
  assert.equal(await page.locator('[data-type="CaseResolved"][data-after="true"]').count(), 1, 'the resolution is after the moment');
  assert.equal(await field(page, 'verify'), 'ok');
  await axe(page, 'the case as it was (en)');
  await shot(page, 'audit-case-asof-en');
  // Nothing here writes: the only form that posts signs out.
  assert.equal(await page.locator('form[method="post"]').count(), 1);

  await page.goto(BASE + '/audit?verify=all');
  assert.equal(await field(page, 'verifyAll'), 'ok');
  await axe(page, 'verify everything (en)');
  await page.goto(BASE + '/audit/reads');
  assert.match(await page.textContent('table[data-table="reads"]'), /State at a moment/);
  await axe(page, 'the log of reads (en)');
  await shot(page, 'audit-reads-en');
  const exp = await context.request.get(`${BASE}/audit/export?from=${today()}&to=${today()}`);
  assert.equal(exp.status(), 200);
  assert.match(exp.headers()['content-disposition'], /attachment; filename="brukerhjelp-/);
  const lines = (await exp.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.stream === 'case-' + c.id), 'the export holds the case');
  assertClean(problems);
});

test('the manager’s other forms and the pages in both languages pass axe', async (t) => {
  const { page, problems } = await open(t);
  await signIn(page, 'kari');
  for (const [path, name] of [['/cases/new?kind=esa-access&employee=ola', 'esa-access'], ['/cases/new?kind=departure&employee=ola', 'departure']]) {
    for (const l of ['nb', 'en']) {
      await page.goto(`${BASE}${path}&lang=${l}`);
      assert.equal(await lang(page), l);
      await axe(page, `${path} (${l})`);
      await shot(page, `${name}-${l}`);
    }
  }
  // The departure's plan follows the last working day.
  await page.goto(`${BASE}/cases/new?kind=departure&employee=ola&lang=nb`);
  const day = dateAhead(14);
  await page.fill('input[name="lastWorkingDay"]', day);
  await page.waitForSelector(`#plan time[datetime^="${day}T16:00"]`);
  await page.goto(BASE + '/team?lang=en');
  await axe(page, '/team (en)');
  await shot(page, 'team-en');
  await page.goto(BASE + '/tasks?lang=en');
  await axe(page, '/tasks (en)');
  // Reflows to 320 px.
  await page.setViewportSize({ width: 320, height: 640 });
  for (const p of ['/team', '/cases/new?kind=new-user', '/tasks']) {
    await page.goto(BASE + p);
    await assertReflows(page, p);
  }
  assertClean(problems);
});
