// Small reusable pieces of pages: status badge, progress bar, confirming delete button.
import { h, put, toast } from './dom.js';
import { jobTitle } from './format.js';

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status);
}

export function progressBar(job) {
  const p = job.progress;
  return h('div', { class: 'progress-cell' },
    h('progress', { max: 100, value: p.percent, 'aria-label': `Progress of ${jobTitle(job)}: ${p.percent}%` }),
    h('span', { class: 'muted' }, `${p.epoch}/${p.totalEpochs}`));
}

/** A delete button that asks once more in place (no blocking dialog). */
export function deleteButton(label, onConfirm) {
  const wrap = h('span', { class: 'confirm' });
  const ask = h('button', { type: 'button', class: 'danger small', 'aria-label': label, onclick: () => {
    put(wrap, h('span', {}, 'Delete? '),
      h('button', { type: 'button', class: 'danger small', 'aria-label': `Yes, ${label.toLowerCase()}`, onclick: async e => {
        e.target.disabled = true;
        try { await onConfirm(); } catch (error) { toast(error.message, 'error'); put(wrap, ask); }
      } }, 'Yes'),
      h('button', { type: 'button', class: 'small', onclick: () => put(wrap, ask) }, 'No'));
    wrap.querySelector('button').focus();
  } }, 'Delete');
  wrap.append(ask);
  return wrap;
}
