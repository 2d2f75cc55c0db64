// The buttons that change a job's status: Pause (queued or running), Resume (paused), Cancel (until it has finished).
import { api } from './api.js';
import { h, toast } from './dom.js';
import { jobTitle, active, finished } from './format.js';

/** The buttons that apply to the job now; onChange gets the job as the service answers after a press.
 *  labelled: the buttons name the job in their accessible name (a list of many jobs). */
export function jobActions(job, onChange, { small = false, labelled = false } = {}) {
  const cls = small ? ' small' : '';
  const name = labelled ? ` ${jobTitle(job)}` : ' job';
  const press = (action, label, done) => h('button', {
    type: 'button', class: (action === 'cancel' ? 'danger' : '') + cls, dataset: { action },
    'aria-label': labelled ? `${label}${name}` : null,
    onclick: async e => {
      e.target.disabled = true;
      try {
        const result = await api(`/jobs/${job.id}/${action}`, { method: 'POST' });
        toast(done(result));
        onChange(result);
      } catch (error) {
        e.target.disabled = false;
        toast(error.message, 'error');
      }
    },
  }, labelled ? label : `${label}${name}`);
  return [
    active(job) ? press('pause', 'Pause', r => r.status === 'paused'
      ? `Paused at epoch ${r.progress.epoch}` : 'Pausing: the job stops after its current epoch') : null,
    job.status === 'paused' ? press('resume', 'Resume', () => 'Resumed: queued to continue from its checkpoint') : null,
    !finished(job) ? press('cancel', 'Cancel', r => `Job ${r.status}`) : null,
  ].filter(Boolean);
}
