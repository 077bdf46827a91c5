// Screenshots of the workspace's deadlines in every state, from the
// handler tests' demo server (go test ./web -run TestServeDeadlineDemo
// with BRUKERHJELP_DEMO_ADDR set): the queue and the homes, in bokmål
// and English. Not a test: node deadline-shots.mjs, with
// BRUKERHJELP_URL=http://<that address> and BRUKERHJELP_SCREENSHOTS.
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BRUKERHJELP_URL;
const SHOTS = process.env.BRUKERHJELP_SCREENSHOTS || '.';
const browser = await chromium.launch({ executablePath: process.env.BRUKERHJELP_CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
async function as(user, locale) {
  const page = await (await browser.newContext({ locale, viewport: { width: 1200, height: 800 } })).newPage();
  await page.goto(BASE + '/login');
  await page.click(`button[value="${user}"]`);
  await page.waitForURL(BASE + '/');
  return page;
}
for (const [lang, locale] of [['nb', 'nb-NO'], ['en', 'en-GB']]) {
  const per = await as('per', locale);
  await per.goto(BASE + '/cases?status=open&sort=due');
  await per.screenshot({ path: path.join(SHOTS, `workspace-deadlines-${lang}.png`), fullPage: true });
  await per.goto(BASE + '/');
  await per.screenshot({ path: path.join(SHOTS, `workspace-home-${lang}.png`), fullPage: true });
  const ola = await as('ola', locale);
  await ola.screenshot({ path: path.join(SHOTS, `portal-home-outage-${lang}.png`), fullPage: true });
}
await browser.close();
