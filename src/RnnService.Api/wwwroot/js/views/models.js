// The models list: every model with its version and aliases, the named models on the page grouped, ?name= for one name.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { int, bytes, modelTitle, modelHref, metricSummary } from '../format.js';
import { aliasBadges, deleteButton, weightsLink } from '../widgets.js';
import { setPage } from '../router.js';

export async function modelsView(main, ctx, _, query) {
  const page = Math.max(1, Number(query.get('page')) || 1);
  const name = query.get('name');
  const nameQuery = name ? `&name=${encodeURIComponent(name)}` : '';
  const data = await api(`/models?page=${page}&pageSize=25${nameQuery}`);
  if (!ctx.alive()) return;
  const tbody = h('tbody');
  const count = `${data.total} model${data.total === 1 ? '' : 's'}`;
  setPage(main, name ? `Models named ${name}` : 'Models',
    h('p', { class: 'muted' }, data.total === 0 ? 'No models yet: a job that succeeds stores one.'
      : name ? [`${count} (versions of ${name}). `, h('a', { href: modelHref(name) }, `Open ${name}`), ' · ', h('a', { href: '#/models' }, 'All models')]
      : `${count}. A job with a name stores that name's next version.`),
    name ? null : namedModels(data.items),
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'models-table' },
      h('caption', { class: 'visually-hidden' }, 'Trained models, newest first'),
      h('thead', {}, h('tr', {}, ['Model', 'Aliases', 'Task', 'Architecture', 'Dataset', 'Parameters', 'Size', 'Final metrics', ''].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    h('div', { class: 'pager' },
      page > 1 ? h('a', { class: 'button', href: `#/models?page=${page - 1}${nameQuery}` }, 'Newer') : null,
      page * data.pageSize < data.total ? h('a', { class: 'button', href: `#/models?page=${page + 1}${nameQuery}` }, 'Older') : null));
  for (const m of data.items) {
    const tr = h('tr', { dataset: { id: m.id, name: m.name || '', version: m.version || '' } },
      h('td', { 'data-label': 'Model' }, h('a', { href: modelHref(m.id) }, modelTitle(m))),
      h('td', { 'data-label': 'Aliases', class: 'aliases' }, m.aliases.length ? h('span', { class: 'badges' }, aliasBadges(m.aliases)) : '—'),
      h('td', { 'data-label': 'Task' }, m.task),
      h('td', { 'data-label': 'Architecture' }, m.architecture),
      h('td', { 'data-label': 'Dataset' }, m.dataset),
      h('td', { 'data-label': 'Parameters' }, int(m.parameterCount)),
      h('td', { 'data-label': 'Size' }, `${bytes(m.parameterCount * 4)} · vocab ${int(m.vocabularySize)}`),
      h('td', { 'data-label': 'Final metrics' }, metricSummary(m.finalMetrics, m.task)),
      h('td', { 'data-label': '' }, h('div', { class: 'row-actions' },
        h('a', { class: 'button small primary', href: modelHref(m.id) }, 'Playground'),
        weightsLink(m, { class: 'button small', 'aria-label': `Download the weights of ${modelTitle(m)}` }, 'Weights'),
        deleteButton(`Delete ${modelTitle(m)}`, async () => {
          await api(`/models/${m.id}`, { method: 'DELETE' });
          tr.remove();
          toast('Model deleted');
        }))));
    tbody.append(tr);
  }
}

/** The names among this page's models, each with its versions here (newest first, aliases beside them). The list is
 *  paged, so a name's older versions may be on a later page: the name's own page and ?name= show them all. */
function namedModels(items) {
  const byName = new Map();
  for (const m of items) {
    if (!m.name || !m.version) continue;
    if (!byName.has(m.name)) byName.set(m.name, []);
    byName.get(m.name).push(m);
  }
  if (byName.size === 0) return null;
  return h('section', { 'aria-labelledby': 'named-title', id: 'named-models' },
    h('h2', { id: 'named-title' }, 'Named models'),
    h('ul', { class: 'alias-list' }, [...byName].map(([name, versions]) => h('li', { dataset: { name } },
      h('a', { href: modelHref(name) }, h('strong', {}, name)),
      versions.sort((a, b) => b.version - a.version).map(v => h('span', { class: 'badges', dataset: { version: v.version } },
        h('a', { href: modelHref(v.id), class: 'badge version', 'aria-label': `${name} version ${v.version}` }, `v${v.version}`),
        aliasBadges(v.aliases))),
      h('a', { class: 'small', href: `#/models?name=${encodeURIComponent(name)}` }, 'all versions')))));
}
