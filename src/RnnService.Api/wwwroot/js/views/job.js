// One job: progress, live metrics and charts, and the buttons that pause, resume or cancel it.
import { api } from '../api.js';
import { lineChart, palette } from '../chart.js';
import { h, put, toast } from '../dom.js';
import { num, pct, duration, when, jobTitle, modelTitle, active, finished, stoppedEarly, modelHref } from '../format.js';
import { statusBadge, hyperparameterList, parentLink } from '../widgets.js';
import { setPage } from '../router.js';
import { followJob } from '../follow.js';
import { jobActions } from '../job-actions.js';

export async function jobView(main, ctx, [id]) {
  let job = await api(`/jobs/${id}`);
  const epochs = new Map((await api(`/jobs/${id}/metrics`)).map(m => [m.epoch, m]));
  if (!ctx.alive()) return;

  const header = h('div', { class: 'job-header' });
  const charts = h('div', { class: 'charts' });
  const epochTable = h('tbody');
  const hyper = hyperparameterList(job.hyperparameters);
  setPage(main, jobTitle(job), header, charts,
    h('section', { 'aria-labelledby': 'hp-title' }, h('h2', { id: 'hp-title' }, 'Effective hyper-parameters'), hyper),
    h('details', { class: 'epochs' }, h('summary', {}, h('h2', { id: 'ep-title' }, 'Every epoch')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'numbers', 'aria-labelledby': 'ep-title' },
        h('thead', {}, h('tr', {}, ['Epoch', 'Train loss', 'Validation loss', job.task === 'sentiment' ? 'Train acc' : 'Perplexity',
          job.task === 'sentiment' ? 'Validation acc' : '', 'Seconds'].filter(Boolean).map(t => h('th', { scope: 'col' }, t)))),
        epochTable))));

  // A fine-tuning job names its base model once it is known; the one link moves into each redrawn header.
  const parent = job.initFromModelId ? parentLink(job.initFromModelId, ctx) : null;

  // What the header shows; redrawn only when one of these changes, so a button being pressed stays put.
  const headerState = () => [job.status, job.progress.epoch, job.progress.etaSeconds, job.modelId, job.error].join('|');
  let drawnState = null;

  function drawHeader() {
    drawnState = headerState();
    put(header, 
      h('p', { class: 'meta' }, statusBadge(job.status), ` ${job.task} · ${job.architecture} · dataset `,
        h('a', { href: `#/datasets?preview=${encodeURIComponent(job.dataset)}` }, job.dataset),
        parent ? [' · fine-tuned from ', parent] : null,
        job.resumedFromEpoch ? ` · resumed from epoch ${job.resumedFromEpoch}` : ''),
      h('div', { class: 'progress-line' },
        h('progress', { max: 100, value: job.progress.percent, 'aria-label': 'Training progress' }),
        h('span', { id: 'job-epochs' }, epochLine(job)),
        active(job) ? h('span', { class: 'muted' }, `ETA ${duration(job.progress.etaSeconds)}`) : null,
        job.status === 'paused' ? h('span', { class: 'muted' }, 'paused after a checkpoint: Resume continues from here') : null),
      job.error ? h('div', { class: 'alert', role: 'alert' }, h('strong', {}, 'The job failed: '), job.error) : null,
      h('div', { class: 'actions' },
        job.modelId ? h('a', { class: 'button primary', href: `#/models/${job.modelId}`, id: 'model-link' }, 'Open the model playground') : null,
        jobActions(job, changed => { job = changed; drawHeader(); }),
        h('a', { class: 'button', href: `#/compare?ids=${id}` }, 'Compare with other runs')),
      h('p', { class: 'muted small' }, `Created ${when(job.createdAt)}`, job.finishedAt ? ` · finished ${when(job.finishedAt)}` : ''));
  }

  function drawCharts() {
    const list = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
    const pick = key => list.map(m => [m.epoch, m[key]]);
    const xMax = job.progress.totalEpochs;
    const loss = lineChart({
      title: 'Loss per epoch', yLabel: 'cross-entropy', xMax,
      series: [{ name: 'train', color: palette[0], points: pick('trainLoss') },
        { name: 'validation', color: palette[1], dashed: true, points: pick('validationLoss') }],
    });
    loss.id = 'loss-chart';
    const second = job.task === 'sentiment'
      ? lineChart({
        title: 'Accuracy per epoch', yLabel: 'accuracy', xMax, percent: true,
        series: [{ name: 'train', color: palette[0], points: pick('trainAccuracy') },
          { name: 'validation', color: palette[1], dashed: true, points: pick('validationAccuracy') }],
      })
      : lineChart({
        title: 'Perplexity per epoch', yLabel: 'perplexity', xMax,
        series: [{ name: 'perplexity', color: palette[2], points: pick('perplexity') }],
      });
    second.id = 'metric-chart';
    put(charts, h('figure', {}, loss), h('figure', {}, second));
    put(epochTable, ...list.map(m => h('tr', {},
      h('td', {}, m.epoch), h('td', {}, num(m.trainLoss)), h('td', {}, num(m.validationLoss)),
      job.task === 'sentiment' ? [h('td', {}, pct(m.trainAccuracy)), h('td', {}, pct(m.validationAccuracy))] : h('td', {}, num(m.perplexity)),
      h('td', {}, num(m.seconds, 3)))));
  }

  drawHeader();
  drawCharts();
  if (!finished(job)) {
    // A paused job is followed too: once resumed, its epochs arrive on the same stream.
    let refreshing = false, again = false;
    const refresh = async () => {
      if (refreshing) { again = true; return; }
      refreshing = true;
      try {
        const latest = await api(`/jobs/${id}`);
        if (ctx.alive() && !finished(job)) { job = latest; if (headerState() !== drawnState) drawHeader(); }
      } catch { /* the next epoch or poll refreshes */ }
      refreshing = false;
      if (again) { again = false; refresh(); }
    };
    // The stream sends epochs and the end, not status changes: a light poll shows queued → running, a pause that
    // lands after its epoch, and a resume or pause from another client.
    const poll = setInterval(() => { if (!finished(job)) refresh(); }, 1500);
    ctx.onLeave(() => clearInterval(poll));
    followJob(ctx, id, {
      onEpochs: batch => { for (const m of batch) epochs.set(m.epoch, m); drawCharts(); refresh(); },
      onEnd: end => { clearInterval(poll); job = end; drawHeader(); drawCharts(); toast(`Job ${end.status}`); },
    });
  }
}

/** Where the job is; a job that stopped early says so, and which epoch's weights its model keeps. */
function epochLine(job) {
  const { epoch, totalEpochs } = job.progress;
  if (!stoppedEarly(job)) return `epoch ${epoch} of ${totalEpochs}`;
  return `stopped early at epoch ${epoch} of ${totalEpochs}` + (job.bestEpoch ? `, best at ${job.bestEpoch} (the model keeps its weights)` : '');
}
