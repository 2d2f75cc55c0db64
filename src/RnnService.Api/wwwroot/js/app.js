// RnnService dashboard: hash routes, one view function per page, plain DOM (no framework, no build step).
import { api, ApiError, apiKey, setApiKey } from './api.js';
import { lineChart, palette } from './chart.js';

// ---------- DOM helpers ----------

/** h('a', {href: '#/jobs', class: 'x', onclick: f}, 'text', childNode, ...) — text is always textContent. */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'value') node.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected') node[k] = !!v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** replaceChildren that skips null/false children (replaceChildren itself would write "null"). */
function put(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter(c => c !== null && c !== undefined && c !== false));
}

const toastNode = () => document.getElementById('toast');
let toastTimer;
function toast(message, kind = 'info') {
  const node = toastNode();
  node.textContent = message;
  node.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.className = 'toast'; }, 5000);
}

function errorBox(error) {
  const problem = error instanceof ApiError ? error.problem : { detail: String(error?.message || error) };
  const fields = Object.entries(problem.errors || {});
  return h('div', { class: 'alert', role: 'alert' },
    h('strong', {}, problem.title || 'Something went wrong'),
    problem.detail ? h('p', {}, problem.detail) : null,
    fields.length ? h('ul', {}, fields.map(([k, v]) => h('li', {}, `${k}: ${[].concat(v).join(' ')}`))) : null);
}

// ---------- formatting ----------

const num = (v, digits = 4) => v === null || v === undefined || !Number.isFinite(v) ? '—'
  : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(digits)).toString();
const pct = v => v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;
const int = v => v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US');
function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor(s % 3600 / 60)} min`;
}
const when = iso => iso ? new Date(iso).toLocaleString() : '—';
const shortId = id => id.slice(0, 8);
const jobTitle = job => job.name || `${job.task} ${job.architecture} on ${job.dataset} · ${shortId(job.id)}`;
const modelTitle = m => m.name || `${m.task} ${m.architecture} on ${m.dataset} · ${shortId(m.id)}`;
const active = job => job.status === 'queued' || job.status === 'running';

/** The headline metrics of an epoch for a task: validation when there is a split, train otherwise. */
function metricSummary(m, task) {
  if (!m) return '—';
  const loss = m.validationLoss ?? m.trainLoss;
  const lossName = m.validationLoss !== null && m.validationLoss !== undefined ? 'val loss' : 'loss';
  if (task === 'sentiment') {
    const acc = m.validationAccuracy ?? m.trainAccuracy;
    const accName = m.validationAccuracy !== null && m.validationAccuracy !== undefined ? 'val acc' : 'acc';
    return `${accName} ${pct(acc)} · ${lossName} ${num(loss)}`;
  }
  return `perplexity ${num(m.perplexity)} · ${lossName} ${num(loss)}`;
}

function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status);
}

function progressBar(job) {
  const p = job.progress;
  return h('div', { class: 'progress-cell' },
    h('progress', { max: 100, value: p.percent, 'aria-label': `Progress of ${jobTitle(job)}: ${p.percent}%` }),
    h('span', { class: 'muted' }, `${p.epoch}/${p.totalEpochs}`));
}

// ---------- routing ----------

let currentRender = 0;
let cleanups = [];

/** What a view can ask of the router: whether it is still shown, and what to stop when it is left. */
function context(token) {
  return {
    alive: () => token === currentRender,
    onLeave: fn => { if (token === currentRender) cleanups.push(fn); else fn(); },
  };
}

const routes = [
  [/^\/jobs$/, jobsView, 'jobs'],
  [/^\/jobs\/([0-9a-f-]{36})$/, jobView, 'jobs'],
  [/^\/compare$/, compareView, 'compare'],
  [/^\/train$/, trainView, 'train'],
  [/^\/models$/, modelsView, 'models'],
  [/^\/models\/([0-9a-f-]{36})$/, modelView, 'models'],
  [/^\/datasets$/, datasetsView, 'datasets'],
];

async function render() {
  for (const fn of cleanups.splice(0)) { try { fn(); } catch { /* leaving anyway */ } }
  const token = ++currentRender;
  const [path, query] = (location.hash.slice(1) || '/jobs').split('?');
  const route = routes.find(([pattern]) => pattern.test(path));
  const main = document.getElementById('main');
  document.querySelectorAll('[data-nav]').forEach(a => a.removeAttribute('aria-current'));
  if (!route) {
    if (path === '/' || path === '') { location.replace('#/jobs'); return; }
    put(main, h('h1', {}, 'Not found'), h('p', {}, 'No such page. '), h('a', { href: '#/jobs' }, 'Go to the jobs'));
    return;
  }
  const [pattern, view, nav] = route;
  document.querySelector(`[data-nav="${nav}"]`)?.setAttribute('aria-current', 'page');
  put(main, h('p', { class: 'muted' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  try {
    await view(main, context(token), pattern.exec(path).slice(1), new URLSearchParams(query || ''));
  } catch (error) {
    if (token === currentRender) put(main, h('h1', {}, 'Could not load this page'), errorBox(error));
  } finally {
    if (token === currentRender) main.removeAttribute('aria-busy');
  }
}

function setPage(main, title, ...content) {
  document.title = `${title} · RnnService`;
  put(main, h('h1', {}, title), ...content);
}

/** Follows a job's Server-Sent Events; closes on 'end' (the server closes too) and when the view is left. */
function followJob(ctx, id, { onEpoch, onEnd }) {
  const source = new EventSource(`/jobs/${id}/events`);
  source.addEventListener('epoch', e => onEpoch?.(JSON.parse(e.data)));
  source.addEventListener('end', e => { source.close(); onEnd?.(JSON.parse(e.data)); });
  ctx.onLeave(() => source.close());
  return source;
}

// ---------- jobs ----------

async function jobsView(main, ctx, _, query) {
  const page = Math.max(1, Number(query.get('page')) || 1);
  const tbody = h('tbody');
  const summary = h('p', { class: 'muted' });
  const pager = h('div', { class: 'pager' });
  setPage(main, 'Training jobs',
    h('div', { class: 'actions' },
      h('a', { class: 'button primary', href: '#/train' }, 'New training'),
      h('a', { class: 'button', href: '#/compare' }, 'Compare runs')),
    summary,
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'jobs-table' },
      h('caption', { class: 'visually-hidden' }, 'Training jobs, newest first'),
      h('thead', {}, h('tr', {}, ['Job', 'Status', 'Task', 'Architecture', 'Dataset', 'Progress', 'ETA', 'Metrics', ''].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    pager);

  const rows = new Map();
  const following = new Map();

  function row(job) {
    const cancel = active(job)
      ? h('button', { type: 'button', class: 'danger small', 'aria-label': `Cancel ${jobTitle(job)}`, onclick: e => cancelJob(job, e.target) }, 'Cancel')
      : null;
    return h('tr', { dataset: { id: job.id, status: job.status } },
      h('td', { 'data-label': 'Job' }, h('a', { href: `#/jobs/${job.id}` }, jobTitle(job))),
      h('td', { 'data-label': 'Status' }, statusBadge(job.status)),
      h('td', { 'data-label': 'Task' }, job.task),
      h('td', { 'data-label': 'Architecture' }, job.architecture),
      h('td', { 'data-label': 'Dataset' }, job.dataset),
      h('td', { 'data-label': 'Progress' }, progressBar(job)),
      h('td', { 'data-label': 'ETA' }, active(job) ? duration(job.progress.etaSeconds) : '—'),
      h('td', { 'data-label': 'Metrics' }, metricSummary(job.latestMetrics, job.task)),
      h('td', { 'data-label': '' }, cancel));
  }

  function show(job) {
    const next = row(job);
    const old = rows.get(job.id);
    if (old?.isConnected && old.dataset.status === job.status) {
      // Same status: refresh the cells but keep the actions cell, so a Cancel button being pressed stays put.
      for (let i = 0; i < old.cells.length - 1; i++) old.cells[i].replaceWith(next.cells[0]);
    } else {
      if (old?.isConnected) old.replaceWith(next); else tbody.append(next);
      rows.set(job.id, next);
    }
    // Running jobs are followed live (a few at most: each stream holds one of the browser's connections).
    if (job.status === 'running' && !following.has(job.id) && following.size < 3) {
      following.set(job.id, followJob(ctx, job.id, {
        onEpoch: () => refreshJob(job.id),
        onEnd: end => { following.delete(job.id); show(end); },
      }));
    }
  }

  async function refreshJob(id) {
    try { const job = await api(`/jobs/${id}`); if (ctx.alive()) show(job); } catch { /* the next list refresh retries */ }
  }

  async function cancelJob(job, button) {
    button.disabled = true;
    try {
      const result = await api(`/jobs/${job.id}/cancel`, { method: 'POST' });
      toast(`Job ${shortId(job.id)}: ${result.status}`);
      show(result);
    } catch (error) {
      button.disabled = false;
      toast(error.message, 'error');
    }
  }

  async function load() {
    const data = await api(`/jobs?page=${page}&pageSize=25`);
    if (!ctx.alive()) return;
    summary.textContent = data.total === 0 ? 'No jobs yet: start one with New training.'
      : `${data.total} job${data.total === 1 ? '' : 's'}; running ones update live.`;
    const ids = new Set(data.items.map(j => j.id));
    for (const [id, node] of rows) if (!ids.has(id)) { node.remove(); rows.delete(id); }
    put(tbody);
    for (const job of data.items) { rows.delete(job.id); show(job); }
    put(pager, 
      page > 1 ? h('a', { class: 'button', href: `#/jobs?page=${page - 1}` }, 'Newer') : null,
      page * data.pageSize < data.total ? h('a', { class: 'button', href: `#/jobs?page=${page + 1}` }, 'Older') : null);
    return data.items.some(active);
  }

  await load();
  // New and queued jobs show up by a light poll; running ones are also followed by their event stream.
  const timer = setInterval(() => load().catch(() => {}), 3000);
  ctx.onLeave(() => clearInterval(timer));
}

// ---------- job detail ----------

async function jobView(main, ctx, [id]) {
  let job = await api(`/jobs/${id}`);
  const epochs = new Map((await api(`/jobs/${id}/metrics`)).map(m => [m.epoch, m]));
  if (!ctx.alive()) return;

  const header = h('div', { class: 'job-header' });
  const charts = h('div', { class: 'charts' });
  const epochTable = h('tbody');
  const hyper = h('dl', { class: 'hyper' });
  setPage(main, jobTitle(job), header, charts,
    h('section', { 'aria-labelledby': 'hp-title' }, h('h2', { id: 'hp-title' }, 'Effective hyper-parameters'), hyper),
    h('details', { class: 'epochs' }, h('summary', {}, h('h2', { id: 'ep-title' }, 'Every epoch')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'numbers', 'aria-labelledby': 'ep-title' },
        h('thead', {}, h('tr', {}, ['Epoch', 'Train loss', 'Validation loss', job.task === 'sentiment' ? 'Train acc' : 'Perplexity',
          job.task === 'sentiment' ? 'Validation acc' : '', 'Seconds'].filter(Boolean).map(t => h('th', { scope: 'col' }, t)))),
        epochTable))));

  for (const [k, v] of Object.entries(job.hyperparameters)) hyper.append(h('div', {}, h('dt', {}, k), h('dd', {}, v === null ? 'off' : String(v))));

  function drawHeader() {
    const cancel = active(job) ? h('button', {
      type: 'button', class: 'danger', onclick: async e => {
        e.target.disabled = true;
        try { job = await api(`/jobs/${id}/cancel`, { method: 'POST' }); drawHeader(); toast(`Job ${job.status}`); }
        catch (error) { e.target.disabled = false; toast(error.message, 'error'); }
      },
    }, 'Cancel job') : null;
    put(header, 
      h('p', { class: 'meta' }, statusBadge(job.status), ` ${job.task} · ${job.architecture} · dataset `,
        h('a', { href: `#/datasets?preview=${encodeURIComponent(job.dataset)}` }, job.dataset),
        job.resumedFromEpoch ? ` · resumed from epoch ${job.resumedFromEpoch}` : ''),
      h('div', { class: 'progress-line' },
        h('progress', { max: 100, value: job.progress.percent, 'aria-label': 'Training progress' }),
        h('span', {}, `epoch ${job.progress.epoch} of ${job.progress.totalEpochs}`),
        active(job) ? h('span', { class: 'muted' }, `ETA ${duration(job.progress.etaSeconds)}`) : null),
      job.error ? h('div', { class: 'alert', role: 'alert' }, h('strong', {}, 'The job failed: '), job.error) : null,
      h('div', { class: 'actions' },
        job.modelId ? h('a', { class: 'button primary', href: `#/models/${job.modelId}`, id: 'model-link' }, 'Open the model playground') : null,
        cancel,
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
  if (active(job)) {
    let refreshing = false, again = false;
    const refresh = async () => {
      if (refreshing) { again = true; return; }
      refreshing = true;
      try { const latest = await api(`/jobs/${id}`); if (ctx.alive() && active(job)) { job = latest; drawHeader(); } }
      catch { /* the next epoch refreshes */ }
      refreshing = false;
      if (again) { again = false; refresh(); }
    };
    followJob(ctx, id, {
      onEpoch: m => { epochs.set(m.epoch, m); drawCharts(); refresh(); },
      onEnd: end => { job = end; drawHeader(); drawCharts(); toast(`Job ${end.status}`); },
    });
  }
}

// ---------- compare ----------

async function compareView(main, ctx, _, query) {
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
    const keys = ['hiddenSize', 'embeddingSize', 'layers', 'epochs', 'batchSize', 'learningRate', 'optimizer', 'dropout'];
    put(output, 
      h('ul', { class: 'legend-list' }, picked.map((j, i) => h('li', {}, h('span', { class: 'swatch', style: `background:${palette[i % palette.length]}` }), jobTitle(j)))),
      ...figures.map(f => h('figure', {}, f)),
      h('div', { class: 'table-wrap' }, h('table', { class: 'numbers' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'Final'), keys.map(k => h('th', { scope: 'col' }, k)))),
        h('tbody', {}, picked.map(j => h('tr', {}, h('td', {}, h('a', { href: `#/jobs/${j.id}` }, jobTitle(j))),
          h('td', {}, metricSummary(j.latestMetrics, j.task)), keys.map(k => h('td', {}, String(j.hyperparameters[k])))))))));
  }
  await draw();
}

// ---------- forms ----------

/** A labelled control with its error slot; path is the JSON path the service names in errors. */
function field({ path, label, control, hint }) {
  const id = `f-${path.replace(/[^a-zA-Z0-9]/g, '-')}`;
  control.id = id;
  control.name = path;
  control.dataset.path = path;
  const errorId = `err-${id}`, hintId = hint ? `hint-${id}` : null;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  return h('div', { class: 'field', dataset: { field: path } },
    h('label', { for: id }, label), control,
    hint ? h('small', { id: hintId, class: 'muted' }, hint) : null,
    h('p', { class: 'field-error', id: errorId, 'aria-live': 'polite' }));
}

function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach(e => { e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
  form.querySelector('.form-alert')?.replaceChildren();
}

/** Puts each ProblemDetails field error next to its control; the rest goes in the form's alert. */
function showErrors(form, error) {
  const rest = {};
  let first = null;
  for (const [path, messages] of Object.entries(error.errors || {})) {
    const control = [...form.querySelectorAll('[data-path]')].find(c => c.dataset.path.toLowerCase() === path.toLowerCase());
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      document.getElementById(`err-${control.id}`).textContent = [].concat(messages).join(' ');
      first ??= control;
    } else rest[path] = messages;
  }
  const alert = form.querySelector('.form-alert');
  if (Object.keys(rest).length || !first)
    put(alert, errorBox(new ApiError(error.status, { ...error.problem, errors: rest })));
  (first || alert).focus?.();
}

const numberInput = (attrs = {}) => h('input', { type: 'number', step: 'any', inputmode: 'decimal', placeholder: 'default', ...attrs });
const select = (options, attrs = {}) => h('select', attrs, options.map(([value, text]) => h('option', { value }, text)));

// ---------- new training ----------

async function trainView(main, ctx, _, query) {
  const datasets = await api('/datasets');
  if (!ctx.alive()) return;
  const task = select([['sentiment', 'sentiment (classify text)'], ['charlm', 'charlm (character model)']]);
  const architecture = select([['lstm', 'LSTM'], ['gru', 'GRU'], ['rnn', 'tanh RNN']]);
  const dataset = h('select');
  const fillDatasets = () => {
    const keep = dataset.value;
    put(dataset, ...datasets.filter(d => d.task === task.value)
      .map(d => h('option', { value: d.name }, `${d.name}${d.builtIn ? ' (built-in)' : ''}`)));
    if ([...dataset.options].some(o => o.value === keep)) dataset.value = keep;
  };
  const wanted = datasets.find(d => d.name === query.get('dataset'));
  if (wanted) task.value = wanted.task;
  fillDatasets();
  if (wanted) dataset.value = wanted.name;
  task.addEventListener('change', fillDatasets);

  const hp = [
    ['epochs', 'Epochs', { step: 1, inputmode: 'numeric' }],
    ['hiddenSize', 'Hidden size', { step: 1, inputmode: 'numeric' }],
    ['embeddingSize', 'Embedding size', { step: 1, inputmode: 'numeric' }],
    ['layers', 'Layers', { step: 1, inputmode: 'numeric' }],
    ['batchSize', 'Batch size', { step: 1, inputmode: 'numeric' }],
    ['learningRate', 'Learning rate', {}],
    ['dropout', 'Dropout', {}],
    ['validationFraction', 'Validation fraction', {}],
    ['sequenceLength', 'Sequence length (char models)', { step: 1, inputmode: 'numeric' }],
    ['maxVocabulary', 'Max vocabulary (sentiment)', { step: 1, inputmode: 'numeric' }],
    ['earlyStoppingPatience', 'Early-stopping patience', { step: 1, inputmode: 'numeric' }],
    ['seed', 'Seed', { step: 1, inputmode: 'numeric' }],
  ];
  const optimizer = select([['', 'default'], ['adam', 'Adam'], ['sgd', 'SGD']]);
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start training');
  const form = h('form', { novalidate: true, class: 'form', id: 'train-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'task', label: 'Task', control: task }),
      field({ path: 'architecture', label: 'Architecture', control: architecture }),
      field({ path: 'dataset', label: 'Dataset', control: dataset, hint: 'Upload your own under Datasets.' }),
      field({ path: 'name', label: 'Name (optional)', control: name })),
    h('fieldset', {}, h('legend', {}, 'Hyper-parameters (blank = the engine\'s default for the task)'),
      h('div', { class: 'grid' },
        hp.map(([key, label, attrs]) => field({ path: `hyperparameters.${key}`, label, control: numberInput(attrs) })),
        field({ path: 'hyperparameters.optimizer', label: 'Optimizer', control: optimizer }))),
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    const hyperparameters = {};
    const local = {};
    for (const [key] of hp) {
      const input = form.querySelector(`[data-path="hyperparameters.${key}"]`);
      if (input.validity.badInput) local[`hyperparameters.${key}`] = ['Not a number.'];
      else if (input.value.trim() !== '') hyperparameters[key] = Number(input.value);
    }
    if (optimizer.value) hyperparameters.optimizer = optimizer.value;
    if (Object.keys(local).length) { showErrors(form, new ApiError(400, { title: 'Check the highlighted fields', errors: local })); return; }
    const body = { task: task.value, architecture: architecture.value, dataset: dataset.value || null, hyperparameters };
    if (name.value.trim()) body.name = name.value.trim();
    submit.disabled = true;
    try {
      const job = await api('/train', { method: 'POST', body });
      location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      submit.disabled = false;
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });
  setPage(main, 'New training', h('p', { class: 'muted' }, 'The service checks every value; its messages appear next to the fields.'), form);
}

// ---------- models ----------

/** A delete button that asks once more in place (no blocking dialog). */
function deleteButton(label, onConfirm) {
  const wrap = h('span', { class: 'confirm' });
  const ask = h('button', { type: 'button', class: 'danger small', 'aria-label': label, onclick: () => {
    put(wrap, h('span', {}, 'Delete? '),
      h('button', { type: 'button', class: 'danger small', 'aria-label': `Yes, ${label.toLowerCase()}`, onclick: async e => {
        e.target.disabled = true;
        try { await onConfirm(); } catch (error) { toast(error.message, 'error'); put(wrap, ask); }
      } }, 'Yes'),
      h('button', { type: 'button', class: 'small', onclick: () => put(wrap, ask) }, 'No'));
    wrap.querySelector('button').focus();
  } }, 'Delete');
  wrap.append(ask);
  return wrap;
}

async function modelsView(main, ctx, _, query) {
  const page = Math.max(1, Number(query.get('page')) || 1);
  const data = await api(`/models?page=${page}&pageSize=25`);
  if (!ctx.alive()) return;
  const tbody = h('tbody');
  setPage(main, 'Models',
    h('p', { class: 'muted' }, data.total === 0 ? 'No models yet: a job that succeeds stores one.' : `${data.total} model${data.total === 1 ? '' : 's'}.`),
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'models-table' },
      h('caption', { class: 'visually-hidden' }, 'Trained models, newest first'),
      h('thead', {}, h('tr', {}, ['Model', 'Task', 'Architecture', 'Dataset', 'Parameters', 'Size', 'Final metrics', ''].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    h('div', { class: 'pager' },
      page > 1 ? h('a', { class: 'button', href: `#/models?page=${page - 1}` }, 'Newer') : null,
      page * data.pageSize < data.total ? h('a', { class: 'button', href: `#/models?page=${page + 1}` }, 'Older') : null));
  for (const m of data.items) {
    const metrics = h('td', { 'data-label': 'Final metrics' }, '…');
    const tr = h('tr', { dataset: { id: m.id } },
      h('td', { 'data-label': 'Model' }, h('a', { href: `#/models/${m.id}` }, modelTitle(m))),
      h('td', { 'data-label': 'Task' }, m.task),
      h('td', { 'data-label': 'Architecture' }, m.architecture),
      h('td', { 'data-label': 'Dataset' }, m.dataset),
      h('td', { 'data-label': 'Parameters' }, int(m.parameterCount)),
      h('td', { 'data-label': 'Size' }, `${bytes(m.parameterCount * 4)} · vocab ${int(m.vocabularySize)}`),
      metrics,
      h('td', { 'data-label': '' }, h('div', { class: 'row-actions' },
        h('a', { class: 'button small primary', href: `#/models/${m.id}` }, 'Playground'),
        h('a', { class: 'button small', href: `/models/${m.id}/weights`, download: '', 'aria-label': `Download the weights of ${modelTitle(m)}` }, 'Weights'),
        deleteButton(`Delete ${modelTitle(m)}`, async () => {
          await api(`/models/${m.id}`, { method: 'DELETE' });
          tr.remove();
          toast('Model deleted');
        }))));
    tbody.append(tr);
    api(`/models/${m.id}`).then(full => { metrics.textContent = metricSummary(full.finalMetrics, full.task); })
      .catch(() => { metrics.textContent = '—'; });
  }
}

async function modelView(main, ctx, [id]) {
  const model = await api(`/models/${id}`);
  if (!ctx.alive()) return;
  const c = model.config;
  const info = h('dl', { class: 'hyper' },
    [['task', model.task], ['architecture', model.architecture], ['dataset', model.dataset], ['parameters', int(model.parameterCount)],
      ['vocabulary', int(model.vocabularySize)], ['hidden size', c.hiddenSize], ['embedding size', c.embeddingSize], ['layers', c.layers],
      ['final', metricSummary(model.finalMetrics, model.task)], ['created', when(model.createdAt)]]
      .map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, String(v)))));
  const actions = h('div', { class: 'actions' },
    h('a', { class: 'button', href: `#/jobs/${model.jobId}` }, 'Training job'),
    h('a', { class: 'button', href: `/models/${id}/weights`, download: '' }, 'Download weights (safetensors)'),
    deleteButton('Delete this model', async () => {
      await api(`/models/${id}`, { method: 'DELETE' });
      toast('Model deleted');
      location.hash = '#/models';
    }));
  const playground = model.task === 'sentiment' ? sentimentPlayground(id) : charPlayground(id, ctx, c.lineMode);
  setPage(main, modelTitle(model), actions,
    h('section', { class: 'playground', 'aria-labelledby': 'pg-title' }, h('h2', { id: 'pg-title' }, 'Playground'), playground),
    h('section', { 'aria-labelledby': 'info-title' }, h('h2', { id: 'info-title' }, 'Model'), info));
}

function sentimentPlayground(id) {
  const text = h('textarea', { rows: 3, placeholder: 'i am very happy' });
  text.value = 'i am very happy';
  const results = h('div', { id: 'classify-results', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    field({ path: 'text', label: 'Text to classify (one text per line)', control: text }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Classify')),
    results);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    const texts = text.value.split('\n').map(t => t.trim()).filter(Boolean);
    if (texts.length === 0) { showErrors(form, new ApiError(400, { errors: { text: ['Type a sentence first.'] } })); return; }
    try {
      const answer = await api('/predict', { method: 'POST', body: { modelId: id, texts } });
      put(results, ...answer.predictions.map(p => {
        const unknown = new Set((p.unknownWords || []).map(w => w.toLowerCase()));
        const words = p.text.split(/(\s+)/).map(part => {
          const bare = part.toLowerCase().replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, '');
          return bare && unknown.has(bare) ? h('mark', { class: 'unknown', title: 'not in the model\'s vocabulary' }, part) : part;
        });
        const prob = p.probability ?? 0.5;
        return h('div', { class: `prediction ${p.label}` },
          h('p', { class: 'prediction-text' }, words),
          h('div', { class: 'prediction-row' },
            h('strong', { class: 'label' }, p.label),
            h('div', { class: 'bar', role: 'img', 'aria-label': `Probability of positive: ${pct(prob)}` },
              h('div', { class: 'bar-fill', style: `width:${(prob * 100).toFixed(1)}%` })),
            h('span', { class: 'prob' }, `P(positive) ${pct(prob)}`)),
          h('p', { class: 'muted small' }, unknown.size ? `Unknown words (marked): ${[...unknown].join(', ')}` : 'Every word is in the vocabulary.'));
      }));
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });
  return form;
}

const showChar = c => c === ' ' ? '␣ (space)' : c === '\n' ? '⏎ (newline)' : c === '<eos>' ? '⏹ (end)' : c;

function charPlayground(id, ctx, lineMode) {
  const prompt = h('input', { type: 'text', autocomplete: 'off', placeholder: lineMode ? 'e.g. ma' : 'e.g. to be' });
  const temperature = numberInput({ value: '0.8', min: 0, placeholder: '1' });
  const topK = numberInput({ value: '0', min: 0, step: 1, placeholder: '0 = off' });
  const count = numberInput({ value: '5', min: 1, step: 1, placeholder: '1' });
  const maxLength = numberInput({ value: lineMode ? '20' : '200', min: 1, step: 1 });
  const seed = numberInput({ step: 1, placeholder: 'random' });
  const samples = h('ol', { id: 'samples', class: 'samples', 'aria-live': 'polite' });
  const seedNote = h('p', { class: 'muted small' });
  const next = h('div', { id: 'next-chars', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'prompt', label: 'Prompt', control: prompt, hint: lineMode ? 'Names start with it; empty for any.' : 'The text continues it.' }),
      field({ path: 'temperature', label: 'Temperature', control: temperature, hint: '0 = greedy' }),
      field({ path: 'topK', label: 'Top-k', control: topK, hint: '0 = off' }),
      field({ path: 'count', label: 'Count', control: count }),
      field({ path: 'maxLength', label: 'Max length', control: maxLength }),
      field({ path: 'seed', label: 'Seed', control: seed })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Generate')));

  const numberOrNull = input => input.value.trim() === '' ? undefined : Number(input.value);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    const body = { modelId: id, prompt: prompt.value, temperature: numberOrNull(temperature), topK: numberOrNull(topK),
      count: numberOrNull(count), maxLength: numberOrNull(maxLength), seed: numberOrNull(seed) };
    try {
      const answer = await api('/generate', { method: 'POST', body });
      put(samples, ...answer.samples.map(t => h('li', {}, prompt.value ? [h('b', {}, prompt.value), t.slice(prompt.value.length)] : t)));
      seedNote.textContent = `seed ${answer.seed}`;
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });

  let timer, asked = 0;
  async function nextChars() {
    const text = prompt.value;
    const mine = ++asked;
    if (!text) { put(next, h('p', { class: 'muted' }, 'Type a prompt to see the likeliest next characters.')); return; }
    try {
      const answer = await api('/predict', { method: 'POST', body: { modelId: id, text } });
      if (mine !== asked || !ctx.alive()) return;
      const p = answer.predictions[0];
      put(next, 
        h('p', {}, `After “${text}”: perplexity ${num(p.perplexity)}`),
        h('ul', { class: 'bars' }, p.nextCharacters.map(n => h('li', {},
          h('span', { class: 'char' }, showChar(n.character)),
          h('div', { class: 'bar', role: 'img', 'aria-label': `${showChar(n.character)}: ${pct(n.probability)}` },
            h('div', { class: 'bar-fill', style: `width:${(n.probability * 100).toFixed(1)}%` })),
          h('span', { class: 'prob' }, pct(n.probability))))));
    } catch (error) {
      if (mine === asked) put(next, errorBox(error));
    }
  }
  prompt.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(nextChars, 250); });
  ctx.onLeave(() => clearTimeout(timer));
  nextChars();
  return h('div', { class: 'char-playground' }, form,
    h('div', { class: 'two' },
      h('section', { 'aria-labelledby': 'samples-title' }, h('h3', { id: 'samples-title' }, 'Samples'), samples, seedNote),
      h('section', { 'aria-labelledby': 'next-title' }, h('h3', { id: 'next-title' }, 'Next-character probabilities'), next)));
}

// ---------- datasets ----------

async function datasetsView(main, ctx, _, query) {
  const tbody = h('tbody');
  const preview = h('section', { id: 'preview', 'aria-live': 'polite' });

  async function showPreview(name) {
    put(preview, h('p', { class: 'muted' }, 'Loading preview…'));
    try {
      const data = await api(`/datasets/${encodeURIComponent(name)}/preview?rows=10`);
      if (!ctx.alive()) return;
      const sentiment = data.task === 'sentiment';
      put(preview, 
        h('h2', { id: 'preview-title' }, `Preview: ${data.name}`),
        h('p', { class: 'muted' }, `First ${data.rows.length} of ${int(data.samples)} ${sentiment ? 'examples' : 'samples'}.`,
          ' ', h('a', { href: `#/train?dataset=${encodeURIComponent(data.name)}` }, 'Train on it')),
        h('div', { class: 'table-wrap' }, h('table', { class: 'preview', 'aria-labelledby': 'preview-title' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Text'), sentiment ? h('th', { scope: 'col' }, 'Label') : null)),
          h('tbody', {}, data.rows.map((r, i) => h('tr', {}, h('td', {}, i + 1), h('td', { class: 'text' }, r.text),
            sentiment ? h('td', {}, r.label === 1 ? '1 positive' : '0 negative') : null))))));
    } catch (error) {
      put(preview, errorBox(error));
    }
  }

  async function load() {
    const datasets = await api('/datasets');
    if (!ctx.alive()) return;
    put(tbody, ...datasets.map(d => {
      const tr = h('tr', { dataset: { name: d.name } },
        h('td', { 'data-label': 'Name' }, h('strong', {}, d.name), d.description ? h('div', { class: 'muted small' }, d.description) : null),
        h('td', { 'data-label': 'Task' }, d.task),
        h('td', { 'data-label': 'Source' }, d.builtIn ? 'built-in' : `upload (${d.format}${d.lineMode ? ', lines' : ''})`),
        h('td', { 'data-label': 'Samples' }, int(d.samples)),
        h('td', { 'data-label': 'Size' }, bytes(d.bytes)),
        h('td', { 'data-label': '' }, h('div', { class: 'row-actions' },
          h('button', { type: 'button', class: 'small', 'aria-label': `Preview ${d.name}`, onclick: () => showPreview(d.name) }, 'Preview'),
          h('a', { class: 'button small', href: `#/train?dataset=${encodeURIComponent(d.name)}`, 'aria-label': `Train on ${d.name}` }, 'Train'),
          d.builtIn ? null : deleteButton(`Delete ${d.name}`, async () => {
            await api(`/datasets/${encodeURIComponent(d.name)}`, { method: 'DELETE' });
            toast(`Deleted ${d.name}`);
            await load();
          }))));
      return tr;
    }));
  }

  // Upload form.
  const name = h('input', { type: 'text', autocomplete: 'off', pattern: '[a-z0-9][a-z0-9_-]{0,63}', placeholder: 'my-reviews' });
  const task = select([['sentiment', 'sentiment'], ['charlm', 'charlm']]);
  const format = select([['csv', 'CSV (text,label)'], ['jsonl', 'JSONL ({"text", "label"})'], ['text', 'Text']]);
  const lineMode = h('input', { type: 'checkbox', id: 'f-lineMode', 'data-path': 'lineMode' });
  const file = h('input', { type: 'file', accept: '.csv,.jsonl,.json,.txt,text/plain,text/csv' });
  const content = h('textarea', { rows: 6, spellcheck: 'false', placeholder: 'text,label\nwhat a lovely day,1\nthis is awful,0' });
  task.addEventListener('change', () => { format.value = task.value === 'charlm' ? 'text' : 'csv'; });
  format.addEventListener('change', () => { if (format.value === 'text') task.value = 'charlm'; else task.value = 'sentiment'; });
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    content.value = await f.text();
    const ext = f.name.split('.').pop().toLowerCase();
    if (ext === 'csv') { format.value = 'csv'; task.value = 'sentiment'; }
    else if (ext === 'jsonl' || ext === 'json') { format.value = 'jsonl'; task.value = 'sentiment'; }
    else { format.value = 'text'; task.value = 'charlm'; }
    if (!name.value) name.value = f.name.replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload');
  const form = h('form', { novalidate: true, class: 'form', id: 'upload-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'name', label: 'Name', control: name, hint: 'lowercase letters, digits, - and _' }),
      field({ path: 'task', label: 'Task', control: task }),
      field({ path: 'format', label: 'Format', control: format }),
      h('div', { class: 'field check' }, lineMode, h('label', { for: 'f-lineMode' }, 'Text: one sample per line'),
        h('p', { class: 'field-error', id: 'err-f-lineMode' }))),
    field({ path: 'file', label: 'File (fills the content below)', control: file }),
    field({ path: 'content', label: 'Content', control: content }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const created = await api('/datasets', { method: 'POST', body: {
        name: name.value.trim(), task: task.value, format: format.value, content: content.value,
        lineMode: format.value === 'text' ? lineMode.checked : undefined,
      } });
      toast(`Uploaded ${created.name}: ${int(created.samples)} samples`);
      form.reset();
      await load();
      await showPreview(created.name);
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    } finally {
      submit.disabled = false;
    }
  });

  setPage(main, 'Datasets',
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'datasets-table' },
      h('caption', { class: 'visually-hidden' }, 'Datasets'),
      h('thead', {}, h('tr', {}, ['Dataset', 'Task', 'Source', 'Samples', 'Size', ''].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    preview,
    h('section', { 'aria-labelledby': 'upload-title' }, h('h2', { id: 'upload-title' }, 'Upload a dataset'),
      h('p', { class: 'muted' }, 'CSV with the header text,label (labels 0/1), JSONL with one {"text", "label"} per line, or plain text for character models.'),
      form));
  await load();
  if (query.get('preview')) await showPreview(query.get('preview'));
}

// ---------- start ----------

const keyInput = document.getElementById('api-key');
keyInput.value = apiKey();
keyInput.addEventListener('change', () => { setApiKey(keyInput.value.trim()); toast(keyInput.value ? 'API key saved in this browser' : 'API key cleared'); });
window.addEventListener('hashchange', () => render().then(() => document.getElementById('main').focus({ preventScroll: true })));
render();
