// The buttons that change a job's or a sweep's status: Pause (running), Resume (paused), Cancel (until it has finished).
import { api } from './api.js';
import { h, toast } from './dom.js';
import { jobTitle, active, finished } from './format.js';

/** One button that POSTs {path}/{action}; the answer goes to the toast (done(answer)) and to onChange. */
function press(path, action, text, done, onChange, { small, ariaLabel }) {
  return h('button', {
    type: 'button', class: (action === 'cancel' ? 'danger' : '') + (small ? ' small' : ''), dataset: { action }, 'aria-label': ariaLabel,
    onclick: async e => {
      e.target.disabled = true;
      try {
        const result = await api(`${path}/${action}`, { method: 'POST' });
        toast(done(result));
        onChange(result);
      } catch (error) {
        e.target.disabled = false;
        toast(error.message, 'error');
      }
    },
  }, text);
}

/** The buttons that apply to the job now; onChange gets the job as the service answers after a press.
 *  labelled: the buttons name the job in their accessible name (a list of many jobs). */
export function jobActions(job, onChange, { small = false, labelled = false } = {}) {
  const button = (action, label, done) => press(`/jobs/${job.id}`, action, labelled ? label : `${label} job`, done, onChange,
    { small, ariaLabel: labelled ? `${label} ${jobTitle(job)}` : null });
  return [
    active(job) ? button('pause', 'Pause', r => r.status === 'paused'
      ? `Paused at epoch ${r.progress.epoch}` : 'Pausing: the job stops after its current epoch') : null,
    job.status === 'paused' ? button('resume', 'Resume', () => 'Resumed: queued to continue from its checkpoint') : null,
    !finished(job) ? button('cancel', 'Cancel', r => `Job ${r.status}`) : null,
  ].filter(Boolean);
}

/** The buttons that apply to the sweep now (its trials follow: they checkpoint, continue or end with it). */
export function sweepActions(sweep, onChange) {
  const button = (action, text, done) => press(`/sweeps/${sweep.id}`, action, text, done, onChange, {});
  return [
    sweep.status === 'running' ? button('pause', 'Pause sweep', () => 'Pausing: its trials checkpoint and nothing new starts') : null,
    sweep.status === 'paused' ? button('resume', 'Resume sweep', () => 'Resumed: its trials continue from their checkpoints') : null,
    sweep.status === 'running' || sweep.status === 'paused' ? button('cancel', 'Cancel sweep', r => `Sweep ${r.status}`) : null,
  ].filter(Boolean);
}
