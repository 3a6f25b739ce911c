// The settings page: recognition status, start and stop, the cameras
// and how each runs, the schedule window and nightly report, a report
// for a chosen date range, and the recognition mode and retention
// policy in force (read-only).

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
  lastStatus = st;
  renderCameras();
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

// --- cameras ---
// The list as the server has it (/api/cameras, sources shown without
// passwords) and the edits not saved yet: each camera is {name, shown,
// source}, source being what was typed, null to keep the camera's own.

let cameras = null;
let draft = null;
let lastStatus = null;

const CAMERA_FROM = {
  settings: 'Set on this page.',
  FT_SOURCES: 'From FT_SOURCES in facetrack.conf.',
  FT_CAMERA: 'From FT_CAMERA in facetrack.conf.',
};
const CAMERA_NAME = /^[A-Za-z0-9_.-]{1,63}$/;
const CAMERAS_MAX = 16;

const cameraList = () => draft || cameras.cameras.map((c) => ({ name: c.name, shown: c.source, source: null }));
const withoutPassword = (url) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#]*@/i, '$1:***@');

// How the pipeline of camera c runs, from the recognition status.
function cameraState(c) {
  const st = lastStatus;
  if (!st || !st.running) return { text: 'Stopped' };
  const sources = st.sources || [];
  const run = sources.find((s) => s.name === c.name) || (c.name === null && sources.length === 1 ? sources[0] : null);
  if (!run) return { text: 'Not started (restart to use it)' };
  return { run, text: run.pipeline_pid ? 'Running' : 'Restarting' };
}

function renderCameras() {
  if (!cameras) return;
  const list = cameraList();
  $('cam-from').textContent = draft ? 'Changes not saved yet.' : CAMERA_FROM[cameras.from] || cameras.from;
  const rows = list.map((c, i) => {
    const tr = document.createElement('tr');
    tr.dataset.name = c.name || '';
    if (c.source !== null) tr.className = 'pending';
    const { run, text } = cameraState(c);
    const cells = [
      [c.name || '(unnamed)'],
      [c.source !== null ? withoutPassword(c.source) : c.shown, 'source'],
      [text, 'cam-state'],
      [run ? fmt.format(run.frames || 0) : '–', 'num'],
      [run ? dateTimeOf(run.last_frame) : '–'],
      [run ? fmt.format(run.restarts) : '–', 'num'],
    ];
    for (const [value, cls] of cells) {
      const td = document.createElement('td');
      td.textContent = value;
      if (cls) td.className = cls;
      tr.append(td);
    }
    const td = document.createElement('td');
    td.dataset.role = 'admin';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.textContent = 'Remove';
    remove.addEventListener('click', () => {
      draft = cameraList().filter((_, j) => j !== i);
      say('cam-msg', '', true);
      renderCameras();
    });
    td.append(remove);
    tr.append(td);
    return tr;
  });
  $('cam-rows').replaceChildren(...rows);
  $('cam-save').disabled = !draft;
  $('cam-undo').disabled = !draft;
  $('cam-reset').disabled = cameras.from !== 'settings';
}

async function loadCameras() {
  cameras = await request('/api/cameras');
  renderCameras();
}

function addCamera(ev) {
  ev.preventDefault();
  const name = $('cam-name').value.trim();
  const source = $('cam-source').value.trim();
  if (!CAMERA_NAME.test(name)) {
    say('cam-msg', 'A camera\'s name is 1 to 63 letters, digits, “_”, “.” or “-”.', false);
    return;
  }
  if (!source || /[\s\x00-\x1f\x7f]/.test(source) || source.startsWith('-')) {
    say('cam-msg', 'A source is a device, a stream URL or a footage file, without spaces.', false);
    return;
  }
  const list = cameraList();
  const at = list.findIndex((c) => c.name === name);
  if (at >= 0) {
    list[at] = { ...list[at], source };
  } else if (list.length >= CAMERAS_MAX) {
    say('cam-msg', `At most ${CAMERAS_MAX} cameras.`, false);
    return;
  } else {
    list.push({ name, shown: '', source });
  }
  draft = list;
  $('cam-name').value = '';
  $('cam-source').value = '';
  say('cam-msg', '', true);
  renderCameras();
}

// A running supervisor keeps the cameras it started with: restart it.
async function applyCameras(done) {
  const st = await request('/api/recognition');
  if (!st.running) {
    say('cam-msg', `${done} They are used when recognition starts.`, true);
    return;
  }
  showStatus(await request('/api/recognition', { method: 'POST', body: { action: 'restart' } }));
  const n = cameras.cameras.length;
  say('cam-msg', `${done} Recognition restarted on ${n} camera${n === 1 ? '' : 's'}.`, true);
}

// Send a change of the cameras; the list answered is the one shown.
async function changeCameras(init, done) {
  try {
    cameras = await request('/api/cameras', init);
    draft = null;
    renderCameras();
    await applyCameras(done);
  } catch (e) {
    say('cam-msg', e.message, false);
  }
  renderCameras();
}

async function saveCameras() {
  const list = cameraList();
  const unnamed = list.find((c) => c.name === null);
  if (unnamed) {
    say('cam-msg', `Name the camera ${unnamed.shown} first: add it under a name, then remove the unnamed one.`, false);
    return;
  }
  if (!list.length) {
    say('cam-msg', 'Keep at least one camera, or use facetrack.conf\'s.', false);
    return;
  }
  $('cam-save').disabled = true;
  const body = { cameras: list.map((c) => ({ name: c.name, source: c.source })) };
  await changeCameras({ method: 'PUT', body }, 'Cameras saved.');
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
    say('cam-msg', '', true);
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
  $('cam-form').addEventListener('submit', addCamera);
  $('cam-save').addEventListener('click', saveCameras);
  $('cam-undo').addEventListener('click', () => {
    draft = null;
    say('cam-msg', '', true);
    renderCameras();
  });
  $('cam-reset').addEventListener('click', () => changeCameras({ method: 'DELETE' }, 'Back to facetrack.conf\'s cameras.'));
  $('key-forget').addEventListener('click', () => {
    forgetKey();
    location.reload();
  });

  await ensureKey();
  await loadStatus();
  await loadCameras();
  setInterval(() => loadStatus().catch(() => {}), 3000);
}

main().catch((e) => say('rec-msg', 'Cannot load the settings: ' + e.message, false));
