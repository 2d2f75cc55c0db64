// The new-training form: task, dataset, name, an optional base model to fine-tune, hyper-parameters; Estimate asks
// the service for a dry run; Find settings for me starts an auto sweep from what the form sets. The address can fill
// it in (?task=, ?architecture=, ?dataset=, ?name=, ?initFrom=).
import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { setPage } from '../router.js';
import { field, clearErrors, showErrors, numberInput, select, postForm, wireEstimate, taskAndDataset } from '../forms.js';
import { estimatePanel } from './estimate.js';

export async function trainView(main, ctx, _, query) {
  const datasets = await api('/datasets');
  if (!ctx.alive()) return;
  const { task, dataset } = taskAndDataset(datasets, query);
  const architecture = select([['lstm', 'LSTM'], ['gru', 'GRU'], ['rnn', 'tanh RNN']]);
  if (['lstm', 'gru', 'rnn'].includes(query.get('architecture'))) architecture.value = query.get('architecture');

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
  const findSettings = h('button', { type: 'button', id: 'find-settings' }, 'Find settings for me');
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
    h('div', { class: 'actions' }, submit, findSettings, estimateButton,
      h('small', { class: 'muted' }, 'Find settings: a sweep tries several settings on this dataset and keeps the best. ' +
        'Estimate: what the job would cost here, without queueing it.')),
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

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = readRequest();
    const job = body && await postForm(form, '/train', body, submit);
    if (job) location.hash = `#/jobs/${job.id}`;
  });
  // A sweep of the task's built-in space over this dataset; whatever the form sets is every trial's starting point.
  findSettings.addEventListener('click', async () => {
    const body = readRequest();
    if (!body) return;
    if (body.initFrom) {
      showErrors(form, new ApiError(400, { errors: { initFrom: ['A sweep trains every trial from fresh weights: clear this to find settings.'] } }));
      return;
    }
    const sweep = await postForm(form, '/sweeps', body, findSettings);
    if (sweep) location.hash = `#/sweeps/${sweep.id}`;
  });
  wireEstimate(form, ctx, estimateButton, estimate, async () => {
    const body = readRequest();
    const result = body && await postForm(form, '/train/estimate', body, estimateButton);
    return result ? estimatePanel(result) : null;
  });

  setPage(main, 'New training',
    query.get('initFrom')
      ? h('p', { class: 'note', id: 'fine-tune-note' }, `Fine-tuning ${query.get('initFrom')}: blank sizes keep the base model's.`) : null,
    h('p', { class: 'muted' }, 'The service checks every value; its messages appear next to the fields.'), form);
}
