// Form fields with the service's ProblemDetails field errors shown next to them.
import { ApiError } from './api.js';
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
