// One model: its facts, actions and playground.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { int, when, modelTitle, metricSummary } from '../format.js';
import { deleteButton } from '../widgets.js';
import { setPage } from '../router.js';
import { sentimentPlayground } from './sentiment-playground.js';
import { charPlayground } from './char-playground.js';

export async function modelView(main, ctx, [id]) {
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
