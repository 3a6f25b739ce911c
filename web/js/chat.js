// The chat page: a question goes to /api/chat, the same engine as
// ft-chat; its answer, and any charts it made, are shown in the
// conversation.

import { request, startClock, ensureKey } from './api.js';

const $ = (id) => document.getElementById(id);

function bubble(kind, text) {
  const div = document.createElement('div');
  div.className = 'bubble ' + kind;
  div.textContent = text;
  $('conversation').appendChild(div);
  div.scrollIntoView({ block: 'end' });
  return div;
}

// Charts come as image data (PNG or SVG, base64) or as a URL the server
// serves; anything else is left out rather than trusted as markup.
function addCharts(div, charts) {
  for (const c of charts || []) {
    let src = null;
    if (typeof c === 'string') src = c;
    else if (c && c.png) src = 'data:image/png;base64,' + c.png;
    else if (c && c.svg_base64) src = 'data:image/svg+xml;base64,' + c.svg_base64;
    else if (c && c.url) src = c.url;
    if (!src || !/^(data:image\/(png|svg\+xml);base64,|\/)/.test(src)) continue;
    const img = document.createElement('img');
    img.src = src;
    img.alt = (c && c.title) || 'chart';
    div.appendChild(img);
  }
}

async function ask(question) {
  bubble('you', question);
  const wait = bubble('system', 'Thinking…');
  $('send').disabled = true;
  try {
    const answer = await request('/api/chat', { method: 'POST', body: { question } });
    wait.remove();
    const text = answer.answer || answer.text || answer.message || JSON.stringify(answer);
    const div = bubble('bot', text);
    addCharts(div, answer.charts);
  } catch (e) {
    wait.remove();
    const why = e.status === 503 ? 'The chat is not available right now: ' : 'The question could not be answered: ';
    bubble('system error', why + e.message);
  } finally {
    $('send').disabled = false;
    $('question').focus();
  }
}

startClock($('clock'));
$('ask').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = $('question').value.trim();
  if (!q) return;
  $('question').value = '';
  ask(q);
});
$('question').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    $('ask').requestSubmit();
  }
});
for (const b of $('hints').querySelectorAll('button')) {
  b.addEventListener('click', () => ask(b.textContent));
}
ensureKey().then(() => $('question').focus());
