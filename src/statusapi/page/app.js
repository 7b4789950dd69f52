// The status page: keeps the objects of the /api/v1/watch stream in memory
// and redraws. fetch() streams the events (EventSource cannot send the bearer
// token a non-loopback operator asks for); Last-Event-ID resumes after a drop.
import { renderChart } from './chart.js';

const WINDOW_MS = 5 * 60 * 1000;
const objects = new Map(); // "Kind/namespace/name" -> view
const history = new Map(); // "namespace/name" -> [{ t, current, desired, min, max }]
let lastEventId;
let token = sessionStorage.getItem('prism-token') ?? undefined;

const $ = (id) => document.getElementById(id);
const keyOf = (v) => `${v.kind}/${v.namespace}/${v.name}`;
const esc = (s) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

function record(namespace, name, scaler) {
  if (!scaler) return;
  const key = `${namespace}/${name}`;
  const samples = history.get(key) ?? [];
  const s = {
    t: Date.now(),
    current: scaler.currentReplicas,
    desired: scaler.desiredReplicas,
    min: scaler.minReplicas,
    max: scaler.maxReplicas,
  };
  const prev = samples.at(-1);
  if (!prev || ['current', 'desired', 'min', 'max'].some((f) => prev[f] !== s[f])) samples.push(s);
  while (samples.length > 1 && samples[1].t < Date.now() - WINDOW_MS) samples.shift();
  history.set(key, samples);
}

function apply(type, data) {
  if (type === 'snapshot' || type === 'resync') {
    objects.clear();
    for (const v of data.objects) {
      objects.set(keyOf(v), v);
      if (v.kind === 'PrismPattern') record(v.namespace, v.name, v.scaler);
    }
  } else if (type === 'deleted') {
    objects.delete(keyOf(data));
    history.delete(`${data.namespace}/${data.name}`);
  } else if (type === 'added' || type === 'modified') {
    objects.set(keyOf(data), data);
    if (data.kind === 'PrismPattern') record(data.namespace, data.name, data.scaler);
  } else if (type === 'replicas') {
    const v = objects.get(`PrismPattern/${data.namespace}/${data.name}`);
    if (v) v.scaler = data.scaler;
    record(data.namespace, data.name, data.scaler);
  } else if (type !== 'heartbeat') return;
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  render();
}

const phaseClass = (phase) =>
  ({
    Running: 'ok',
    Ready: 'ok',
    Active: 'ok',
    Healthy: 'ok',
    Degraded: 'bad',
    Failed: 'bad',
    Invalid: 'bad',
  })[phase] ?? 'warn';

function conditions(v) {
  return v.conditions
    .map(
      (c) =>
        `<span class="cond ${c.status === 'True' ? 'ok' : c.status === 'False' ? 'bad' : 'warn'}" title="${esc(c.reason)}: ${esc(c.message)}">${c.status === 'True' ? '✔' : '✘'} ${esc(c.type)}</span>`,
    )
    .join('');
}

function scalerCells(v) {
  const s = v.scaler;
  if (!s) return '<td></td><td></td><td></td>';
  const bounds = s.engine === 'none' ? 'fixed' : `min ${s.minReplicas ?? '?'} · max ${s.maxReplicas ?? '?'}`;
  const triggers = s.triggers
    .map(
      (t) =>
        `<span class="trigger">${esc(t.name ? `${t.name}: ${t.type}` : t.type)}${t.target ? ` ${esc(t.target)}` : ''}</span>`,
    )
    .join('');
  return `<td><span class="replicas" data-current="${s.currentReplicas ?? ''}" data-desired="${s.desiredReplicas ?? ''}">${s.currentReplicas ?? '–'} / ${s.desiredReplicas ?? '–'}</span>
      <div class="muted">ready ${s.readyReplicas ?? 0} · ${bounds}</div></td>
    <td>${esc(s.engine)}${s.lastScaleTime ? `<div class="muted">scaled ${new Date(s.lastScaleTime).toLocaleTimeString()}</div>` : ''}<div>${triggers}</div></td>
    <td class="chart-cell"></td>`;
}

function render() {
  const byNamespace = new Map();
  for (const v of objects.values())
    byNamespace.set(v.namespace, [...(byNamespace.get(v.namespace) ?? []), v]);
  const main = $('namespaces');
  if (!byNamespace.size) {
    main.innerHTML = '<p class="muted">No Prism objects yet.</p>';
    return;
  }
  main.innerHTML = [...byNamespace.keys()]
    .sort()
    .map((ns) => {
      const rows = byNamespace
        .get(ns)
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
        .map(
          (v) => `<tr data-key="${esc(keyOf(v))}">
            <td><strong>${esc(v.name)}</strong><div class="muted">${esc(v.kind.replace('Prism', ''))}</div></td>
            <td><span class="badge phase ${phaseClass(v.phase)}">${esc(v.phase ?? 'Unknown')}</span></td>
            <td>${conditions(v)}</td>${scalerCells(v)}</tr>`,
        )
        .join('');
      return `<section><h2>${esc(ns)}</h2><table><thead><tr><th>Object</th><th>Phase</th><th>Conditions</th>
        <th>Replicas (current / desired)</th><th>Scaler</th><th>Replicas over time</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('');
  for (const row of main.querySelectorAll('tr[data-key^="PrismPattern/"]')) {
    const [, namespace, name] = row.dataset.key.split('/');
    const samples = history.get(`${namespace}/${name}`) ?? [];
    // The window grows from one minute to five as history builds up, so a fresh page shows detail.
    const now = Date.now();
    const windowMs = Math.min(WINDOW_MS, Math.max(60_000, now - (samples[0]?.t ?? now)));
    row.querySelector('.chart-cell')?.append(renderChart(samples, now, windowMs));
  }
}

function setConnection(text, cls) {
  $('connection').textContent = text;
  $('connection').className = `badge ${cls}`;
}

function handleBlock(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) lastEventId = line.slice(4);
    else if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length) apply(type, JSON.parse(data.join('\n')));
}

async function stream() {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  // ?namespace=x on the page narrows the stream (and the permission it needs) to one namespace.
  const namespace = new URLSearchParams(location.search).get('namespace');
  const res = await fetch(`/api/v1/watch${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`, {
    headers,
  });
  if (res.status === 401 || res.status === 403) {
    setConnection(res.status === 401 ? 'token needed' : 'forbidden', 'bad');
    $('login').hidden = false;
    $('login-error').textContent = (await res.json()).message;
    return false;
  }
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  setConnection('live', 'ok');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      handleBlock(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
    }
  }
  return true;
}

async function run() {
  for (;;) {
    let retry = true;
    try {
      retry = await stream();
    } catch (err) {
      console.warn('status stream failed', err);
    }
    if (!retry) return;
    setConnection('reconnecting…', 'warn');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim() || undefined;
  if (token) sessionStorage.setItem('prism-token', token);
  $('login').hidden = true;
  void run();
});
// Redraw now and then so the charts scroll even when nothing changes.
setInterval(render, 5000);
void run();
