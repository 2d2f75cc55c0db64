// The sweeps list: each sweep's state, its best objective so far and its model, refreshed every few seconds.
import { api } from '../api.js';
import { h, put } from '../dom.js';
import { when, modelHref, objectiveName, objectiveValue } from '../format.js';
import { statusBadge } from '../widgets.js';
import { setPage } from '../router.js';

export async function sweepsView(main, ctx, _, query) {
  const page = Math.max(1, Number(query.get('page')) || 1);
  const tbody = h('tbody');
  const summary = h('p', { class: 'muted' });
  const pager = h('div', { class: 'pager' });
  setPage(main, 'Sweeps',
    h('p', {}, 'A sweep trains many small trials of a search space and keeps the best: the service finds good settings for your data.'),
    h('div', { class: 'actions' },
      h('a', { class: 'button primary', href: '#/sweeps/new' }, 'New sweep'),
      h('a', { class: 'button', href: '#/train' }, 'Find settings from the training form')),
    summary,
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'sweeps-table' },
      h('caption', { class: 'visually-hidden' }, 'Sweeps, newest first'),
      h('thead', {}, h('tr', {}, ['Sweep', 'Status', 'Task', 'Dataset', 'Trials', 'Best', 'Model', 'Created'].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    pager);

  const row = s => h('tr', { dataset: { id: s.id, status: s.status } },
    h('td', { 'data-label': 'Sweep' }, h('a', { href: `#/sweeps/${s.id}` }, s.name)),
    h('td', { 'data-label': 'Status' }, statusBadge(s.status)),
    h('td', { 'data-label': 'Task' }, s.task),
    h('td', { 'data-label': 'Dataset' }, s.dataset),
    h('td', { 'data-label': 'Trials' }, `${s.trialsStarted} of ${s.budget.maxTrials}`),
    h('td', { 'data-label': 'Best' }, s.best ? `${objectiveName(s)} ${objectiveValue(s, s.best.metric)} (trial #${s.best.index})` : '—'),
    h('td', { 'data-label': 'Model' }, s.model ? h('a', { href: modelHref(s.model) }, s.model) : '—'),
    h('td', { 'data-label': 'Created' }, when(s.createdAt)));

  const drawn = new Map();   // sweep id -> { shown, node }
  async function load() {
    const data = await api(`/sweeps?page=${page}&pageSize=25`);
    if (!ctx.alive()) return;
    summary.textContent = data.total === 0 ? 'No sweeps yet: start one with New sweep, or Find settings for me on the training form.'
      : `${data.total} sweep${data.total === 1 ? '' : 's'}; open ones update every few seconds.`;
    // A row is redrawn only when what it shows changed, so a link being focused or clicked stays put between polls.
    const rows = data.items.map(s => {
      const shown = JSON.stringify([s.status, s.trialsStarted, s.best?.index, s.best?.metric, s.model]);
      const old = drawn.get(s.id);
      if (old?.shown === shown) return old.node;
      const node = row(s);
      if (old?.node.isConnected) old.node.replaceWith(node);
      drawn.set(s.id, { shown, node });
      return node;
    });
    if (rows.some((node, i) => tbody.children[i] !== node) || tbody.children.length !== rows.length) put(tbody, rows);
    put(pager,
      page > 1 ? h('a', { class: 'button', href: `#/sweeps?page=${page - 1}` }, 'Newer') : null,
      page * data.pageSize < data.total ? h('a', { class: 'button', href: `#/sweeps?page=${page + 1}` }, 'Older') : null);
  }

  await load();
  // A light poll (the list holds no event streams: each would take one of the browser's few connections).
  const timer = setInterval(() => load().catch(() => {}), 3000);
  ctx.onLeave(() => clearInterval(timer));
}
