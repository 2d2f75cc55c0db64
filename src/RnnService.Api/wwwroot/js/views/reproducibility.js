// A model's reproducibility record: what POST /train needs to train the same weights again.
import { h } from '../dom.js';
import { int, modelHref, shortId } from '../format.js';
import { hyperparameterList } from '../widgets.js';

export function reproducibilityPanel(record) {
  const title = h('h2', { id: 'repro-title' }, 'Reproducibility record');
  if (!record)
    return h('section', { id: 'reproducibility', 'aria-labelledby': 'repro-title' }, title,
      h('p', { class: 'muted' }, 'Not recorded: this model was stored before the service kept the record.'));
  const [version, commit] = record.serviceVersion.split('+');
  const facts = [
    ['task', record.task], ['architecture', record.architecture], ['dataset', record.dataset],
    ['dataset SHA-256', h('code', { class: 'hash', title: 'SHA-256 of the training data as parsed' }, record.datasetSha256)],
    ['dataset bytes', int(record.datasetBytes)], ['seed', record.seed],
    ['started from', record.initFromModelId ? h('a', { href: modelHref(record.initFromModelId) }, shortId(record.initFromModelId)) : 'fresh weights'],
    ['service version', version], ['git commit', commit ? h('code', { class: 'hash' }, commit) : '—'], ['engine threads', record.threads],
  ];
  return h('section', { id: 'reproducibility', 'aria-labelledby': 'repro-title' }, title,
    h('p', { class: 'muted' }, 'The same request (seed included) on the same service version gives the same weights; the thread count does not change them.'),
    h('dl', { class: 'hyper' }, facts.map(([k, v]) => h('div', { dataset: { key: k } }, h('dt', {}, k), h('dd', {}, v instanceof Node ? v : String(v))))),
    h('h3', {}, 'Hyper-parameters it ran with'),
    hyperparameterList(record.hyperparameters, { id: 'repro-hyperparameters' }));
}
