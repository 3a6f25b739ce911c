// The review queue: pairs of customers that are probably one person,
// nearest first, side by side with their crops and latest visits.
// Merge keeps the customer with more visits; "Not the same" records the
// pair as two people.  Either way the pair leaves the queue; the queue
// is read again when the live feed says customers changed elsewhere.

import {
  request, followCustomers, startClock, displayName, dateTimeOf, imageUrl,
} from './api.js';

const $ = (id) => document.getElementById(id);
const QUEUE = 20;
const CROPS = 6;
const LAST_VISITS = 3;

// Pairs answered here, until the server's queue no longer has them.
const answered = new Set();

// A "suggestion" record as two customers: {a, b, distance}.
function pairOf(rec) {
  const one = (i) => ({
    id: rec.customers[i],
    name: rec.names[i],
    visits: rec.visits[i],
    faces: rec.samples[i],
    last_visit: rec.last_visits[i],
  });
  return { a: one(0), b: one(1), distance: Number(rec.distance) };
}

function pairKey(p) {
  return [p.a.id, p.b.id].sort().join(' ');
}

function say(text, cls) {
  const el = $('queue-msg');
  el.textContent = text || '';
  el.className = 'message' + (cls ? ' ' + cls : '');
  el.hidden = !text;
}

async function side(c) {
  const div = document.createElement('div');
  div.className = 'side';
  div.dataset.id = c.id;
  const h = document.createElement('h3');
  const a = document.createElement('a');
  a.href = 'customer.html?id=' + encodeURIComponent(c.id);
  a.textContent = displayName(c);
  h.appendChild(a);
  const facts = document.createElement('p');
  facts.className = 'meta';
  facts.textContent = `${c.visits} visits · ${c.faces} samples · last visit ${dateTimeOf(c.last_visit)}`;
  const crops = document.createElement('ul');
  crops.className = 'crops small';
  const visits = document.createElement('ul');
  visits.className = 'visits';
  div.append(h, facts, crops, visits);
  const id = encodeURIComponent(c.id);
  const [faces, vs] = await Promise.all([
    request(`/api/faces?customer=${id}`).catch(() => []),
    request(`/api/visits?customer=${id}&reverse=1&limit=${LAST_VISITS}`).catch(() => []),
  ]);
  for (const f of faces.slice(0, CROPS)) {
    const li = document.createElement('li');
    const img = document.createElement('img');
    img.alt = 'sample ' + f.id;
    img.width = 84;
    img.height = 84;
    imageUrl(`/api/faces/${f.id}/crop`).then((u) => {
      if (u) img.src = u;
    });
    li.appendChild(img);
    crops.appendChild(li);
  }
  for (const v of vs) {
    const li = document.createElement('li');
    li.textContent = dateTimeOf(v.ts) + (v.source ? ' · ' + v.source : '');
    visits.appendChild(li);
  }
  return div;
}

async function answer(li, p, how) {
  for (const b of li.querySelectorAll('button')) b.disabled = true;
  try {
    if (how === 'merge') {
      // The customer with more visits (then samples) stays.
      const [keep, drop] = p.a.visits > p.b.visits ||
        (p.a.visits === p.b.visits && p.a.faces >= p.b.faces) ? [p.a, p.b] : [p.b, p.a];
      await request('/api/customers/' + encodeURIComponent(drop.id) + '/merge', {
        method: 'POST',
        body: { into: keep.id },
      });
      say(`Merged ${displayName(drop)} into ${displayName(keep)}.`, 'ok');
    } else {
      await request('/api/different', { method: 'POST', body: { customers: [p.a.id, p.b.id] } });
      say(`${displayName(p.a)} and ${displayName(p.b)} are kept apart.`, 'ok');
    }
    answered.add(pairKey(p));
    li.remove();
    $('pairs-empty').hidden = $('pairs').children.length > 0;
  } catch (e) {
    say(e.message, 'error');
    for (const b of li.querySelectorAll('button')) b.disabled = false;
  }
}

async function pairItem(p) {
  const li = document.createElement('li');
  li.className = 'pair';
  li.dataset.pair = pairKey(p);
  const d = document.createElement('p');
  d.className = 'distance';
  d.textContent = 'distance ' + p.distance.toFixed(3);
  const both = document.createElement('div');
  both.className = 'both';
  both.append(...await Promise.all([side(p.a), side(p.b)]));
  const row = document.createElement('div');
  row.className = 'row';
  const merge = document.createElement('button');
  merge.type = 'button';
  merge.className = 'merge';
  merge.dataset.role = 'admin';
  merge.textContent = 'Merge';
  merge.addEventListener('click', () => answer(li, p, 'merge'));
  const apart = document.createElement('button');
  apart.type = 'button';
  apart.className = 'secondary apart';
  apart.dataset.role = 'admin';
  apart.textContent = 'Not the same';
  apart.addEventListener('click', () => answer(li, p, 'different'));
  row.append(merge, apart);
  li.append(d, both, row);
  return li;
}

let loading = 0;

async function load() {
  const mine = ++loading;
  let pairs;
  try {
    pairs = (await request(`/api/suggestions?limit=${QUEUE}`)).map(pairOf);
  } catch (e) {
    say('Cannot read the suggestions: ' + e.message, 'error');
    return;
  }
  const keys = new Set(pairs.map(pairKey));
  for (const k of [...answered]) if (!keys.has(k)) answered.delete(k);
  const items = await Promise.all(pairs.filter((p) => !answered.has(pairKey(p))).map(pairItem));
  if (mine !== loading) return;
  $('pairs').replaceChildren(...items);
  $('pairs-empty').hidden = items.length > 0;
}

function main() {
  startClock($('clock'));
  load();
  followCustomers(load, 500);
}

main();
