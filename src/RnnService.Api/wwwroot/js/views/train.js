// The new-training form: task, dataset, name, an optional base model to fine-tune, hyper-parameters; Estimate asks
// the service for a dry run. The address can fill it in (?task=, ?architecture=, ?dataset=, ?name=, ?initFrom=).
import { api, ApiError } from '../api.js';
import { h, put, errorBox } from '../dom.js';
import { setPage } from '../router.js';
import { field, clearErrors, showErrors, numberInput, select } from '../forms.js';
import { estimatePanel } from './estimate.js';

export async function trainView(main, ctx, _, query) {
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
  else if (['sentiment', 'charlm'].includes(query.get('task'))) task.value = query.get('task');
  if (['lstm', 'gru', 'rnn'].includes(query.get('architecture'))) architecture.value = query.get('architecture');
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
  const pretrained = select([['', 'default'], ['glove-6b-100d', 'GloVe 6B, 100 wide'], ['none', 'none: learn them']]);
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'off', value: query.get('name') || '' });
  const initFrom = h('input', { type: 'text', autocomplete: 'off', placeholder: 'none: fresh weights', value: query.get('initFrom') || '' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start training');
  const estimateButton = h('button', { type: 'button', id: 'estimate-button' }, 'Estimate');
  const estimate = h('section', { id: 'estimate', class: 'estimate', 'aria-live': 'polite', 'aria-labelledby': 'estimate-title' });
  const form = h('form', { novalidate: true, class: 'form', id: 'train-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'task', label: 'Task', control: task }),
      field({ path: 'architecture', label: 'Architecture', control: architecture }),
      field({ path: 'dataset', label: 'Dataset', control: dataset, hint: 'Upload your own under Datasets.' }),
      field({ path: 'name', label: 'Name (optional)', control: name, hint: 'Each job of a name stores its next version.' }),
      field({ path: 'initFrom', label: 'Fine-tune from (optional)', control: initFrom,
        hint: 'A model: id, name, name@version or name@alias. The job starts from its weights and keeps its architecture and sizes.' })),
    h('fieldset', {}, h('legend', {}, 'Hyper-parameters (blank = the engine\'s default for the task)'),
      h('div', { class: 'grid' },
        hp.map(([key, label, attrs]) => field({ path: `hyperparameters.${key}`, label, control: numberInput(attrs) })),
        field({ path: 'hyperparameters.optimizer', label: 'Optimizer', control: optimizer }),
        field({ path: 'hyperparameters.pretrainedEmbeddings', label: 'Word vectors (sentiment)', control: pretrained,
          hint: 'Default: GloVe when the embedding size is blank or 100.' }))),
    h('div', { class: 'actions' }, submit, estimateButton,
      h('small', { class: 'muted' }, 'Estimate: what the job would cost here, without queueing it.')),
    estimate);

  /** The request the form describes, or null after showing the fields the browser could not read as numbers. */
  function readRequest() {
    clearErrors(form);
    const hyperparameters = {};
    const local = {};
    for (const [key] of hp) {
      const input = form.querySelector(`[data-path="hyperparameters.${key}"]`);
      if (input.validity.badInput) local[`hyperparameters.${key}`] = ['Not a number.'];
      else if (input.value.trim() !== '') hyperparameters[key] = Number(input.value);
    }
    if (optimizer.value) hyperparameters.optimizer = optimizer.value;
    if (pretrained.value) hyperparameters.pretrainedEmbeddings = pretrained.value;
    if (Object.keys(local).length) { showErrors(form, new ApiError(400, { title: 'Check the highlighted fields', errors: local })); return null; }
    const body = { task: task.value, architecture: architecture.value, dataset: dataset.value || null, hyperparameters };
    if (name.value.trim()) body.name = name.value.trim();
    if (initFrom.value.trim()) body.initFrom = initFrom.value.trim();
    return body;
  }

  /** Sends the request; the service's field errors go next to the fields, as for a real job. */
  async function send(path, button) {
    const body = readRequest();
    if (!body) return null;
    button.disabled = true;
    try {
      return await api(path, { method: 'POST', body });
    } catch (error) {
      if (error instanceof ApiError) { showErrors(form, error); return null; }
      throw error;
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const job = await send('/train', submit);
    if (job) location.hash = `#/jobs/${job.id}`;
  });
  // Which estimate is current: a field edited while one is timed makes its answer stale.
  let estimateRound = 0;
  estimateButton.addEventListener('click', async () => {
    const round = ++estimateRound;
    put(estimate, h('p', { class: 'muted' }, 'Timing a few batches…'));
    let content = null;
    try {
      const result = await send('/train/estimate', estimateButton);
      content = result ? estimatePanel(result) : null;
    } catch (error) {
      content = errorBox(error); // the service could not be reached
    }
    if (ctx.alive() && round === estimateRound) put(estimate, content);
  });
  // An estimate describes the form as it was: once a field changes, it no longer applies.
  const forgetEstimate = e => {
    if (estimate.contains(e.target)) return;
    estimateRound++;
    put(estimate);
  };
  form.addEventListener('input', forgetEstimate);
  form.addEventListener('change', forgetEstimate);

  setPage(main, 'New training',
    query.get('initFrom')
      ? h('p', { class: 'note', id: 'fine-tune-note' }, `Fine-tuning ${query.get('initFrom')}: blank sizes keep the base model's.`) : null,
    h('p', { class: 'muted' }, 'The service checks every value; its messages appear next to the fields.'), form);
}
