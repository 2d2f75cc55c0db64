// What POST /train/estimate answered, as the training form shows it: size, memory, time, and the settings chosen.
import { h } from '../dom.js';
import { int, num, bytes, duration, modelHref, shortId } from '../format.js';
import { hyperparameterList } from '../widgets.js';

export function estimatePanel(estimate) {
  const hp = estimate.hyperparameters;
  const figure = (key, label, value, detail) =>
    h('div', { dataset: { key } }, h('dt', {}, label), h('dd', {}, value), detail ? h('small', { class: 'muted' }, detail) : null);
  return [
    h('h2', { id: 'estimate-title' }, 'Estimate'),
    h('p', { class: 'muted' }, `Nothing was queued. Timed here on ${int(estimate.timedExamples)} examples (a few batches), scaled to the dataset`,
      estimate.initFromModelId ? [', starting from ', h('a', { href: modelHref(estimate.initFromModelId) }, shortId(estimate.initFromModelId))] : null, '.'),
    h('dl', { class: 'figures' },
      figure('parameterCount', 'Parameters', int(estimate.parameterCount)),
      figure('estimatedMemoryBytes', 'Memory (upper estimate)', bytes(estimate.estimatedMemoryBytes), `${int(estimate.estimatedMemoryBytes)} bytes`),
      figure('estimatedSecondsPerEpoch', 'Per epoch', `${num(estimate.estimatedSecondsPerEpoch, 3)} s`),
      figure('estimatedSeconds', `${int(hp.epochs)} epochs`, duration(estimate.estimatedSeconds), hp.earlyStoppingPatience ? 'early stopping may end sooner' : null)),
    h('h3', {}, 'Hyper-parameters the service would use'),
    hyperparameterList(hp, { id: 'estimate-hyperparameters' }),
  ];
}
