// The new-sweep form: task and dataset, the searched settings as value lists or ranges, the scheduler and the budget;
// Estimate asks the service for the sweep's epochs and time without starting it.
import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { int, num, duration } from '../format.js';
import { setPage } from '../router.js';
import { hyperparameterList } from '../widgets.js';
import { field, clearErrors, showErrors, numberInput, select, postForm, wireEstimate, taskAndDataset } from '../forms.js';

// The searched settings the form offers: JSON name, label, whether a range draws whole numbers, and the starting text.
const KNOBS = [
  ['learningRate', 'Learning rate', false, '0.001..0.03 log'],
  ['hiddenSize', 'Hidden size', true, '32, 64, 128'],
  ['weightDecay', 'Weight decay', false, ''],
  ['dropout', 'Dropout', false, ''],
  ['layers', 'Layers', true, ''],
  ['embeddingSize', 'Embedding size', true, ''],
  ['batchSize', 'Batch size', true, ''],
  ['pooling', 'Pooling (sentiment)', false, ''],
  ['architecture', 'Architecture', false, ''],
];
// The settings every trial starts from (the space's values go over them); blank: the fitted default.
const BASE = [
  ['hyperparameters.embeddingSize', 'Embedding size', 'Other than 100 (sentiment): the word vectors are learnt.'],
  ['hyperparameters.batchSize', 'Batch size', null],
  ['hyperparameters.validationFraction', 'Validation fraction', 'The share of the data the objective is measured on.'],
];
const NUMBERS = [
  ['seed', 'Seed', 'Same seed, same trials.'],
  ['minEpochs', 'First rung (epochs)', 'Default: max epochs / eta².'],
  ['maxEpochs', 'Max epochs', 'A trial trained to the end. Default: the fitted epochs.'],
  ['eta', 'Eta', 'The top 1/eta of a rung goes on (default 3).'],
  ['budget.maxTrials', 'Trials', 'Default 9 (a grid: its size).'],
  ['budget.maxConcurrent', 'At once', 'Trials queued or training together (default 1).'],
  ['budget.maxSeconds', 'Seconds', 'No trial starts after this (default 540).'],
];

/** "0.001..0.03 log" is a range (log: drawn on a log scale), "32, 64, 128" or "max, mean" a list; blank: not searched. */
function readDimension(text, whole) {
  const range = /^\s*([^\s,]+)\s*\.\.\s*([^\s,]+)\s*(log)?\s*$/i.exec(text);
  if (range) {
    const [min, max] = [Number(range[1]), Number(range[2])];
    if (!Number.isFinite(min) || !Number.isFinite(max)) return { error: 'A range is min..max with numbers, e.g. 0.001..0.03 log.' };
    return { value: { min, max, ...(range[3] ? { log: true } : {}), ...(whole ? { int: true } : {}) } };
  }
  const items = text.split(',').map(x => x.trim());
  if (items.some(x => x === '')) return { error: 'A list is values between commas, e.g. 32, 64, 128.' };
  return { value: items.map(x => Number.isFinite(Number(x)) ? Number(x) : x) };
}

export async function sweepFormView(main, ctx, _, query) {
  const datasets = await api('/datasets');
  if (!ctx.alive()) return;
  const { task, dataset } = taskAndDataset(datasets, query);
  const architecture = select([['lstm', 'LSTM'], ['gru', 'GRU'], ['rnn', 'tanh RNN']]);
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'off', placeholder: '{dataset}-sweep' });
  const objective = h('select');
  const fillObjectives = () => {
    const options = [['loss', 'validation loss'], task.value === 'sentiment' ? ['accuracy', 'validation accuracy'] : ['perplexity', 'perplexity']];
    objective.replaceChildren(...options.map(([value, text]) => h('option', { value }, text)));
  };
  fillObjectives();
  task.addEventListener('change', fillObjectives);
  const strategy = select([['random', 'random (seeded)'], ['grid', 'grid (every combination of the lists)']]);
  const scheduler = select([['asha', 'successive halving (ASHA)'], ['none', 'none: every trial to the end']]);
  const spaceInputs = KNOBS.map(([key, , , start]) => [key, h('input', { type: 'text', autocomplete: 'off', value: start, placeholder: 'not searched' })]);
  const numberInputs = [...BASE, ...NUMBERS].map(([path]) =>
    [path, numberInput(path.endsWith('Fraction') ? {} : { step: 1, inputmode: 'numeric' })]);

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start sweep');
  const estimateButton = h('button', { type: 'button', id: 'sweep-estimate-button' }, 'Estimate');
  const estimate = h('section', { id: 'sweep-estimate', class: 'estimate', 'aria-live': 'polite', 'aria-labelledby': 'sweep-estimate-title' });
  const form = h('form', { novalidate: true, class: 'form', id: 'sweep-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'task', label: 'Task', control: task }),
      field({ path: 'dataset', label: 'Dataset', control: dataset }),
      field({ path: 'name', label: 'Name (optional)', control: name, hint: 'The best trial\'s model becomes its next version, alias best.' }),
      field({ path: 'architecture', label: 'Architecture', control: architecture, hint: 'Unless the space searches it.' }),
      field({ path: 'objective', label: 'Objective', control: objective })),
    h('fieldset', {}, h('legend', {}, 'Search space (all blank: the task\'s built-in space)'),
      h('p', { class: 'muted small' }, 'A list: 32, 64, 128 or max, mean. A range: 0.001..0.03, with log for a log scale.'),
      h('div', { class: 'grid' }, KNOBS.map(([key, label], i) => field({ path: `space.${key}`, label, control: spaceInputs[i][1] })))),
    h('fieldset', {}, h('legend', {}, 'Settings every trial starts from (blank: the fitted default)'),
      h('div', { class: 'grid' }, BASE.map(([path, label, hint], i) => field({ path, label, control: numberInputs[i][1], hint })))),
    h('fieldset', {}, h('legend', {}, 'Strategy, scheduler and budget (blank: the default)'),
      h('div', { class: 'grid' },
        field({ path: 'strategy', label: 'Strategy', control: strategy }),
        field({ path: 'scheduler', label: 'Scheduler', control: scheduler }),
        NUMBERS.map(([path, label, hint], i) => field({ path, label, control: numberInputs[BASE.length + i][1], hint })))),
    h('div', { class: 'actions' }, submit, estimateButton,
      h('small', { class: 'muted' }, 'Estimate: the sweep\'s epochs and time here, without starting it.')),
    estimate);

  /** The request the form describes, or null after showing the fields it could not read. */
  function readRequest() {
    clearErrors(form);
    const local = {}, space = {}, budget = {}, hyperparameters = {};
    spaceInputs.forEach(([key, input], i) => {
      if (input.value.trim() === '') return;
      const { value, error } = readDimension(input.value, KNOBS[i][2]);
      if (error) local[`space.${key}`] = [error]; else space[key] = value;
    });
    const body = { task: task.value, dataset: dataset.value || null, architecture: architecture.value, objective: objective.value,
      strategy: strategy.value, scheduler: scheduler.value };
    for (const [path, input] of numberInputs) {
      if (input.validity.badInput) local[path] = ['Not a number.'];
      else if (input.value.trim() !== '') {
        const [group, key] = path.includes('.') ? path.split('.') : [null, path];
        (group === 'budget' ? budget : group === 'hyperparameters' ? hyperparameters : body)[key] = Number(input.value);
      }
    }
    if (Object.keys(local).length) { showErrors(form, new ApiError(400, { title: 'Check the highlighted fields', errors: local })); return null; }
    if (Object.keys(space).length) body.space = space;
    if (Object.keys(budget).length) body.budget = budget;
    if (Object.keys(hyperparameters).length) body.hyperparameters = hyperparameters;
    if (name.value.trim()) body.name = name.value.trim();
    return body;
  }

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = readRequest();
    const sweep = body && await postForm(form, '/sweeps', body, submit);
    if (sweep) location.hash = `#/sweeps/${sweep.id}`;
  });
  wireEstimate(form, ctx, estimateButton, estimate, async () => {
    const body = readRequest();
    const result = body && await postForm(form, '/sweeps/estimate', body, estimateButton);
    return result ? estimatePanel(result) : null;
  });

  setPage(main, 'New sweep',
    h('p', { class: 'muted' }, 'Each trial is a training job with one point of the space; successive halving trains the promising ones further. ' +
      'The service checks every value; its messages appear next to the fields.'), form);
}

/** What POST /sweeps/estimate answered. */
function estimatePanel(e) {
  const figure = (key, label, value) => h('div', { dataset: { key } }, h('dt', {}, label), h('dd', {}, value));
  return [
    h('h2', { id: 'sweep-estimate-title' }, 'Estimate'),
    h('p', { class: 'muted' }, 'Nothing was started. Time at the first trial\'s speed, timed here on a few batches; trials differ in size.'),
    h('dl', { class: 'figures' },
      figure('trials', 'Trials', int(e.trials)),
      figure('trialsPerRung', 'Trials per rung', e.rungs.map((r, i) => `${e.trialsPerRung[i]} to ${r}`).join(', ') + ' epochs'),
      figure('totalEpochs', 'Epochs in all', int(e.totalEpochs)),
      figure('estimatedSecondsPerEpoch', 'Per epoch', `${num(e.estimatedSecondsPerEpoch, 3)} s`),
      figure('estimatedSeconds', 'One trial at a time', duration(e.estimatedSeconds)),
      figure('maxSeconds', 'Budget', duration(e.maxSeconds))),
    h('h3', {}, `The first trial (${e.firstTrialArchitecture})`),
    hyperparameterList(e.firstTrial, { id: 'sweep-estimate-first-trial' }),
  ];
}
