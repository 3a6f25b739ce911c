// One customer: the profile and its edits, the face samples (remove one
// that is not this person, split a selection off into a new customer),
// the visits (delete a wrong one), merge into another customer found by
// name, forget, and the export.  The page reads everything again when
// the live feed says customers changed; a customer forgotten or merged
// away elsewhere leaves it with a notice.

import {
  request, followCustomers, startClock, displayName, dateTimeOf, debounce, imageUrl,
  ensureKey, ApiError,
} from './api.js';

const $ = (id) => document.getElementById(id);
const ID = new URLSearchParams(location.search).get('id') || '';
const VISITS = 50;

let current = null;
let gone = false;
const urls = new Map(); // face id -> object URL of its crop

function message(id, text, cls) {
  const el = $(id);
  el.textContent = text || '';
  el.className = 'message' + (cls ? ' ' + cls : '');
  el.hidden = !text;
}

function fail(id, e) {
  message(id, e.message || String(e), 'error');
}

// --- the profile ---

function showProfile(c) {
  current = c;
  document.title = 'FaceTrack — ' + displayName(c);
  $('title').textContent = displayName(c);
  $('c-id').textContent = c.id;
  $('c-created').textContent = dateTimeOf(c.created);
  $('c-last').textContent = dateTimeOf(c.last_visit);
  $('c-visits').textContent = String(c.visits);
  $('c-faces').textContent = String(c.faces);
  // Fields being edited keep what is typed.
  const edit = $('edit');
  if (!edit.contains(document.activeElement)) {
    $('e-name').value = c.name || '';
    $('e-email').value = c.email || '';
    $('e-notes').value = c.notes || '';
    $('e-consent').checked = !!c.consent;
  }
}

async function save(ev) {
  ev.preventDefault();
  const name = $('e-name').value.trim();
  const body = {
    email: $('e-email').value.trim() || null,
    notes: $('e-notes').value.trim() || null,
    consent: $('e-consent').checked,
  };
  if (name) body.name = name;
  try {
    const c = await request('/api/customers/' + encodeURIComponent(ID), { method: 'PATCH', body });
    showProfile(c);
    message('edit-msg', 'Saved.', 'ok');
  } catch (e) {
    fail('edit-msg', e);
  }
}

async function exportData() {
  const key = await ensureKey();
  const res = await fetch('/api/customers/' + encodeURIComponent(ID) + '/export', {
    headers: { Authorization: 'Bearer ' + key },
    cache: 'no-store',
  });
  if (!res.ok) {
    message('edit-msg', `The export failed (${res.status}).`, 'error');
    return;
  }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = `facetrack-export-${ID}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// --- samples ---

function selected() {
  return [...document.querySelectorAll('#crops input[type=checkbox]:checked')].map((i) => Number(i.value));
}

function updateSplit() {
  const n = selected().length;
  $('split').disabled = n === 0;
  $('split').textContent = n ? `Split ${n} selected into a new customer` : 'Split selected into a new customer';
}

async function crop(img, faceId) {
  if (!urls.has(faceId)) urls.set(faceId, await imageUrl(`/api/faces/${faceId}/crop`));
  const url = urls.get(faceId);
  if (url) img.src = url;
  else img.alt = 'no crop';
}

function sample(f) {
  const li = document.createElement('li');
  li.dataset.face = String(f.id);
  const img = document.createElement('img');
  img.alt = 'sample ' + f.id;
  img.width = 112;
  img.height = 112;
  crop(img, f.id);
  const pick = document.createElement('label');
  pick.className = 'inline';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = String(f.id);
  box.dataset.role = 'admin';
  box.addEventListener('change', updateSplit);
  pick.append(box, document.createTextNode(' select'));
  const rm = document.createElement('button');
  rm.type = 'button';
  rm.className = 'secondary small';
  rm.textContent = 'Not this person';
  rm.dataset.role = 'admin';
  rm.addEventListener('click', () => removeSample(f.id));
  li.append(img, pick, rm);
  return li;
}

async function showSamples() {
  const faces = await request('/api/faces?customer=' + encodeURIComponent(ID));
  const keep = new Set(selected());
  $('crops').replaceChildren(...faces.map(sample));
  for (const box of document.querySelectorAll('#crops input[type=checkbox]')) {
    box.checked = keep.has(Number(box.value));
  }
  for (const [id, url] of urls) {
    if (!faces.some((f) => f.id === id)) {
      if (url) URL.revokeObjectURL(url);
      urls.delete(id);
    }
  }
  $('crops-empty').hidden = faces.length > 0;
  updateSplit();
}

async function removeSample(faceId) {
  if (!confirm('Remove this sample? It will no longer be used to recognise this customer.')) return;
  try {
    await request(`/api/faces/${faceId}`, { method: 'DELETE' });
    message('samples-msg', 'Sample removed.', 'ok');
    await loadAll();
  } catch (e) {
    fail('samples-msg', e);
  }
}

async function split() {
  const faces = selected();
  if (!faces.length) return;
  try {
    const r = await request('/api/customers/' + encodeURIComponent(ID) + '/split', {
      method: 'POST',
      body: { faces },
    });
    const a = document.createElement('a');
    a.href = 'customer.html?id=' + encodeURIComponent(r.into.id);
    a.textContent = displayName(r.into);
    message('samples-msg', `${faces.length} sample(s) moved to `, 'ok');
    $('samples-msg').appendChild(a);
    await loadAll();
  } catch (e) {
    fail('samples-msg', e);
  }
}

// --- visits ---

function visitRow(v) {
  const tr = document.createElement('tr');
  tr.dataset.visit = String(v.id);
  const td = (text, cls) => {
    const c = document.createElement('td');
    c.textContent = text;
    if (cls) c.className = cls;
    return c;
  };
  const act = document.createElement('td');
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'secondary small';
  del.textContent = 'Delete';
  del.dataset.role = 'admin';
  del.addEventListener('click', () => deleteVisit(v.id));
  act.appendChild(del);
  tr.append(td(dateTimeOf(v.ts)), td(v.source || ''),
    td(v.distance == null || v.distance < 0 ? '' : Number(v.distance).toFixed(3), 'num'), act);
  return tr;
}

async function showVisits() {
  const vs = await request(`/api/visits?customer=${encodeURIComponent(ID)}&reverse=1&limit=${VISITS}`);
  $('visits').replaceChildren(...vs.map(visitRow));
  $('visits-empty').hidden = vs.length > 0;
}

async function deleteVisit(id) {
  if (!confirm('Delete this visit? It was not this customer.')) return;
  try {
    await request(`/api/visits/${id}`, { method: 'DELETE' });
    message('visits-msg', 'Visit deleted.', 'ok');
    await loadAll();
  } catch (e) {
    fail('visits-msg', e);
  }
}

// --- merge and forget ---

function pick(c) {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary';
  b.dataset.role = 'admin';
  b.dataset.id = c.id;
  b.textContent = `Merge into ${displayName(c)} (${c.visits} visits)`;
  b.addEventListener('click', () => merge(c));
  li.appendChild(b);
  return li;
}

async function findOthers() {
  const name = $('merge-find').value.trim();
  if (!name) {
    $('merge-picks').replaceChildren();
    return;
  }
  try {
    const found = await request('/api/customers?limit=8&sort=visits&reverse=1&name=' + encodeURIComponent(name));
    $('merge-picks').replaceChildren(...found.filter((c) => c.id !== ID).map(pick));
  } catch (e) {
    fail('merge-msg', e);
  }
}

async function merge(other) {
  if (!confirm(`Merge ${displayName(current)} into ${displayName(other)}? This page's customer will go.`)) return;
  try {
    const kept = await request('/api/customers/' + encodeURIComponent(ID) + '/merge', {
      method: 'POST',
      body: { into: other.id },
    });
    location.href = 'customer.html?id=' + encodeURIComponent(kept.id);
  } catch (e) {
    fail('merge-msg', e);
  }
}

async function forget() {
  if (!confirm(`Forget ${displayName(current)}? Their profile, samples and visits are erased for good.`)) return;
  try {
    const r = await request('/api/customers/' + encodeURIComponent(ID), { method: 'DELETE' });
    showGone(`Forgotten: ${r.samples} samples, ${r.visits} visits and ${r.events} events erased.`);
  } catch (e) {
    fail('forget-msg', e);
  }
}

// --- loading ---

function showGone(text) {
  gone = true;
  const el = $('gone');
  el.textContent = text + ' ';
  const a = document.createElement('a');
  a.href = 'customers.html';
  a.textContent = 'Back to the customers';
  el.appendChild(a);
  el.hidden = false;
  for (const id of ['profile', 'samples', 'visits-panel', 'merge-panel', 'forget-panel']) {
    $(id).hidden = true;
  }
}

async function loadAll() {
  if (gone) return;
  try {
    const rec = await request('/api/customers/' + encodeURIComponent(ID));
    showProfile(rec[0]);
    await Promise.all([showSamples(), showVisits()]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      showGone('This customer is no longer here: forgotten, or merged into another customer.');
      return;
    }
    fail('edit-msg', e);
  }
}

function main() {
  startClock($('clock'));
  if (!ID) {
    showGone('No customer given.');
    return;
  }
  $('edit').addEventListener('submit', save);
  $('export').addEventListener('click', () => exportData().catch((e) => fail('edit-msg', e)));
  $('split').addEventListener('click', split);
  $('merge-find').addEventListener('input', debounce(findOthers, 250));
  $('forget').addEventListener('click', forget);
  loadAll();
  followCustomers(loadAll);
}

main();
