// One sweep: where it stands, its trials as parallel coordinates, their validation curves overlaid and a sortable
// table, all live over the sweep's event stream; the buttons that pause, resume or cancel it; the best model.
import { api } from '../api.js';
import { lineChart, palette } from '../chart.js';
import { h, put, toast } from '../dom.js';
import { duration, when, modelHref, objectiveName, objectiveValue, sweepOpen } from '../format.js';
import { statusBadge } from '../widgets.js';
import { setPage } from '../router.js';
import { followSweep } from '../follow.js';
import { sweepActions } from '../job-actions.js';
import { parallelPlot } from '../parallel.js';
import { trialsTable, trialValue } from './sweep-trials.js';

const BEST = palette[1], OTHERS = palette.filter((_, i) => i !== 1);

export async function sweepView(main, ctx, [id]) {
  let sweep = await api(`/sweeps/${id}`);
  if (!ctx.alive()) return;

  const meta = h('div', { class: 'sweep-meta' });
  const actions = h('div', { class: 'actions' });
  const plot = h('figure', { id: 'parallel-figure' });
  const curves = h('figure', { id: 'curves-figure' });
  const trials = trialsTable();
  setPage(main, sweep.name, meta, actions,
    h('div', { class: 'charts' }, plot, curves),
    h('section', { 'aria-labelledby': 'trials-title' }, h('h2', { id: 'trials-title' }, 'Trials'),
      h('p', { class: 'muted' }, 'Each trial is a training job: its number opens it. The column buttons sort the table.'),
      h('div', { class: 'table-wrap' }, trials.table)));

  // Each trial's epochs, fetched again when its epoch moves (the sweep's events carry where trials are, not their curves).
  const epochs = new Map();   // jobId -> { epoch fetched, metrics }
  const fetching = new Set();
  async function fetchCurves() {
    const stale = sweep.trials.filter(t => t.epoch > 0 && epochs.get(t.jobId)?.epoch !== t.epoch && !fetching.has(t.jobId));
    await Promise.all(stale.map(async t => {
      fetching.add(t.jobId);
      try {
        // Keyed by the last epoch it holds: one written after the event arrived is fetched with the next.
        const metrics = await api(`/jobs/${t.jobId}/metrics`);
        epochs.set(t.jobId, { epoch: metrics.at(-1)?.epoch ?? 0, metrics });
      } catch { /* the next event retries */ }
      fetching.delete(t.jobId);
    }));
    if (stale.length && ctx.alive()) drawCurves();
  }

  // The buttons are redrawn only when what they depend on changes, so one being pressed stays put.
  let drawnActions = null;
  function draw() {
    const best = sweep.best;
    put(meta,
      h('p', { class: 'meta' }, h('span', { id: 'sweep-status' }, statusBadge(sweep.status)),
        ` ${sweep.task} · ${sweep.dataset} · ${sweep.strategy} search · ${sweep.scheduler === 'asha'
          ? `successive halving, rungs at ${sweep.rungs.join(', ')} epochs` : `every trial ${sweep.maxEpochs} epochs`}`),
      h('p', { id: 'sweep-progress' }, `${sweep.trialsStarted} of ${sweep.budget.maxTrials} trials started · `,
        `${sweep.budget.maxConcurrent} at a time · ${duration(sweep.elapsedSeconds)} of ${duration(sweep.budget.maxSeconds)}`),
      h('p', { id: 'sweep-best' }, best
        ? ['Best so far: ', h('a', { href: `#/jobs/${best.jobId}` }, `trial #${best.index}`),
          `, ${objectiveName(sweep)} ${objectiveValue(sweep, best.metric)} at ${best.rungEpochs} epochs`]
        : 'No trial has reached its first rung yet.'),
      sweep.error ? h('div', { class: 'alert', role: 'alert' }, h('strong', {}, 'The sweep failed: '), sweep.error) : null,
      h('p', { class: 'muted small' }, `Created ${when(sweep.createdAt)}`, sweep.finishedAt ? ` · finished ${when(sweep.finishedAt)}` : ''));
    const state = [sweep.status, sweep.model].join('|');
    if (state !== drawnActions) {
      drawnActions = state;
      put(actions,
        sweep.model ? h('a', { class: 'button primary', id: 'best-model-link', href: modelHref(sweep.model) }, `Open the best model (${sweep.model})`) : null,
        sweepActions(sweep, changed => { sweep = changed; draw(); }));
    }
    drawPlot();
    trials.draw(sweep);
  }

  function drawPlot() {
    const keys = Object.keys(sweep.space);
    const metrics = sweep.trials.map(t => t.metric).filter(Number.isFinite);
    const axes = [
      ...keys.map(key => {
        const dimension = sweep.space[key];
        return Array.isArray(dimension) ? { key, label: key, kind: 'category', values: dimension }
          : { key, label: key, kind: dimension.log ? 'log' : 'linear', min: dimension.min, max: dimension.max };
      }),
      { key: 'objective', label: objectiveName(sweep), kind: 'linear', format: v => objectiveValue(sweep, v),
        min: metrics.length ? Math.min(...metrics) : 0, max: metrics.length ? Math.max(...metrics) : 1 },
    ];
    const lines = sweep.trials.map(t => ({
      id: t.index, best: t.index === sweep.best?.index, label: `trial #${t.index}: ${objectiveName(sweep)} ${objectiveValue(sweep, t.metric)}`,
      values: [...keys.map(key => trialValue(t, key)), t.metric],
    }));
    const best = sweep.best;
    const svg = parallelPlot({
      title: 'Trials by setting', axes, lines,
      summary: `${sweep.trials.length} trials over ${keys.join(', ')} and ${objectiveName(sweep)}. ` +
        (best ? `The best, trial #${best.index} (red), has ${keys.map(k => `${k} ${trialValue(best, k)}`).join(', ')}.` : 'None has reported yet.'),
    });
    svg.id = 'parallel-plot';
    put(plot, svg, h('figcaption', { class: 'muted small' }, 'One line per trial through its settings and its latest objective; the best is red.'));
  }

  function drawCurves() {
    const key = { loss: ['validationLoss', 'trainLoss'], accuracy: ['validationAccuracy', 'trainAccuracy'], perplexity: ['perplexity'] }[sweep.objective];
    const series = sweep.trials.filter(t => epochs.has(t.jobId)).map(t => ({
      name: `trial #${t.index}`, color: t.index === sweep.best?.index ? BEST : OTHERS[t.index % OTHERS.length],
      width: t.index === sweep.best?.index ? 3.5 : 1.5,
      points: epochs.get(t.jobId).metrics.map(m => [m.epoch, key.map(k => m[k]).find(v => v !== null && v !== undefined) ?? null]),
    }));
    // The best drawn last, over the others.
    series.sort((a, b) => a.width - b.width);
    const svg = lineChart({ title: `${objectiveName(sweep)} per epoch`, yLabel: objectiveName(sweep), xMax: sweep.maxEpochs,
      percent: sweep.objective === 'accuracy', series, legend: false });
    svg.id = 'curves-chart';
    put(curves, svg, h('figcaption', { class: 'muted small' }, 'Every trial\'s curve; the best is the thick red one.'));
  }

  draw();
  drawCurves();
  await fetchCurves();
  if (sweepOpen(sweep) && ctx.alive()) {
    followSweep(ctx, id, {
      onSweep: latest => { sweep = latest; draw(); fetchCurves(); },
      onEnd: end => { sweep = end; draw(); fetchCurves(); toast(`Sweep ${end.status}`); },
    });
  }
}
