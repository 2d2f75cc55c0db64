// One model: its facts (name, version, aliases, parent), actions (fine-tune, download, delete), playground,
// reproducibility record and, for a named model, its versions and aliases.
import { api } from '../api.js';
import { h, put, toast, errorBox } from '../dom.js';
import { int, when, shortId, modelTitle, modelReference, modelHref, metricSummary } from '../format.js';
import { aliasBadges, deleteButton, parentLink, weightsLink } from '../widgets.js';
import { setPage } from '../router.js';
import { sentimentPlayground } from './sentiment-playground.js';
import { charPlayground } from './char-playground.js';
import { reproducibilityPanel } from './reproducibility.js';
import { registryPanel } from './model-registry.js';

/** The route captures any model reference (id, name, name@version, name@alias), URI-encoded. */
export async function modelView(main, ctx, [encoded]) {
  const reference = decodeURIComponent(encoded);
  const model = await api(`/models/${encodeURIComponent(reference)}`);
  if (!ctx.alive()) return;
  const id = model.id;
  const c = model.config;
  const alert = h('div', { id: 'model-alert' });
  const aliases = h('span', { class: 'badges', id: 'model-aliases' });
  const showAliases = list => put(aliases, list.length ? aliasBadges(list) : '—');
  showAliases(model.aliases);

  const info = h('dl', { class: 'hyper', id: 'model-info' },
    [['name', model.name ?? '—'], ['version', model.version ?? '—'], ['aliases', aliases],
      ['fine-tuned from', model.parentModelId ? parentLink(model.parentModelId, ctx) : '—'],
      ['task', model.task], ['architecture', model.architecture], ['dataset', model.dataset], ['parameters', int(model.parameterCount)],
      ['vocabulary', int(model.vocabularySize)], ['hidden size', c.hiddenSize], ['embedding size', c.embeddingSize], ['layers', c.layers],
      ['final', metricSummary(model.finalMetrics, model.task)], ['created', when(model.createdAt)], ['id', model.id]]
      .map(([k, v]) => h('div', { dataset: { key: k } }, h('dt', {}, k), h('dd', {}, v instanceof Node ? v : String(v)))));

  const actions = h('div', { class: 'actions' },
    h('a', { class: 'button primary', id: 'fine-tune-link', href: fineTuneHref(model) }, 'Fine-tune'),
    h('a', { class: 'button', href: `#/jobs/${model.jobId}` }, 'Training job'),
    weightsLink(model, { class: 'button' }, 'Download weights (safetensors)'),
    deleteButton('Delete this model', async () => {
      await api(`/models/${id}`, { method: 'DELETE' });
      toast('Model deleted');
      location.hash = '#/models';
    }, error => put(alert, errorBox(error))));   // e.g. 409 while an alias points at it: said in place, with the way out

  const playground = model.task === 'sentiment' ? sentimentPlayground(id) : charPlayground(id, ctx, c.lineMode);
  setPage(main, modelTitle(model),
    reference !== id && reference !== modelReference(model)
      ? h('p', { class: 'muted', id: 'resolved' }, `“${reference}” is ${modelTitle(model)} now.`) : null,
    actions, alert,
    h('section', { class: 'playground', 'aria-labelledby': 'pg-title' }, h('h2', { id: 'pg-title' }, 'Playground'), playground),
    h('section', { 'aria-labelledby': 'info-title' }, h('h2', { id: 'info-title' }, 'Model'), info),
    model.name ? registryPanel(model, ctx, history => showAliases(history.aliases.filter(a => a.modelId === id).map(a => a.alias))) : null,
    reproducibilityPanel(model.reproducibility));
}

/** The training form, filled in to fine-tune this model: same task, architecture and dataset, the next version of its name. */
function fineTuneHref(model) {
  const query = new URLSearchParams({ initFrom: modelReference(model), task: model.task, architecture: model.architecture, dataset: model.dataset });
  if (model.name) query.set('name', model.name);
  return `#/train?${query}`;
}
