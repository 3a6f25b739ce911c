// Drive the customers, customer and review pages in Debian's Chromium
// (playwright-core) for tests/0255-review-browser.t.  Each step prints
// "ok STEP" or "not ok STEP: why"; screenshots go to SHOTS.
//
// Environment: BASE, KEY (an admin's), VIEWER_KEY (a viewer's), SHOTS, USER_DATA (a fresh
// profile), and the world the shell test made: UNNAMED (an unnamed
// customer's id), WRONG (the sample of someone else among theirs),
// PAIR_SAME (two customers, one person: "ID ID"), PAIR_APART (two
// customers to be told apart), PHOTO (another photo of UNNAMED's
// person), FORGET (a customer the shell forgets while its page is open;
// the step waits for the file FORGET_GO to say when).

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = env('BASE');
const KEY = env('KEY');
const SHOTS = env('SHOTS');
const USER_DATA = env('USER_DATA');
const UNNAMED = env('UNNAMED');
const WRONG = env('WRONG');
const PAIR_SAME = env('PAIR_SAME').split(' ');
const PAIR_APART = env('PAIR_APART').split(' ');
const PHOTO = env('PHOTO');
const FORGET = env('FORGET');
const VIEWER_KEY = env('VIEWER_KEY');

mkdirSync(SHOTS, { recursive: true });

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    const why = String((e && e.message) || e).split('\n')[0];
    console.log(`not ok ${name}: ${why}`);
  }
}

function check(cond, why) {
  if (!cond) throw new Error(why);
}

function lines(...args) {
  const out = execFileSync(args[0], args.slice(1), { encoding: 'utf8' }).trim();
  return out ? out.split('\n').map((l) => JSON.parse(l)) : [];
}

// Page errors never pass; a failed load only while a step expects
// that status.
const consoleErrors = [];
let allowedStatus = new Set();
function watch(page, label) {
  page.on('pageerror', (e) => consoleErrors.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const status = /status of (\d{3})/.exec(m.text());
    if (status && allowedStatus.has(Number(status[1]))) return;
    consoleErrors.push(`${label}: ${m.text()}`);
  });
  // Confirmations are answered yes.
  page.on('dialog', (d) => d.accept());
}

const pairKey = (ids) => [...ids].sort().join(' ');

const context = await chromium.launchPersistentContext(USER_DATA, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1500, height: 1000 },
  timezoneId: 'UTC',
  locale: 'en-US',
});

try {
  const page = context.pages()[0] || (await context.newPage());
  watch(page, 'pages');
  await page.goto(BASE + '/customers.html');
  await page.evaluate((k) => localStorage.setItem('facetrack.apiKey', k), KEY);

  await step('unnamed-found', async () => {
    await page.goto(BASE + '/customers.html');
    await page.locator('#rows tr').first().waitFor({ timeout: 5000 });
    const want = Math.min(lines('ft-query', 'customers', '--named', 'no').length, 25);
    await page.selectOption('#f-named', 'no');
    // The filtered page replaces the first one.
    await page.waitForFunction(
      (n) => document.querySelectorAll('#rows tr').length === n,
      want,
      { timeout: 5000 },
    ).catch(async () => {
      const n = await page.locator('#rows tr').count();
      throw new Error(`${n} rows shown, ft-query lists ${want} unnamed`);
    });
    const link = page.locator(`#rows tr[data-id="${UNNAMED}"] a`);
    await link.waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(SHOTS, 'customers.png'), fullPage: true });
    await link.click();
    await page.waitForURL(/customer\.html\?id=/, { timeout: 5000 });
  });

  await step('faces-shown', async () => {
    const faces = lines('ft-query', 'faces', UNNAMED);
    check(faces.length === 3, `ft-query faces lists ${faces.length}`);
    for (const f of faces) {
      const img = page.locator(`#crops li[data-face="${f.id}"] img`);
      await img.waitFor({ timeout: 5000 });
      await page.waitForFunction(
        (id) => {
          const i = document.querySelector(`#crops li[data-face="${id}"] img`);
          return i && i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0;
        },
        f.id,
        { timeout: 5000 },
      );
    }
    await page.screenshot({ path: join(SHOTS, 'customer.png'), fullPage: true });
  });

  await step('wrong-sample-removed', async () => {
    await page.click(`#crops li[data-face="${WRONG}"] button`);
    await page.locator(`#crops li[data-face="${WRONG}"]`).waitFor({ state: 'detached', timeout: 5000 });
    const faces = lines('ft-query', 'faces', UNNAMED).map((f) => String(f.id));
    check(faces.length === 2 && !faces.includes(WRONG), `samples now ${faces.join(',')}`);
  });

  await step('customer-named', async () => {
    await page.fill('#e-name', 'Newly Named');
    await page.click('#save');
    await page.locator('#edit-msg.ok').waitFor({ timeout: 5000 });
    const c = lines('ft-query', 'customer', UNNAMED)[0];
    check(c.name === 'Newly Named', `the store has "${c.name}"`);
    check((await page.locator('#title').textContent()) === 'Newly Named', 'the title is not the name');
  });

  await step('review-merge', async () => {
    await page.goto(BASE + '/review.html');
    const item = page.locator(`li.pair[data-pair="${pairKey(PAIR_SAME)}"]`);
    await item.waitFor({ timeout: 15000 });
    await page.screenshot({ path: join(SHOTS, 'review.png'), fullPage: true });
    await item.locator('button.merge').click();
    await item.waitFor({ state: 'detached', timeout: 5000 });
    const left = PAIR_SAME.filter((id) => {
      try {
        lines('ft-query', 'customer', id);
        return true;
      } catch {
        return false;
      }
    });
    check(left.length === 1, `${left.length} of the pair left in the store`);
  });

  await step('review-not-the-same', async () => {
    const key = pairKey(PAIR_APART);
    const item = page.locator(`li.pair[data-pair="${key}"]`);
    await item.waitFor({ timeout: 15000 });
    await item.locator('button.apart').click();
    await item.waitFor({ state: 'detached', timeout: 5000 });
    await page.reload();
    await page.waitForFunction(() => !document.getElementById('pairs-empty').hidden ||
      document.querySelectorAll('li.pair').length > 0, null, { timeout: 15000 });
    check((await page.locator(`li.pair[data-pair="${key}"]`).count()) === 0, 'the pair came back');
  });

  await step('photo-finds-customer', async () => {
    await page.goto(BASE + '/customers.html');
    await page.setInputFiles('#photo', PHOTO);
    const first = page.locator('#hits li a').first();
    await first.waitFor({ timeout: 30000 });
    const href = await first.getAttribute('href');
    check(href.includes(UNNAMED), `the nearest is ${href}`);
    await page.screenshot({ path: join(SHOTS, 'search.png'), fullPage: true });
  });

  await step('pages-fit-a-phone', async () => {
    const phone = await context.newPage();
    watch(phone, 'phone');
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const [path, ready] of [
      ['/customers.html', '#rows tr'],
      ['/customer.html?id=' + UNNAMED, '#crops li'],
      ['/review.html', '#pairs-empty, li.pair'],
    ]) {
      await phone.goto(BASE + path);
      await phone.locator(ready).first().waitFor({ state: 'attached', timeout: 15000 });
      await phone.waitForTimeout(500);
      const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(over <= 0, `${path} is ${over} px wider than the phone`);
    }
    await phone.screenshot({ path: join(SHOTS, 'review-phone.png'), fullPage: true });
    await phone.close();
  });

  await step('forgotten-leaves-page', async () => {
    await page.goto(BASE + '/customer.html?id=' + FORGET);
    await page.locator('#live.live').waitFor({ timeout: 5000 });
    await page.locator('#title').filter({ hasNotText: /^Customer$/ }).waitFor({ timeout: 5000 });
    allowedStatus = new Set([404]);
    execFileSync('ft-enroll', ['forget', FORGET], { encoding: 'utf8' });
    await page.locator('#gone').waitFor({ state: 'visible', timeout: 5000 });
    await page.waitForTimeout(500);
    allowedStatus = new Set();
  });

  await step('viewer-sees-no-changes', async () => {
    await page.evaluate((k) => localStorage.setItem('facetrack.apiKey', k), VIEWER_KEY);
    await page.goto(BASE + '/customer.html?id=' + UNNAMED);
    await page.waitForFunction(() => document.documentElement.dataset.keyRole === 'viewer', null, { timeout: 5000 });
    await page.locator('#crops li').first().waitFor({ timeout: 5000 });
    for (const sel of ['#save', '#forget', '#split', '#merge-find', '#crops li button', '#visits button']) {
      const all = await page.locator(sel).all();
      for (const el of all) check(!(await el.isVisible()), `${sel} is shown to a viewer`);
    }
    check(await page.locator('#crops li img').first().isVisible(), 'the crops are hidden from a viewer');
    await page.goto(BASE + '/review.html');
    await page.waitForFunction(() => document.documentElement.dataset.keyRole === 'viewer', null, { timeout: 5000 });
    await page.waitForTimeout(1000);
    for (const el of await page.locator('li.pair button').all()) {
      check(!(await el.isVisible()), 'a review button is shown to a viewer');
    }
    await page.evaluate((k) => localStorage.setItem('facetrack.apiKey', k), KEY);
  });

  await step('no-console-errors', async () => {
    check(consoleErrors.length === 0, consoleErrors.join(' | '));
  });
} finally {
  await context.close();
}
process.exit(0);
