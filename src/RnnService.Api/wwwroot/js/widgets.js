// Small reusable pieces of pages: status badge, alias badges, progress bar, hyper-parameter list, parent model link,
// confirming delete button, weights download link.
import { h, put, toast } from './dom.js';
import { api, apiKey, download } from './api.js';
import { jobTitle, modelTitle, modelHref, shortId, stoppedEarly } from './format.js';

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status);
}

/** A named model's aliases as badges ("production"); nothing for a model without aliases. */
export function aliasBadges(aliases) {
  return (aliases || []).map(a => h('span', { class: 'badge alias', title: `alias ${a}` }, a));
}

export function progressBar(job) {
  const p = job.progress;
  return h('div', { class: 'progress-cell' },
    h('progress', { max: 100, value: p.percent, 'aria-label': `Progress of ${jobTitle(job)}: ${p.percent}%` }),
    h('span', { class: 'muted' }, `${p.epoch}/${p.totalEpochs}` + (stoppedEarly(job) ? `, stopped early${job.bestEpoch ? ` (best ${job.bestEpoch})` : ''}` : '')));
}

/** A delete button that asks once more in place (no blocking dialog). A refusal goes to onError when given
 *  (a page that shows the ProblemDetails in place), else to the toast. */
/** A job's or model's hyper-parameters as a definition list (null reads "off", as the API means it). */
export function hyperparameterList(hyperparameters, attributes = {}) {
  return h('dl', { class: 'hyper', ...attributes }, Object.entries(hyperparameters)
    .map(([k, v]) => h('div', { dataset: { key: k } }, h('dt', {}, k), h('dd', {}, v === null ? 'off' : String(v)))));
}

/** A link to a parent (base) model, titled once it is known (a deleted parent keeps its id and says so). */
export function parentLink(parentId, ctx) {
  const link = h('a', { href: modelHref(parentId), id: 'parent-link' }, shortId(parentId));
  api(`/models/${parentId}`)
    .then(parent => { if (ctx.alive()) link.textContent = modelTitle(parent); })
    .catch(() => { if (ctx.alive()) link.replaceWith(h('span', {}, `${shortId(parentId)} (deleted)`)); });
  return link;
}

export function deleteButton(label, onConfirm, onError = error => toast(error.message, 'error')) {
  const wrap = h('span', { class: 'confirm' });
  const ask = h('button', { type: 'button', class: 'danger small', 'aria-label': label, onclick: () => {
    put(wrap, h('span', {}, 'Delete? '),
      h('button', { type: 'button', class: 'danger small', 'aria-label': `Yes, ${label.toLowerCase()}`, onclick: async e => {
        e.target.disabled = true;
        try { await onConfirm(); } catch (error) { onError(error); put(wrap, ask); }
      } }, 'Yes'),
      h('button', { type: 'button', class: 'small', onclick: () => put(wrap, ask) }, 'No'));
    wrap.querySelector('button').focus();
  } }, 'Delete');
  wrap.append(ask);
  return wrap;
}

/** A link to a model's safetensors file. With an API key set, the click fetches it with the key (a plain link
 *  cannot send the header) and saves the result. */
export function weightsLink(model, attrs, text) {
  const path = `/models/${model.id}/weights`;
  return h('a', { ...attrs, href: path, download: '', onclick: event => {
    if (!apiKey()) return;
    event.preventDefault();
    download(path, `${modelTitle(model).replace(/[^\w.@-]+/g, '_')}.safetensors`).catch(error => toast(error.message, 'error'));
  } }, text);
}
