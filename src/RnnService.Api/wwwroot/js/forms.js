// Form fields with the service's ProblemDetails field errors shown next to them.
import { api, ApiError } from './api.js';
import { h, put, errorBox } from './dom.js';

/** A labelled control with its error slot; path is the JSON path the service names in errors. */
export function field({ path, label, control, hint }) {
  const id = `f-${path.replace(/[^a-zA-Z0-9]/g, '-')}`;
  control.id = id;
  control.name = path;
  control.dataset.path = path;
  const errorId = `err-${id}`, hintId = hint ? `hint-${id}` : null;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  return h('div', { class: 'field', dataset: { field: path } },
    h('label', { for: id }, label), control,
    hint ? h('small', { id: hintId, class: 'muted' }, hint) : null,
    h('p', { class: 'field-error', id: errorId, 'aria-live': 'polite' }));
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach(e => { e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
  form.querySelector('.form-alert')?.replaceChildren();
}

/** Puts each ProblemDetails field error next to its control; the rest goes in the form's alert. */
export function showErrors(form, error) {
  const rest = {};
  let first = null;
  for (const [path, messages] of Object.entries(error.errors || {})) {
    const control = [...form.querySelectorAll('[data-path]')].find(c => c.dataset.path.toLowerCase() === path.toLowerCase());
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      document.getElementById(`err-${control.id}`).textContent = [].concat(messages).join(' ');
      first ??= control;
    } else rest[path] = messages;
  }
  const alert = form.querySelector('.form-alert');
  if (Object.keys(rest).length || !first)
    put(alert, errorBox(new ApiError(error.status, { ...error.problem, errors: rest })));
  (first || alert).focus?.();
}

export const numberInput = (attrs = {}) => h('input', { type: 'number', step: 'any', inputmode: 'decimal', placeholder: 'default', ...attrs });
export const select = (options, attrs = {}) => h('select', attrs, options.map(([value, text]) => h('option', { value }, text)));

/** POSTs the body with the button disabled; a refusal's field errors go next to the form's fields and give null. */
export async function postForm(form, path, body, button) {
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

/** The Estimate button of a form: run() answers the section's content (null: the form showed its errors). An estimate
 *  describes the form as it was, so editing a field clears it, and an answer that arrives after an edit is dropped. */
export function wireEstimate(form, ctx, button, section, run) {
  let round = 0;
  button.addEventListener('click', async () => {
    const mine = ++round;
    put(section, h('p', { class: 'muted' }, 'Timing a few batches…'));
    let content = null;
    try {
      content = await run();
    } catch (error) {
      content = errorBox(error); // the service could not be reached
    }
    if (ctx.alive() && mine === round) put(section, content);
  });
  const forget = e => {
    if (section.contains(e.target)) return;
    round++;
    put(section);
  };
  form.addEventListener('input', forget);
  form.addEventListener('change', forget);
}

/** The task and dataset selects: the dataset list follows the task; ?dataset= or ?task= in the address picks them. */
export function taskAndDataset(datasets, query) {
  const task = select([['sentiment', 'sentiment (classify text)'], ['charlm', 'charlm (character model)']]);
  const dataset = h('select');
  const fill = () => {
    const keep = dataset.value;
    put(dataset, ...datasets.filter(d => d.task === task.value)
      .map(d => h('option', { value: d.name }, `${d.name}${d.builtIn ? ' (built-in)' : ''}`)));
    if ([...dataset.options].some(o => o.value === keep)) dataset.value = keep;
  };
  const wanted = datasets.find(d => d.name === query.get('dataset'));
  if (wanted) task.value = wanted.task;
  else if (['sentiment', 'charlm'].includes(query.get('task'))) task.value = query.get('task');
  fill();
  if (wanted) dataset.value = wanted.name;
  task.addEventListener('change', fill);
  return { task, dataset };
}
