// The API key, requests to ft-serve and its event stream; shared by every
// page.  The key is asked once and kept in localStorage; EventSource
// cannot send an Authorization header, so the stream is read with fetch.

const KEY_NAME = 'facetrack.apiKey';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function savedKey() {
  try {
    return localStorage.getItem(KEY_NAME) || '';
  } catch {
    return '';
  }
}

export function forgetKey() {
  localStorage.removeItem(KEY_NAME);
}

function headersFor(key, extra) {
  return Object.assign({ Authorization: 'Bearer ' + key }, extra || {});
}

// --- the key dialog ---

let pendingKey = null;

function buildDialog() {
  const overlay = document.createElement('div');
  overlay.className = 'overlay';
  overlay.id = 'key-dialog';
  overlay.innerHTML = `
    <form novalidate>
      <h2>Connect to FaceTrack</h2>
      <p>Enter an API key of this FaceTrack server (API_KEY_SECRET or a
      key of API_KEYS_FILE in its settings).  It is kept in this browser.</p>
      <label>API key
        <input type="password" name="key" autocomplete="off" required>
      </label>
      <p class="message error" role="alert" hidden></p>
      <button type="submit">Connect</button>
    </form>`;
  return overlay;
}

async function tryKey(key) {
  const res = await fetch('/api/stats', {
    headers: headersFor(key),
    cache: 'no-store',
  });
  if (res.status === 401) return false;
  if (res.status === 429) {
    const wait = res.headers.get('Retry-After') || 'a few';
    throw new ApiError(429, `too many wrong keys from here; try again in ${wait} seconds`);
  }
  if (!res.ok) throw new ApiError(res.status, `the server answered ${res.status}`);
  return true;
}

// Show the dialog (once, however many callers wait) until the server
// accepts a key; resolves with it.
export function askKey(why) {
  if (pendingKey) return pendingKey;
  pendingKey = new Promise((resolve) => {
    const overlay = buildDialog();
    const form = overlay.querySelector('form');
    const input = form.elements.key;
    const msg = form.querySelector('.message');
    const button = form.querySelector('button');
    const say = (text) => {
      msg.textContent = text;
      msg.hidden = !text;
    };
    say(why || '');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const key = input.value.trim();
      if (!key) {
        say('Enter the key first.');
        return;
      }
      button.disabled = true;
      say('');
      try {
        if (await tryKey(key)) {
          localStorage.setItem(KEY_NAME, key);
          overlay.remove();
          pendingKey = null;
          resolve(key);
          loadRole();
          return;
        }
        say('This key was not accepted by the server. Check API_KEY_SECRET and try again.');
        input.select();
      } catch (e) {
        say(e.status === 429 ? 'Refused: ' + e.message + '.'
          : 'Cannot reach the FaceTrack server: ' + (e.message || e));
      } finally {
        button.disabled = false;
      }
    });
    document.body.appendChild(overlay);
    input.focus();
  });
  return pendingKey;
}

export async function ensureKey() {
  return savedKey() || askKey();
}

// --- requests ---

// A JSON request to the API; asks for the key when there is none or it
// is refused.  Errors are ApiError with the server's message.  body is
// sent as JSON; raw (a Blob or File, a photo) as it is, with its type.
export async function request(path, { method = 'GET', body, raw } = {}) {
  for (;;) {
    const key = await ensureKey();
    const init = { method, headers: headersFor(key), cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    } else if (raw !== undefined) {
      init.headers['Content-Type'] = raw.type || 'application/octet-stream';
      init.body = raw;
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'cannot reach the FaceTrack server');
    }
    if (res.status === 401) {
      forgetKey();
      await askKey('The saved API key is no longer accepted. Enter the current one.');
      continue;
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      throw new ApiError(res.status, (data && data.message) || `the server answered ${res.status}`);
    }
    return data;
  }
}

// An image of the API (a face crop) as an object URL for an <img>, which
// cannot send the key itself; null when there is none (404) or it
// cannot be had.  The caller revokes the URL when the image goes.
export async function imageUrl(path) {
  const key = await ensureKey();
  try {
    const res = await fetch(path, { headers: headersFor(key), cache: 'no-store' });
    if (!res.ok) return null;
    return URL.createObjectURL(await res.blob());
  } catch {
    return null;
  }
}

// --- what the key may do ---

// Roles in order: each may do what the ones before it may.
const ROLE_RANK = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(role, need) {
  return (ROLE_RANK[role] ?? -1) >= (ROLE_RANK[need] ?? Infinity);
}

// Show only the controls the key's role allows: every element marked
// data-role="operator" or "admin" is hidden by the style sheet while
// the root's data-key-role does not reach it, and made inert so that no
// keyboard reaches it either.  Elements added later are hidden by the
// same rule.
function showRole(me) {
  const root = document.documentElement;
  root.dataset.keyRole = me.role;
  for (const el of document.querySelectorAll('[data-role]')) {
    el.inert = !roleAllows(me.role, el.dataset.role);
  }
  const who = document.getElementById('key-who');
  if (who) {
    who.textContent = `This browser uses the key "${me.name}" (${me.role}).`;
    who.hidden = false;
  }
}

// Ask the server whose key this is (GET /api/whoami) and show the page
// for its role; resolves with {name, role}, or null when it cannot say.
export async function loadRole() {
  try {
    const me = await request('/api/whoami');
    showRole(me);
    return me;
  } catch {
    return null;
  }
}

// --- the event stream ---

function parseBlock(block) {
  const ev = { id: null, type: 'message', data: [] };
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    let value = at < 0 ? '' : line.slice(at + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') ev.id = value;
    else if (field === 'event') ev.type = value;
    else if (field === 'data') ev.data.push(value);
  }
  return ev;
}

// Follow /api/events: onEvent(type, record) for each event, onState
// ('live' | 'offline') as the connection comes and goes.  Reconnects
// with Last-Event-ID so nothing is missed across a short break.
export function follow(onEvent, onState) {
  let lastId = null;
  let stopped = false;
  const controller = new AbortController();

  async function once() {
    const key = await ensureKey();
    const extra = lastId ? { 'Last-Event-ID': lastId } : {};
    const res = await fetch('/api/events', {
      headers: headersFor(key, extra),
      cache: 'no-store',
      signal: controller.signal,
    });
    if (res.status === 401) {
      forgetKey();
      await askKey('The saved API key is no longer accepted. Enter the current one.');
      return;
    }
    if (!res.ok || !res.body) throw new ApiError(res.status, 'no event stream');
    onState('live');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const ev = parseBlock(buf.slice(0, end));
        buf = buf.slice(end + 2);
        if (ev.id) lastId = ev.id;
        if (!ev.data.length) continue;
        let record;
        try {
          record = JSON.parse(ev.data.join('\n'));
        } catch {
          continue;
        }
        onEvent(ev.type, record);
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (e) {
        if (stopped) return;
      }
      if (stopped) return;
      onState('offline');
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}

// --- small helpers for the pages ---

export function startClock(el) {
  if (!el) return;
  const tick = () => {
    const now = new Date();
    el.textContent = now.toLocaleString(undefined, {
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    el.dateTime = now.toISOString();
  };
  tick();
  setInterval(tick, 10000);
}

// Show the event stream's state in the header's #live dot.
export function showLive(state) {
  const el = document.getElementById('live');
  if (!el) return;
  el.className = 'status-dot ' + state;
  el.textContent = state === 'live' ? 'live' : state === 'offline' ? 'reconnecting' : 'connecting';
}

// The kinds of event after which a page showing customers reads them
// again: a customer may have changed, gone or gained or lost samples or
// visits.
export const CUSTOMER_EVENTS = new Set([
  'customer', 'visit', 'merge', 'forget', 'purge', 'split', 'unvisit',
  'face_removed', 'different',
]);

// Call fn once after a burst of calls has been quiet for ms.
export function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

// Read a page's customers again (load) a moment after the live feed says
// they changed, and when the feed comes back after a break; show the
// feed's state in #live.
export function followCustomers(load, ms = 300) {
  const reload = debounce(load, ms);
  return follow((type) => {
    if (CUSTOMER_EVENTS.has(type)) reload();
  }, (state) => {
    showLive(state);
    if (state === 'live') reload();
  });
}

export function displayName(c) {
  if (c.name) return c.name;
  const id = c.customer || c.id || '';
  return 'Customer ' + id.slice(0, 6);
}

export function timeOf(ts) {
  return ts ? new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '–';
}

export function dateTimeOf(ts) {
  return ts
    ? new Date(ts).toLocaleString(undefined, {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      })
    : '–';
}

// Every page that loads this module shows only what its key may do.
loadRole();
