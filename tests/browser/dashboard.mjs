// Drive the dashboard in Debian's Chromium (playwright-core, no browser
// download) for tests/0210-serve-browser.t.  Each step prints one line,
// "ok STEP" or "not ok STEP: why", which the shell test turns into its
// own tests; screenshots go to SHOTS.
//
// Environment: BASE (http://127.0.0.1:PORT), KEY (the API key, an
// admin's), VIEWER_KEY (a viewer's), SHOTS
// (a directory), VISIT_ADD (a program recording a visit of the customer
// given as argument), CUSTOMER (that customer's id), CRON (1 when the
// schedule may be written), MAILDIR (where the test's SMTP server keeps
// the mail it receives),
// USER_DATA (a fresh profile directory).

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = env('BASE');
const KEY = env('KEY');
const VIEWER_KEY = env('VIEWER_KEY');
const SHOTS = env('SHOTS');
const VISIT_ADD = env('VISIT_ADD');
const CUSTOMER = env('CUSTOMER');
const USER_DATA = env('USER_DATA');
const CRON = process.env.CRON === '1';
const MAILDIR = env('MAILDIR');

mkdirSync(SHOTS, { recursive: true });

const failures = [];
async function step(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    const why = String((e && e.message) || e).split('\n')[0];
    console.log(`not ok ${name}: ${why}`);
    failures.push(name);
  }
}

function check(cond, why) {
  if (!cond) throw new Error(why);
}

function query(...args) {
  return execFileSync('ft-query', args, { encoding: 'utf8' });
}

function schedule(...args) {
  return execFileSync('ft-schedule', args, { encoding: 'utf8' });
}

const digits = (s) => Number(String(s).replace(/[^0-9]/g, ''));

// Messages in the console: page errors never pass; a failed resource
// load passes only while a step expects that status.
const consoleErrors = [];
let allowedStatus = new Set();
function watch(page, label) {
  page.on('pageerror', (e) => consoleErrors.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    const status = /status of (\d{3})/.exec(text);
    if (status && allowedStatus.has(Number(status[1]))) return;
    consoleErrors.push(`${label}: ${m.type()}: ${text}`);
  });
}

const context = await chromium.launchPersistentContext(USER_DATA, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1600, height: 1000 },
  timezoneId: 'UTC',
  locale: 'en-US',
});

try {
  const page = context.pages()[0] || (await context.newPage());
  watch(page, 'dashboard');

  await step('key-asked', async () => {
    await page.goto(BASE + '/');
    await page.locator('#key-dialog input[name=key]').waitFor({ timeout: 5000 });
  });

  await step('key-wrong-message', async () => {
    allowedStatus = new Set([401]);
    await page.fill('#key-dialog input[name=key]', KEY + '-wrong');
    await page.click('#key-dialog button[type=submit]');
    const msg = page.locator('#key-dialog .message.error');
    await msg.waitFor({ state: 'visible', timeout: 5000 });
    const text = await msg.textContent();
    check(/not accepted/.test(text), `message was "${text}"`);
    check(await page.locator('#key-dialog').isVisible(), 'the dialog went away');
    await page.screenshot({ path: join(SHOTS, 'key-wrong.png') });
    allowedStatus = new Set();
  });

  await step('kpis-equal-ft-query', async () => {
    await page.fill('#key-dialog input[name=key]', KEY);
    await page.click('#key-dialog button[type=submit]');
    await page.locator('#key-dialog').waitFor({ state: 'detached', timeout: 5000 });
    await page.waitForFunction(() => document.getElementById('kpi-total').dataset.value !== undefined);
    const st = JSON.parse(query('stats'));
    const got = await page.evaluate(() =>
      Object.fromEntries(
        ['kpi-total', 'kpi-new', 'kpi-visits', 'kpi-rate'].map((id) => {
          const el = document.getElementById(id);
          return [id, { text: el.textContent, value: el.dataset.value }];
        }),
      ),
    );
    check(digits(got['kpi-total'].text) === st.total_customers, `total ${got['kpi-total'].text} != ${st.total_customers}`);
    check(digits(got['kpi-new'].text) === st.new_today, `new ${got['kpi-new'].text} != ${st.new_today}`);
    check(digits(got['kpi-visits'].text) === st.visits_today, `visits ${got['kpi-visits'].text} != ${st.visits_today}`);
    const rate = (st.returning_rate * 100).toFixed(1) + '%';
    check(got['kpi-rate'].text === rate, `rate ${got['kpi-rate'].text} != ${rate}`);
  });

  await step('charts-drawn', async () => {
    const n = await page.evaluate(() => {
      const t = Chart.getChart('trend-chart');
      const p = Chart.getChart('top-chart');
      return [t ? t.data.labels.length : 0, p ? p.data.labels.length : 0];
    });
    const top = JSON.parse('[' + query('top', '--limit', '10', '--since', '30d').trim().split('\n').join(',') + ']');
    check(n[0] === 30, `trend has ${n[0]} days`);
    check(n[1] === top.length, `top has ${n[1]} bars, ft-query ${top.length}`);
  });

  await step('key-kept-after-reload', async () => {
    await page.reload();
    await page.waitForFunction(() => document.getElementById('kpi-total').dataset.value !== undefined, null, { timeout: 5000 });
    check((await page.locator('#key-dialog').count()) === 0, 'the key was asked again');
  });

  await step('live-visit-within-2s', async () => {
    await page.locator('#live.live').waitFor({ timeout: 5000 });
    const before = Number(await page.locator('#kpi-visits').getAttribute('data-value'));
    const trendBefore = await page.evaluate(() => Chart.getChart('trend-chart').data.datasets[0].data.at(-1));
    const t0 = Date.now();
    const visit = JSON.parse(execFileSync(VISIT_ADD, ['--source', 'front door', CUSTOMER], { encoding: 'utf8' }));
    await page.locator(`#feed li[data-visit="${visit.id}"]`).waitFor({ timeout: 2000 });
    await page.waitForFunction(
      (want) => Number(document.getElementById('kpi-visits').dataset.value) === want,
      before + 1,
      { timeout: Math.max(100, 2000 - (Date.now() - t0)) },
    );
    const took = Date.now() - t0;
    check(took <= 2000, `took ${took} ms`);
    const item = await page.locator(`#feed li[data-visit="${visit.id}"]`).textContent();
    check(item.includes(visit.name), `feed item "${item}" lacks ${visit.name}`);
    check(item.includes('front door'), `feed item "${item}" lacks the source`);
    await page.waitForFunction(
      (want) => Chart.getChart('trend-chart').data.datasets[0].data.at(-1) === want,
      trendBefore + 1,
      { timeout: 2000 },
    );
    const st = JSON.parse(query('stats'));
    check(st.visits_today === before + 1, `ft-query says ${st.visits_today}`);
    console.log(`# visit shown after ${took} ms`);
  });

  await step('forgotten-leaves-page', async () => {
    const name = 'Leaving Person Qz';
    const c = JSON.parse(execFileSync('ft-enroll', ['add', '--name', name], { encoding: 'utf8' }));
    const visit = JSON.parse(execFileSync(VISIT_ADD, [c.id], { encoding: 'utf8' }));
    const item = page.locator(`#feed li[data-visit="${visit.id}"]`);
    await item.waitFor({ timeout: 2000 });
    check((await item.textContent()).includes(name), 'the visit is shown without the name');
    const t0 = Date.now();
    execFileSync('ft-enroll', ['forget', c.id], { encoding: 'utf8' });
    await item.waitFor({ state: 'detached', timeout: 2000 });
    const took = Date.now() - t0;
    check(!(await page.locator('body').textContent()).includes(name), 'the name is still on the page');
    console.log(`# forgotten customer gone after ${took} ms`);
  });

  await step('dashboard-screenshot', async () => {
    await page.waitForTimeout(2600); // let the arrival highlight fade
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  });

  await step('phone-width', async () => {
    const phone = await context.newPage();
    watch(phone, 'phone');
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(BASE + '/');
    await phone.waitForFunction(() => document.getElementById('kpi-total').dataset.value !== undefined, null, { timeout: 5000 });
    await phone.waitForTimeout(800);
    const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(over <= 0, `the page is ${over} px wider than the phone`);
    const kpiWidths = await phone.evaluate(() =>
      [...document.querySelectorAll('.kpi .value')].map((e) => e.scrollWidth - e.clientWidth),
    );
    check(kpiWidths.every((w) => w <= 0), `a KPI figure overflows its card: ${kpiWidths}`);
    await phone.screenshot({ path: join(SHOTS, 'dashboard-phone.png'), fullPage: true });
    await phone.close();
  });

  await step('settings-start-stop', async () => {
    await page.goto(BASE + '/settings.html');
    await page.locator('#rec-state[data-running="false"]').waitFor({ timeout: 5000 });
    await page.click('#rec-start');
    await page.locator('#rec-state[data-running="true"]').waitFor({ timeout: 10000 });
    const st = JSON.parse(schedule('status'));
    check(st.running === true, 'ft-schedule status says not running');
    await page.waitForFunction(() => Number(document.getElementById('rec-frames').textContent.replace(/\D/g, '')) > 0, null, { timeout: 6000 });
    await page.screenshot({ path: join(SHOTS, 'settings-running.png'), fullPage: true });
    await page.click('#rec-stop');
    await page.locator('#rec-state[data-running="false"]').waitFor({ timeout: 20000 });
    const after = JSON.parse(schedule('status'));
    check(after.running === false, 'ft-schedule status says still running');
    check(/stopped/i.test(await page.locator('#rec-msg').textContent()), 'no message after stop');
  });

  await step('settings-cameras', async () => {
    const rows = page.locator('#cam-rows tr');
    await rows.first().waitFor({ timeout: 5000 });
    check((await rows.count()) === 1, 'not one camera before any setting');
    check(/FT_CAMERA/.test(await page.locator('#cam-from').textContent()), 'the first camera is not said to be FT_CAMERA');
    await page.fill('#cam-name', 'door');
    await page.fill('#cam-source', 'rtsp://cam:s3cret@10.0.0.7/s1');
    await page.click('#cam-add');
    await page.fill('#cam-name', 'till');
    await page.fill('#cam-source', '/dev/video1');
    await page.click('#cam-add');
    await page.click('#cam-rows tr[data-name=""] button');
    await page.click('#cam-save');
    await page.waitForFunction(() => /Cameras saved/.test(document.getElementById('cam-msg').textContent), null, { timeout: 5000 });
    const cams = JSON.parse(schedule('cameras'));
    check(cams.from === 'settings', `the cameras are from ${cams.from}`);
    check(JSON.stringify(cams.cameras.map((c) => c.name)) === '["door","till"]', `cameras ${JSON.stringify(cams.cameras)}`);
    check(cams.cameras[0].source === 'rtsp://cam:***@10.0.0.7/s1', `door's source is shown as ${cams.cameras[0].source}`);
    check(!(await page.content()).includes('s3cret'), 'the page shows the password');

    // One pipeline for each camera, each row with its own frames.
    await page.click('#rec-start');
    await page.locator('#rec-state[data-running="true"]').waitFor({ timeout: 10000 });
    await page.waitForFunction(() => {
      const r = [...document.querySelectorAll('#cam-rows tr')];
      return r.length === 2 && r.every((tr) => tr.querySelector('.cam-state').textContent === 'Running' &&
        Number(tr.querySelector('.num').textContent.replace(/\D/g, '')) > 0);
    }, null, { timeout: 10000 });
    const st = JSON.parse(schedule('status'));
    check(JSON.stringify(st.sources.map((x) => x.name)) === '["door","till"]', `pipelines ${JSON.stringify(st.sources)}`);
    await page.screenshot({ path: join(SHOTS, 'settings-cameras.png'), fullPage: true });

    // Removing one while recognition runs restarts it on the other.
    await page.click('#cam-rows tr[data-name="till"] button');
    await page.click('#cam-save');
    await page.waitForFunction(() => /restarted on 1 camera\b/.test(document.getElementById('cam-msg').textContent), null, { timeout: 30000 });
    const after = JSON.parse(schedule('status'));
    check(after.running && JSON.stringify(after.sources.map((x) => x.name)) === '["door"]', `pipelines ${JSON.stringify(after.sources)}`);
    await page.click('#rec-stop');
    await page.locator('#rec-state[data-running="false"]').waitFor({ timeout: 20000 });
    await page.click('#cam-reset');
    await page.waitForFunction(() => /FT_CAMERA/.test(document.getElementById('cam-from').textContent), null, { timeout: 5000 });
    check(JSON.parse(schedule('cameras')).from === 'FT_CAMERA', 'the settings still hold cameras');
  });

  await step('settings-schedule', async () => {
    if (!CRON) {
      console.log('# no crontab to write: schedule form not submitted');
      return;
    }
    await page.fill('#sched-from', '08:30');
    await page.fill('#sched-to', '19:00');
    for (const d of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) {
      await page.setChecked(`#sched-days input[value=${d}]`, d !== 'sun');
    }
    await page.click('#sched-save');
    await page.waitForFunction(() => /08:30–19:00/.test(document.getElementById('sched-now').textContent), null, { timeout: 5000 });
    const shown = schedule('show');
    check(/^# window 08:30 19:00 mon-sat$/m.test(shown), `crontab block: ${shown}`);
    await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
    await page.click('#sched-remove');
    await page.waitForFunction(() => /No window/.test(document.getElementById('sched-now').textContent), null, { timeout: 5000 });
    check(schedule('show') === '', 'the block is still in the crontab');
  });

  await step('settings-report-message', async () => {
    await page.fill('#report-from', '2026-11-01');
    await page.fill('#report-to', '2026-11-23');
    await page.click('#report-send');
    await page.waitForFunction(() => {
      const m = document.getElementById('report-msg');
      return !m.hidden && !/Generating/.test(m.textContent);
    }, null, { timeout: 20000 });
    const text = await page.locator('#report-msg').textContent();
    // The report went through the loopback mail server the test runs.
    check(/sent to .*owner@example\.test/.test(text), `message "${text}"`);
    check(existsSync(join(MAILDIR, '1.eml')), 'no mail arrived');
    console.log(`# report: ${text}`);
    if (!CRON) await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
  });

  await step('chat-answers', async () => {
    const chat = await context.newPage();
    watch(chat, 'chat');
    await chat.goto(BASE + '/chat.html');
    const want = query('stats', '--jq', '.total_customers').trim();
    await chat.fill('#question', 'How many customers do we have?');
    await chat.click('#send');
    const reply = chat.locator('.bubble.bot');
    await reply.first().waitFor({ timeout: 20000 });
    const text = await reply.first().textContent();
    check(new RegExp(`\\b${want}\\b`).test(text), `reply "${text}" lacks ${want}`);
    console.log(`# chat: ${text.slice(0, 120)}`);
    // A chart the engine draws is shown inline in the conversation.
    await chat.fill('#question', 'chart visits per day this month');
    await chat.click('#send');
    const img = chat.locator('.bubble.bot img');
    await img.first().waitFor({ timeout: 20000 });
    const width = await img.first().evaluate((el) => el.complete ? el.naturalWidth : 0);
    check(width > 100, `the chart image is ${width} px wide`);
    await chat.screenshot({ path: join(SHOTS, 'chat.png'), fullPage: true });
    await chat.close();
  });

  await step('viewer-sees-no-controls', async () => {
    const v = await context.newPage();
    watch(v, 'viewer');
    await v.goto(BASE + '/settings.html');
    // An admin's key first: every control is there.
    await v.waitForFunction(() => document.documentElement.dataset.keyRole === 'admin', null, { timeout: 5000 });
    for (const id of ['rec-start', 'rec-stop', 'sched-save', 'nightly-save', 'report-send', 'cam-save']) {
      check(await v.locator('#' + id).isVisible(), `#${id} is hidden from the admin`);
    }
    await v.evaluate((k) => localStorage.setItem('facetrack.apiKey', k), VIEWER_KEY);
    await v.reload();
    await v.waitForFunction(() => document.documentElement.dataset.keyRole === 'viewer', null, { timeout: 5000 });
    await v.locator('#rec-state[data-running]').waitFor({ timeout: 5000 });
    for (const id of ['rec-start', 'rec-stop', 'sched-save', 'sched-remove', 'nightly-save', 'report-send', 'cam-save', 'cam-add']) {
      check(!(await v.locator('#' + id).isVisible()), `#${id} is shown to a viewer`);
    }
    check(await v.locator('#cam-rows tr').first().isVisible(), 'the cameras are hidden from a viewer');
    check((await v.locator('#cam-rows button').filter({ visible: true }).count()) === 0, 'a viewer sees a Remove button');
    check(await v.locator('#rec-state').isVisible(), 'the recognition status is hidden');
    check(/"wall" \(viewer\)/.test(await v.locator('#key-who').textContent()), 'the key is not named');
    await v.screenshot({ path: join(SHOTS, 'settings-viewer.png'), fullPage: true });
    await v.evaluate((k) => localStorage.setItem('facetrack.apiKey', k), KEY);
    await v.close();
  });

  // Last: the wrong keys refuse this address for a while.
  await step('wrong-keys-refused', async () => {
    const w = await context.newPage();
    watch(w, 'guesser');
    allowedStatus = new Set([401, 429]);
    await w.goto(BASE + '/');
    await w.evaluate(() => localStorage.removeItem('facetrack.apiKey'));
    await w.reload();
    const input = w.locator('#key-dialog input[name=key]');
    const msg = w.locator('#key-dialog .message.error');
    let text = '';
    for (let i = 0; i < 12 && !/Refused/.test(text); i++) {
      await input.fill(`guess-${i}-abcdefghijkl`);
      await w.click('#key-dialog button[type=submit]');
      await w.waitForFunction(() => !document.querySelector('#key-dialog button').disabled, null, { timeout: 5000 });
      text = await msg.textContent();
    }
    check(/Refused: too many wrong keys from here; try again in \d+ seconds/.test(text), `message "${text}"`);
    await w.screenshot({ path: join(SHOTS, 'key-refused.png') });
    await w.evaluate((k) => localStorage.setItem('facetrack.apiKey', k), KEY);
    await w.close();
    allowedStatus = new Set();
  });

  await step('no-console-errors', async () => {
    check(consoleErrors.length === 0, consoleErrors.join(' | '));
  });
} finally {
  await context.close();
}
process.exit(0);
