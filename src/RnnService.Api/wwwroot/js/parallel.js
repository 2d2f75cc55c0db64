// A hand-written SVG parallel-coordinates plot: one vertical axis per dimension, one line per trial through its values.
import { svgNode as s } from './chart.js';
import { num } from './format.js';

/**
 * axes: [{ key, label, kind: 'linear' | 'log' | 'category', min, max (numeric kinds), values (category, in order),
 *          format (linear: a tick's text) }];
 * lines: [{ id, values: [one per axis, null where unknown], best }]. A line breaks where a value is unknown (a trial
 * that has not reported its objective yet); the best line is drawn last, thick and red.
 */
export function parallelPlot({ title, axes, lines, summary }) {
  const W = 640, H = 310, m = { l: 48, r: 48, t: 56, b: 24 };
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart parallel', role: 'img', 'aria-label': `${title}. ${summary}` });
  svg.append(s('title', {}, title));
  svg.append(s('text', { x: 8, y: 16, class: 'chart-title' }, title));
  const gap = axes.length > 1 ? (W - m.l - m.r) / (axes.length - 1) : 0;
  const ax = i => axes.length > 1 ? m.l + i * gap : W / 2;
  const scales = axes.map(scaleOf);
  const y = f => H - m.b - f * (H - m.t - m.b);   // f: 0 at the bottom of an axis, 1 at its top

  const grid = s('g', { class: 'grid' });
  axes.forEach((axis, i) => {
    const g = s('g', { class: 'axis', 'data-key': axis.key, 'data-kind': axis.kind });
    g.append(s('line', { x1: ax(i), x2: ax(i), y1: m.t, y2: H - m.b, class: 'axis' }));
    g.append(s('text', { x: ax(i), y: m.t - 14, 'text-anchor': 'middle', class: 'axis-label' }, axis.label));
    for (const [value, text] of scales[i].ticks) {
      g.append(s('line', { x1: ax(i) - 3, x2: ax(i) + 3, y1: y(value), y2: y(value), class: 'axis' }));
      g.append(s('text', { x: ax(i) + 5, y: y(value) + 4, class: 'tick' }, text));
    }
    grid.append(g);
  });
  svg.append(grid);

  const drawn = [...lines].sort((a, b) => Number(a.best) - Number(b.best));
  for (const line of drawn) {
    let d = '', open = false;
    line.values.forEach((v, i) => {
      const f = v === null || v === undefined ? null : scales[i].at(v);
      if (f === null || !Number.isFinite(f)) { open = false; return; }
      d += `${open ? 'L' : 'M'}${ax(i).toFixed(1)} ${y(f).toFixed(1)} `;
      open = true;
    });
    if (!d) continue;
    const path = s('path', { d: d.trim(), class: line.best ? 'trial best' : 'trial', 'data-id': line.id, fill: 'none' });
    path.append(s('title', {}, line.label));
    svg.append(path);
  }
  return svg;
}

/** Where a value sits on its axis (0 bottom, 1 top, null when it is not on the axis) and the ticks to label. */
function scaleOf(axis) {
  if (axis.kind === 'category') {
    const n = axis.values.length;
    const at = v => { const i = axis.values.findIndex(x => String(x) === String(v)); return i < 0 ? null : n === 1 ? 0.5 : i / (n - 1); };
    return { at, ticks: axis.values.map(v => [at(v), String(v)]) };
  }
  let { min, max } = axis;
  if (axis.kind === 'log') {
    const lo = Math.log(min), hi = Math.log(max);
    const at = v => v > 0 ? (hi > lo ? (Math.log(v) - lo) / (hi - lo) : 0.5) : null;
    // Powers of ten inside the range, else its two ends and their geometric middle.
    const decades = [];
    for (let p = Math.ceil(Math.log10(min)); p <= Math.floor(Math.log10(max)); p++) decades.push(10 ** p);
    const marks = decades.length >= 2 ? decades : [min, Math.sqrt(min * max), max];
    return { at, ticks: marks.map(v => [at(v), num(v, 2)]) };
  }
  if (!(max > min)) { const pad = Math.abs(min) * 0.1 || 1; min -= pad; max += pad; }
  const at = v => (v - min) / (max - min);
  return { at, ticks: [0, 0.25, 0.5, 0.75, 1].map(f => [f, (axis.format || (v => num(v, 3)))(min + f * (max - min))]) };
}
