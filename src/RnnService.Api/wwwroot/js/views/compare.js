// Several jobs' metrics on one chart.
import { api } from '../api.js';
import { lineChart, palette } from '../chart.js';
import { h, put } from '../dom.js';
import { jobTitle, metricSummary } from '../format.js';
import { statusBadge } from '../widgets.js';
import { setPage } from '../router.js';

export async function compareView(main, ctx, _, query) {
  const selected = new Set((query.get('ids') || '').split(',').filter(Boolean));
  const jobs = (await api('/jobs?pageSize=50')).items;
  if (!ctx.alive()) return;
  const metricsCache = new Map();
  const output = h('div', { id: 'compare-output', 'aria-live': 'polite' });

  const list = h('fieldset', { class: 'pick' }, h('legend', {}, 'Jobs to compare (two or more)'),
    jobs.length === 0 ? h('p', {}, 'No jobs yet.') : null,
    jobs.map(job => h('div', { class: 'check' },
      h('input', { type: 'checkbox', id: `pick-${job.id}`, value: job.id, checked: selected.has(job.id), onchange: e => {
        if (e.target.checked) selected.add(job.id); else selected.delete(job.id);
        history.replaceState(null, '', `#/compare?ids=${[...selected].join(',')}`);
        draw();
      } }),
      h('label', { for: `pick-${job.id}` }, jobTitle(job), ' ', statusBadge(job.status),
        h('span', { class: 'muted' }, ` ${job.architecture} · ${job.dataset} · ${job.progress.epoch}/${job.progress.totalEpochs} epochs`)))));
  setPage(main, 'Compare runs', h('p', { class: 'muted' }, 'Validation curves of the selected jobs on one chart (train curves for jobs without a validation split).'),
    h('div', { class: 'compare' }, list, output));

  async function draw() {
    const picked = jobs.filter(j => selected.has(j.id));
    if (picked.length < 2) { put(output, h('p', { class: 'hint' }, 'Pick at least two jobs.')); return; }
    await Promise.all(picked.filter(j => !metricsCache.has(j.id)).map(async j => metricsCache.set(j.id, await api(`/jobs/${j.id}/metrics`))));
    if (!ctx.alive()) return;
    const curve = (j, key, fallback) => {
      const rows = metricsCache.get(j.id);
      const hasKey = rows.some(m => m[key] !== null && m[key] !== undefined);
      return rows.map(m => [m.epoch, hasKey ? m[key] : fallback ? m[fallback] : null]);
    };
    const series = key => picked.map((j, i) => ({ name: jobTitle(j), color: palette[i % palette.length], points: curve(j, key, key === 'validationLoss' ? 'trainLoss' : null) }));
    const xMax = Math.max(...picked.map(j => j.progress.totalEpochs));
    const figures = [lineChart({ title: 'Validation loss', yLabel: 'cross-entropy', xMax, series: series('validationLoss'), legend: false })];
    if (picked.some(j => j.task === 'sentiment'))
      figures.push(lineChart({ title: 'Validation accuracy', yLabel: 'accuracy', percent: true, xMax, series: series('validationAccuracy'), legend: false }));
    if (picked.some(j => j.task === 'charlm'))
      figures.push(lineChart({ title: 'Perplexity', yLabel: 'perplexity', xMax, series: series('perplexity'), legend: false }));
    figures[0].id = 'compare-chart';
    const keys = ['hiddenSize', 'embeddingSize', 'pretrainedEmbeddings', 'layers', 'epochs', 'batchSize', 'learningRate', 'optimizer', 'dropout'];
    put(output, 
      h('ul', { class: 'legend-list' }, picked.map((j, i) => h('li', {}, h('span', { class: 'swatch', style: `background:${palette[i % palette.length]}` }), jobTitle(j)))),
      ...figures.map(f => h('figure', {}, f)),
      h('div', { class: 'table-wrap' }, h('table', { class: 'numbers' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'Final'), keys.map(k => h('th', { scope: 'col' }, k)))),
        h('tbody', {}, picked.map(j => h('tr', {}, h('td', {}, h('a', { href: `#/jobs/${j.id}` }, jobTitle(j))),
          h('td', {}, metricSummary(j.latestMetrics, j.task)), keys.map(k => h('td', {}, String(j.hyperparameters[k] ?? 'off')))))))));
  }
  await draw();
}
