// Hand-written SVG line charts: epochs on x, one path per series, dashed series for validation.
const NS = 'http://www.w3.org/2000/svg';

/** An SVG element with its attributes (null ones left out) and text. */
export function svgNode(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
const s = svgNode;

/** Round tick values covering [min, max]. */
function ticks(min, max, count = 5) {
  if (!(max > min)) { const pad = Math.abs(min) * 0.1 || 1; min -= pad; max += pad; }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const lo = Math.floor(min / step) * step, hi = Math.ceil(max / step) * step;
  const values = [];
  for (let v = lo; v <= hi + step / 2; v += step) values.push(Number(v.toFixed(12)));
  return { lo, hi, values, step };
}

function label(v, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return v.toFixed(Math.min(digits, 6));
}

export const palette = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];

/**
 * series: [{ name, color, dashed, width, points: [[epoch, value], ...] }]; xMax: the planned number of epochs.
 * Returns an <svg> that scales to its container's width.
 */
export function lineChart({ title, series, yLabel, xMax = 0, percent = false, legend: showLegend = true }) {
  const W = 640, H = 260, m = { l: 60, r: 16, t: 40, b: 42 };
  const drawn = series.map(x => ({ ...x, points: x.points.filter(p => p[1] !== null && p[1] !== undefined && Number.isFinite(p[1])) }))
    .filter(x => x.points.length > 0);
  const last = drawn.map(x => `${x.name} ${fmt(x.points.at(-1)[1], percent)} at epoch ${x.points.at(-1)[0]}`).join(', ');
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': `${title}. ${drawn.length ? last : 'No epochs yet.'}`,
    'data-points': drawn.length ? Math.max(...drawn.map(x => x.points.length)) : 0,
  });
  svg.append(s('title', {}, title));
  svg.append(s('text', { x: m.l, y: 16, class: 'chart-title' }, title));

  const all = drawn.flatMap(x => x.points);
  if (all.length === 0) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'No epochs yet'));
    return svg;
  }
  const maxEpoch = Math.max(xMax, ...all.map(p => p[0]), 2);
  const xt = maxEpoch <= 12 ? { lo: 1, hi: maxEpoch, values: Array.from({ length: maxEpoch }, (_, i) => i + 1), step: 1 }
    : (() => { const t = ticks(0, maxEpoch, 6); const step = Math.max(1, Math.round(t.step));
      return { lo: 1, hi: maxEpoch, values: [1, ...t.values.filter(v => v > 1 && v <= maxEpoch && v % step === 0)], step }; })();
  const ys = all.map(p => p[1]);
  const yt = ticks(Math.min(...ys), Math.max(...ys), 5);
  const x = e => m.l + (e - xt.lo) / (xt.hi - xt.lo) * (W - m.l - m.r);
  const y = v => H - m.b - (v - yt.lo) / (yt.hi - yt.lo) * (H - m.t - m.b);

  const grid = s('g', { class: 'grid' });
  for (const v of yt.values) {
    grid.append(s('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v) }));
    grid.append(s('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, percent ? `${label(v * 100, yt.step * 100)}%` : label(v, yt.step)));
  }
  for (const v of xt.values) {
    grid.append(s('line', { x1: x(v), x2: x(v), y1: H - m.b, y2: H - m.b + 4 }));
    grid.append(s('text', { x: x(v), y: H - m.b + 16, 'text-anchor': 'middle' }, String(v)));
  }
  grid.append(s('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis' }));
  grid.append(s('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, class: 'axis' }));
  grid.append(s('text', { x: (m.l + W - m.r) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-label' }, 'epoch'));
  grid.append(s('text', { x: 14, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', class: 'axis-label',
    transform: `rotate(-90 14 ${(m.t + H - m.b) / 2})` }, yLabel || ''));
  svg.append(grid);

  const legend = s('g', { class: 'legend' });
  let lx = m.l + 20 + title.length * 8;
  drawn.forEach((series, i) => {
    const color = series.color || palette[i % palette.length];
    const d = series.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)} ${y(p[1]).toFixed(1)}`).join(' ');
    const g = s('g', { class: 'series', 'data-name': series.name, 'data-points': series.points.length });
    g.append(s('path', { d, fill: 'none', stroke: color, 'stroke-width': series.width || 2, 'stroke-dasharray': series.dashed ? '6 4' : null }));
    if (series.points.length <= 60)
      for (const p of series.points) g.append(s('circle', { cx: x(p[0]), cy: y(p[1]), r: 2.5, fill: color }));
    svg.append(g);
    if (showLegend && lx < W - 60) {
      legend.append(s('line', { x1: lx, x2: lx + 18, y1: 12, y2: 12, stroke: color, 'stroke-width': 2, 'stroke-dasharray': series.dashed ? '6 4' : null }));
      const text = s('text', { x: lx + 22, y: 16 }, series.name);
      legend.append(text);
      lx += 30 + Math.min(series.name.length, 28) * 6.6;
    }
  });
  svg.append(legend);
  return svg;
}

function fmt(v, percent) {
  return percent ? `${(v * 100).toFixed(1)}%` : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
