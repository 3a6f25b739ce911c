// The dashboard: KPI cards, visits per day, top visitors and the live
// feed.  Figures are fetched again a moment after each event from the
// stream, so another process's visit shows within a second or two.

import { request, follow, startClock, displayName, timeOf, ensureKey } from './api.js';

/* global Chart */

const $ = (id) => document.getElementById(id);
const FEED_MAX = 30;
const TREND_DAYS = 30;
const fmt = new Intl.NumberFormat();

const palette = ['#2dd4bf', '#60a5fa', '#fbbf24', '#f472b6', '#a78bfa', '#34d399', '#fb923c', '#38bdf8'];

function colorFor(id) {
  let h = 0;
  for (const ch of id || '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return palette[h % palette.length];
}

// Whole characters, not UTF-16 halves: names may hold any script.
function initials(name) {
  const parts = name.split(/\s+/).filter(Boolean).map((p) => Array.from(p));
  const s = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : parts[0].slice(0, 2).join('');
  return s.toUpperCase();
}

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

// --- KPI cards ---

function setValue(el, text, raw) {
  if (el.textContent !== text && el.textContent !== '–') {
    el.classList.remove('bump');
    void el.offsetWidth; // restart the animation
    el.classList.add('bump');
  }
  el.textContent = text;
  el.dataset.value = String(raw);
}

function showStats(st) {
  setValue($('kpi-total'), fmt.format(st.total_customers), st.total_customers);
  setValue($('kpi-new'), fmt.format(st.new_today), st.new_today);
  setValue($('kpi-visits'), fmt.format(st.visits_today), st.visits_today);
  setValue($('kpi-rate'), (st.returning_rate * 100).toFixed(1) + '%', st.returning_rate);
  $('kpi-week').textContent = fmt.format(st.visits_week) + ' in 7 days';
}

// --- charts ---

Chart.defaults.color = '#93a3c4';
Chart.defaults.font.size = 14;
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.borderColor = 'rgba(147, 163, 196, 0.14)';
Chart.defaults.animation.duration = 400;

let trendChart = null;
let topChart = null;

function dayLabel(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

function showTrend(series) {
  const visits = series.find((s) => s.name === 'visits_per_day');
  const fresh = series.find((s) => s.name === 'new_customers_per_day');
  if (!visits || !fresh) return;
  const labels = visits.points.map((p) => dayLabel(p[0]));
  const v = visits.points.map((p) => p[1]);
  const n = fresh.points.map((p) => p[1]);
  if (trendChart) {
    trendChart.data.labels = labels;
    trendChart.data.datasets[0].data = v;
    trendChart.data.datasets[1].data = n;
    trendChart.update();
    return;
  }
  trendChart = new Chart($('trend-chart'), {
    data: {
      labels,
      datasets: [
        {
          type: 'bar',
          label: 'Visits',
          data: v,
          backgroundColor: 'rgba(96, 165, 250, 0.75)',
          borderRadius: 4,
          order: 2,
        },
        {
          type: 'line',
          label: 'New customers',
          data: n,
          borderColor: '#fbbf24',
          backgroundColor: '#fbbf24',
          borderWidth: 3,
          pointRadius: 0,
          tension: 0.3,
          order: 1,
          yAxisID: 'y2',
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'top', align: 'end', labels: { boxWidth: 14 } } },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 14 } },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'visits' } },
        y2: {
          beginAtZero: true,
          position: 'right',
          grid: { display: false },
          ticks: { precision: 0, color: '#fbbf24' },
          title: { display: true, text: 'new customers', color: '#fbbf24' },
        },
      },
    },
  });
}

function showTop(rows) {
  const labels = rows.map((c) => displayName(c));
  const data = rows.map((c) => c.visits_in_range);
  if (topChart) {
    topChart.data.labels = labels;
    topChart.data.datasets[0].data = data;
    topChart.data.datasets[0].backgroundColor = rows.map((c) => colorFor(c.id));
    topChart.update();
    return;
  }
  topChart = new Chart($('top-chart'), {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          label: 'Visits',
          data,
          backgroundColor: rows.map((c) => colorFor(c.id)),
          borderRadius: 6,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: { grid: { display: false }, ticks: { color: '#e8eefc', font: { size: 15, weight: '600' } } },
      },
    },
  });
}

// --- the live feed ---

const shown = new Set();

function feedItem(v, fresh) {
  const li = document.createElement('li');
  const name = displayName(v);
  li.dataset.visit = String(v.id);
  if (fresh) li.classList.add('fresh');

  const av = document.createElement('span');
  av.className = 'avatar';
  av.style.background = colorFor(v.customer);
  av.textContent = initials(name);

  const who = document.createElement('div');
  who.className = 'who';
  const nm = document.createElement('div');
  nm.className = 'name';
  nm.textContent = name;
  if (v.new_customer) {
    const b = document.createElement('span');
    b.className = 'badge';
    b.textContent = 'NEW';
    nm.appendChild(b);
  }
  const meta = document.createElement('div');
  meta.className = 'meta';
  const parts = [v.new_customer ? 'first visit' : ordinal(v.number || 1) + ' visit'];
  if (v.source) parts.push(v.source);
  meta.textContent = parts.join(' · ');
  who.append(nm, meta);

  const when = document.createElement('time');
  when.className = 'when';
  when.dateTime = v.ts;
  when.textContent = timeOf(v.ts);

  li.append(av, who, when);
  return li;
}

function addVisit(v, fresh) {
  if (shown.has(v.id)) return;
  shown.add(v.id);
  const list = $('feed');
  const item = feedItem(v, fresh);
  // Newest first: a visit older than the first shown goes after it.
  let before = list.firstChild;
  while (before && Date.parse(before.querySelector('time').dateTime) > Date.parse(v.ts)) {
    before = before.nextSibling;
  }
  list.insertBefore(item, before);
  while (list.children.length > FEED_MAX) {
    const last = list.lastChild;
    shown.delete(Number(last.dataset.visit));
    last.remove();
  }
  $('feed-empty').hidden = list.children.length > 0;
}

// Today's latest visits, as the store has them now.  After a forget,
// merge or purge the feed is rebuilt from them, so a forgotten
// customer's visits leave the page and a merged-away name becomes the
// survivor's, without a reload.
async function loadFeed(rebuild) {
  const recent = await request('/api/visits?reverse=1&limit=12&since=today');
  if (rebuild) {
    shown.clear();
    $('feed').replaceChildren();
  }
  for (const v of recent.reverse()) addVisit(v, false);
  $('feed-empty').hidden = $('feed').children.length > 0;
}

function isErasure(type) {
  return type === 'forget' || type === 'merge' || type === 'purge';
}

// --- loading ---

function setLive(state) {
  const el = $('live');
  el.className = 'status-dot ' + state;
  el.textContent = state === 'live' ? 'live' : state === 'offline' ? 'reconnecting' : 'connecting';
}

async function refresh() {
  const [stats, trend, top] = await Promise.all([
    request('/api/stats'),
    request(`/api/trend?days=${TREND_DAYS}`),
    request(`/api/top?limit=10&since=${TREND_DAYS}d`),
  ]);
  showStats(stats);
  showTrend(trend);
  showTop(top);
}

async function refreshNow() {
  try {
    await refresh();
  } catch (e) {
    setLive('offline');
  }
}

// The server renews its figures in the background when an event comes,
// so the first fetch may still see the old ones on a slow store; a
// second fetch after a quiet moment sees the new.
let refreshTimer = null;
let settleTimer = null;
function refreshSoon() {
  if (!refreshTimer) {
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refreshNow();
    }, 150);
  }
  clearTimeout(settleTimer);
  settleTimer = setTimeout(refreshNow, 1200);
}

async function main() {
  startClock($('clock'));
  await ensureKey();
  await refresh();
  await loadFeed(false);

  follow((type, rec) => {
    if (type === 'visit') addVisit(rec, true);
    if (isErasure(type)) loadFeed(true).catch(() => setLive('offline'));
    if (type === 'visit' || type === 'customer' || isErasure(type)) refreshSoon();
  }, (state) => {
    setLive(state);
    // Whatever happened while the stream was away is fetched again.
    if (state === 'live') refreshSoon();
  });

  // Figures that change without an event (the day turning over, an
  // import) are fetched again once a minute.
  setInterval(refreshSoon, 60000);
}

main().catch((e) => {
  setLive('offline');
  const feed = $('feed-empty');
  feed.hidden = false;
  feed.textContent = 'Cannot load the dashboard: ' + (e.message || e);
});
