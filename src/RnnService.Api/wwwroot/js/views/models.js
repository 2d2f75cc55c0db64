// The models list.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { int, bytes, modelTitle, metricSummary } from '../format.js';
import { deleteButton } from '../widgets.js';
import { setPage } from '../router.js';

export async function modelsView(main, ctx, _, query) {
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
    const metrics = h('td', { 'data-label': 'Final metrics' }, metricSummary(m.finalMetrics, m.task));
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
  }
}
