// The jobs list.
import { api } from '../api.js';
import { h, put } from '../dom.js';
import { duration, jobTitle, active, metricSummary } from '../format.js';
import { statusBadge, progressBar } from '../widgets.js';
import { jobActions } from '../job-actions.js';
import { setPage } from '../router.js';
import { followJob } from '../follow.js';

export async function jobsView(main, ctx, _, query) {
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
    return h('tr', { dataset: { id: job.id, status: job.status } },
      h('td', { 'data-label': 'Job' }, h('a', { href: `#/jobs/${job.id}` }, jobTitle(job))),
      h('td', { 'data-label': 'Status' }, statusBadge(job.status)),
      h('td', { 'data-label': 'Task' }, job.task),
      h('td', { 'data-label': 'Architecture' }, job.architecture),
      h('td', { 'data-label': 'Dataset' }, job.dataset),
      h('td', { 'data-label': 'Progress' }, progressBar(job)),
      h('td', { 'data-label': 'ETA' }, active(job) ? duration(job.progress.etaSeconds) : '—'),
      h('td', { 'data-label': 'Metrics' }, metricSummary(job.latestMetrics, job.task)),
      h('td', { 'data-label': '' }, h('div', { class: 'row-actions' }, jobActions(job, show, { small: true, labelled: true }))));
  }

  function show(job) {
    const next = row(job);
    const old = rows.get(job.id);
    if (old?.isConnected && old.dataset.status === job.status) {
      // Same status: refresh the cells but keep the actions cell, so a button being pressed stays put.
      for (let i = 0; i < old.cells.length - 1; i++) old.cells[i].replaceWith(next.cells[0]);
    } else {
      if (old?.isConnected) old.replaceWith(next); else tbody.append(next);
      rows.set(job.id, next);
    }
    // Running jobs are followed live (a few at most: each stream holds one of the browser's connections). A job that
    // paused keeps its stream open on the server (it is not finished), so the list lets go of it here.
    if (job.status !== 'running' && following.has(job.id)) {
      following.get(job.id).close();
      following.delete(job.id);
    }
    if (job.status === 'running' && !following.has(job.id) && following.size < 3) {
      following.set(job.id, followJob(ctx, job.id, {
        onEpochs: () => refreshJob(job.id),
        onEnd: end => { following.delete(job.id); show(end); },
      }));
    }
  }

  async function refreshJob(id) {
    try { const job = await api(`/jobs/${id}`); if (ctx.alive()) show(job); } catch { /* the next list refresh retries */ }
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
