// The new-training form.
import { api, ApiError } from '../api.js';
import { h, put } from '../dom.js';
import { setPage } from '../router.js';
import { field, clearErrors, showErrors, numberInput, select } from '../forms.js';

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
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start training');
  const form = h('form', { novalidate: true, class: 'form', id: 'train-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'task', label: 'Task', control: task }),
      field({ path: 'architecture', label: 'Architecture', control: architecture }),
      field({ path: 'dataset', label: 'Dataset', control: dataset, hint: 'Upload your own under Datasets.' }),
      field({ path: 'name', label: 'Name (optional)', control: name })),
    h('fieldset', {}, h('legend', {}, 'Hyper-parameters (blank = the engine\'s default for the task)'),
      h('div', { class: 'grid' },
        hp.map(([key, label, attrs]) => field({ path: `hyperparameters.${key}`, label, control: numberInput(attrs) })),
        field({ path: 'hyperparameters.optimizer', label: 'Optimizer', control: optimizer }))),
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    const hyperparameters = {};
    const local = {};
    for (const [key] of hp) {
      const input = form.querySelector(`[data-path="hyperparameters.${key}"]`);
      if (input.validity.badInput) local[`hyperparameters.${key}`] = ['Not a number.'];
      else if (input.value.trim() !== '') hyperparameters[key] = Number(input.value);
    }
    if (optimizer.value) hyperparameters.optimizer = optimizer.value;
    if (Object.keys(local).length) { showErrors(form, new ApiError(400, { title: 'Check the highlighted fields', errors: local })); return; }
    const body = { task: task.value, architecture: architecture.value, dataset: dataset.value || null, hyperparameters };
    if (name.value.trim()) body.name = name.value.trim();
    submit.disabled = true;
    try {
      const job = await api('/train', { method: 'POST', body });
      location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      submit.disabled = false;
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });
  setPage(main, 'New training', h('p', { class: 'muted' }, 'The service checks every value; its messages appear next to the fields.'), form);
}
