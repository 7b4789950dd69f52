// A tiny SVG line chart of one pattern's replicas over a time window:
// current (solid), desired (dashed) and min/max (grey) as step lines.
const NS = 'http://www.w3.org/2000/svg';
const W = 340;
const H = 90;
const PAD = { left: 26, right: 6, top: 8, bottom: 14 };

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** samples: [{ t, current, desired, min, max }] sorted by t; now and windowMs in ms. */
export function renderChart(samples, now, windowMs) {
  const svg = el('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const values = samples.flatMap((s) => [s.current, s.desired, s.min, s.max]).filter((v) => v !== undefined);
  const top = Math.max(1, ...values);
  const x = (t) => PAD.left + ((t - (now - windowMs)) / windowMs) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  for (const v of [0, top]) {
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), stroke: '#e4e8ec' }));
    svg.append(
      el('text', { x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7785' }, v),
    );
  }
  svg.append(
    el(
      'text',
      { x: PAD.left, y: H - 2, 'font-size': 10, fill: '#6b7785' },
      windowMs >= 120_000 ? `-${Math.round(windowMs / 60_000)} min` : `-${Math.round(windowMs / 1000)} s`,
    ),
  );
  svg.append(
    el('text', { x: W - PAD.right, y: H - 2, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7785' }, 'now'),
  );
  const line = (field, color, dash) => {
    const points = [];
    let last;
    for (const s of samples) {
      const v = s[field];
      if (v === undefined) continue;
      if (last !== undefined) points.push(`${x(s.t)},${y(last)}`); // step: hold the old value until the change
      points.push(`${x(s.t)},${y(v)}`);
      last = v;
    }
    if (last === undefined) return;
    points.push(`${x(now)},${y(last)}`);
    svg.append(
      el('polyline', {
        class: field,
        points: points.join(' '),
        fill: 'none',
        stroke: color,
        'stroke-width': field === 'current' ? 2.5 : 1.5,
        'stroke-dasharray': dash ?? 'none',
        'data-last': last,
      }),
    );
  };
  line('max', '#afb8c1', '2 2');
  line('min', '#afb8c1', '2 2');
  line('desired', '#8250df', '5 3');
  line('current', '#0969da');
  return svg;
}
