// The customers list: search by name, filters, sort and paging by
// keyset (each page asks for the customers after the last one shown, so
// a page costs the same however deep), and search by photo.  The page
// shown is read again when the live feed says customers changed.

import {
  request, followCustomers, startClock, displayName, dateTimeOf, debounce,
  ApiError,
} from './api.js';

const $ = (id) => document.getElementById(id);
const PAGE = 25;
const PHOTO_MAX = 16 * 1024 * 1024;

// The "after" cursor of each page shown so far: cursors[0] is null (the
// first page), cursors[i] the last customer of page i - 1.
let cursors = [null];
let nextCursor = null;
let loading = 0;

function query(after) {
  const q = new URLSearchParams();
  const name = $('f-name').value.trim();
  if (name) q.set('name', name);
  q.set('named', $('f-named').value);
  q.set('consent', $('f-consent').value);
  const visits = parseInt($('f-visits').value, 10);
  if (visits > 0) q.set('min-visits', String(visits));
  q.set('sort', $('f-sort').value);
  q.set('reverse', $('f-reverse').value);
  q.set('limit', String(PAGE + 1));
  if (after) q.set('after', after);
  return q.toString();
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function row(c) {
  const tr = document.createElement('tr');
  tr.dataset.id = c.id;
  const who = document.createElement('td');
  const a = document.createElement('a');
  a.href = 'customer.html?id=' + encodeURIComponent(c.id);
  a.textContent = displayName(c);
  if (!c.name) a.classList.add('unnamed');
  who.appendChild(a);
  tr.append(who, cell(c.email || ''), cell(dateTimeOf(c.created)),
    cell(dateTimeOf(c.last_visit)), cell(String(c.visits), 'num'),
    cell(String(c.faces), 'num'), cell(c.consent ? 'yes' : 'no'));
  return tr;
}

function say(text) {
  $('list-msg').textContent = text || '';
  $('list-msg').hidden = !text;
}

async function load() {
  const mine = ++loading;
  const page = cursors.length - 1;
  let rows;
  try {
    rows = await request('/api/customers?' + query(cursors[page]));
  } catch (e) {
    if (mine !== loading) return;
    if (e instanceof ApiError && e.status === 404 && page > 0) {
      // The page's first customer before it went away: start again.
      cursors = [null];
      load();
      return;
    }
    say('Cannot list customers: ' + e.message);
    return;
  }
  if (mine !== loading) return;
  say('');
  const shown = rows.slice(0, PAGE);
  nextCursor = rows.length > PAGE ? shown[shown.length - 1].id : null;
  $('rows').replaceChildren(...shown.map(row));
  $('empty').hidden = shown.length > 0;
  $('prev').disabled = page === 0;
  $('next').disabled = !nextCursor;
  $('page-no').textContent = 'page ' + (page + 1);
}

function restart() {
  cursors = [null];
  load();
}

// --- search by photo ---

// A "search" record: customer, name, distance, visits, last_visit.
function hit(h) {
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = 'customer.html?id=' + encodeURIComponent(h.customer);
  a.textContent = displayName({ name: h.name, id: h.customer });
  const d = document.createElement('span');
  d.className = 'distance';
  d.textContent = 'distance ' + Number(h.distance).toFixed(3);
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = `${h.visits} visits · last ${dateTimeOf(h.last_visit)}`;
  li.append(a, d, meta);
  return li;
}

async function searchPhoto(file) {
  const msg = $('search-msg');
  const show = (text, cls) => {
    msg.textContent = text;
    msg.className = 'message' + (cls ? ' ' + cls : '');
    msg.hidden = !text;
  };
  $('hits').replaceChildren();
  if (!file) return;
  if (!/^image\/(jpeg|png)$/.test(file.type)) {
    show('Choose a JPEG or PNG photo.', 'error');
    return;
  }
  if (file.size > PHOTO_MAX) {
    show('The photo is larger than 16 MiB.', 'error');
    return;
  }
  const preview = $('photo-preview');
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  show('Looking for this face…');
  try {
    const hits = await request('/api/search?limit=5', { method: 'POST', raw: file });
    $('hits').replaceChildren(...hits.map(hit));
    show(hits.length ? 'Nearest customers, nearest first:' : 'No customers with samples yet.');
  } catch (e) {
    show(e.message, 'error');
  }
}

function setupPhoto() {
  const drop = $('drop');
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    searchPhoto(ev.dataTransfer.files[0]);
  });
  $('photo').addEventListener('change', (ev) => searchPhoto(ev.target.files[0]));
}

// --- live ---

function main() {
  startClock($('clock'));
  const again = debounce(restart, 300);
  $('f-name').addEventListener('input', again);
  for (const id of ['f-named', 'f-consent', 'f-visits', 'f-sort', 'f-reverse']) {
    $(id).addEventListener('change', restart);
  }
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    restart();
  });
  $('next').addEventListener('click', () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    load();
  });
  $('prev').addEventListener('click', () => {
    if (cursors.length < 2) return;
    cursors.pop();
    load();
  });
  // An unnamed customer's link from elsewhere: ?named=no.
  const given = new URLSearchParams(location.search);
  if (given.get('named')) $('f-named').value = given.get('named');
  setupPhoto();
  load();
  followCustomers(load);
}

main();
