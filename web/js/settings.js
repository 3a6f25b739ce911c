// The settings page: recognition status, start and stop, the schedule
// window and nightly report, a report for a chosen date range, and the
// recognition mode and retention policy in force (read-only).

import { request, startClock, ensureKey, forgetKey, dateTimeOf } from './api.js';

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat();
const DAY_NAMES = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

function say(id, text, ok) {
  const el = $(id);
  el.textContent = text;
  el.className = 'message ' + (ok ? 'ok' : 'error');
  el.hidden = !text;
}

function describeDays(days) {
  if (days === 'daily') return 'every day';
  return days.replace(/[a-z]{3}/g, (d) => DAY_NAMES[d] || d).replace(/-/g, '–').replace(/,/g, ', ');
}

function expandDays(days) {
  const order = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  if (days === 'daily') return new Set(order);
  const out = new Set();
  for (const part of days.split(',')) {
    const [a, b] = part.split('-');
    let i = order.indexOf(a);
    const j = order.indexOf(b || a);
    for (let n = 0; n < 7; n++) {
      out.add(order[i]);
      if (i === j) break;
      i = (i + 1) % 7;
    }
  }
  return out;
}

function showStatus(st) {
  const state = $('rec-state');
  state.textContent = st.running ? 'Running' : 'Stopped';
  state.className = 'state ' + (st.running ? 'on' : 'off');
  state.dataset.running = String(st.running);
  $('rec-since').textContent = st.running ? dateTimeOf(st.since) : '–';
  $('rec-until').textContent = st.until ? dateTimeOf(st.until) : st.running ? 'when stopped' : '–';
  $('rec-frames').textContent = fmt.format(st.frames);
  $('rec-visits').textContent = fmt.format(st.visits);
  $('rec-last').textContent = dateTimeOf(st.last_frame);
  $('rec-restarts').textContent = fmt.format(st.restarts);
  $('rec-start').disabled = st.running;
  $('rec-stop').disabled = !st.running;

  const w = st.window;
  $('sched-now').textContent = w
    ? `Recognition runs ${describeDays(w.days)}, ${w.from}–${w.to}.`
    : 'No window: recognition runs when started by hand.';
  if (st.report) $('sched-now').textContent += ` Nightly report at ${st.report.at}.`;
  $('sched-remove').disabled = !w;
  $('nightly-remove').disabled = !st.report;
  if (w && !document.activeElement.closest('#sched-form')) {
    $('sched-from').value = w.from;
    $('sched-to').value = w.to;
    const on = expandDays(w.days);
    for (const box of $('sched-days').querySelectorAll('input')) box.checked = on.has(box.value);
  }
  if (st.report && document.activeElement !== $('nightly-at')) $('nightly-at').value = st.report.at;
  showPrivacy(st);
}

const MODES = {
  all: 'Everybody (strangers are registered)',
  consented: 'Only customers who consented; others counted anonymously',
  anonymous: 'Nobody; visitors counted anonymously',
};

function days(n, what) {
  if (n === null || n === undefined) return 'invalid setting';
  if (n === 0) return 'for ever';
  return `${fmt.format(n)} days${what ? ' ' + what : ''}`;
}

function showPrivacy(st) {
  const r = st.retention || {};
  $('priv-mode').textContent = st.recognition ? MODES[st.recognition] || st.recognition : 'invalid setting';
  $('priv-visits').textContent = days(r.visits_days);
  $('priv-samples').textContent = days(r.samples_days, 'after the last visit');
  $('priv-unnamed').textContent = days(r.unnamed_days, 'unseen');
  $('priv-purge').textContent = r.purge_at ? `every night at ${r.purge_at}` : 'not scheduled (needs a window or a report)';
}

async function loadStatus() {
  showStatus(await request('/api/recognition'));
}

async function act(body, msgId, done) {
  try {
    showStatus(await request('/api/recognition', { method: 'POST', body }));
    say(msgId, done, true);
  } catch (e) {
    say(msgId, e.message, false);
  }
}

function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function main() {
  startClock($('clock'));
  const yesterday = new Date(Date.now() - 86400000);
  $('report-from').value = isoDate(yesterday);
  $('report-to').value = isoDate(yesterday);

  $('rec-start').addEventListener('click', async () => {
    $('rec-start').disabled = true;
    await act({ action: 'start' }, 'rec-msg', 'Recognition started.');
  });
  $('rec-stop').addEventListener('click', async () => {
    $('rec-stop').disabled = true;
    await act({ action: 'stop' }, 'rec-msg', 'Recognition stopped.');
  });
  $('sched-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const days = [...$('sched-days').querySelectorAll('input:checked')].map((b) => b.value);
    if (!days.length) {
      say('sched-msg', 'Choose at least one day.', false);
      return;
    }
    await act(
      { action: 'schedule', from: $('sched-from').value, to: $('sched-to').value, days: days.join(',') },
      'sched-msg',
      'Window saved.',
    );
  });
  $('sched-remove').addEventListener('click', () => act({ action: 'unschedule' }, 'sched-msg', 'Window removed.'));
  $('nightly-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await act({ action: 'report', at: $('nightly-at').value }, 'sched-msg', 'Nightly report saved.');
  });
  $('nightly-remove').addEventListener('click', () => act({ action: 'report', at: null }, 'sched-msg', 'Nightly report removed.'));
  $('report-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const from = $('report-from').value;
    const to = $('report-to').value;
    if (from > to) {
      say('report-msg', 'The start date is after the end date.', false);
      return;
    }
    $('report-send').disabled = true;
    say('report-msg', 'Generating…', true);
    try {
      const r = await request('/api/reports', { method: 'POST', body: { from, to, email: true } });
      say('report-msg', r.message || `Report for ${from} to ${to} sent.`, true);
    } catch (e) {
      say('report-msg', 'No report: ' + e.message, false);
    } finally {
      $('report-send').disabled = false;
    }
  });
  $('key-forget').addEventListener('click', () => {
    forgetKey();
    location.reload();
  });

  await ensureKey();
  await loadStatus();
  setInterval(() => loadStatus().catch(() => {}), 3000);
}

main().catch((e) => say('rec-msg', 'Cannot load the settings: ' + e.message, false));
