// Numbers, sizes, times and titles as the pages show them.

export const num = (v, digits = 4) => v === null || v === undefined || !Number.isFinite(v) ? '—'
  : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(digits)).toString();
export const pct = v => v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;
export const int = v => v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US');
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor(s % 3600 / 60)} min`;
}
export const when = iso => iso ? new Date(iso).toLocaleString() : '—';
export const shortId = id => id.slice(0, 8);
export const jobTitle = job => job.name || `${job.task} ${job.architecture} on ${job.dataset} · ${shortId(job.id)}`;
export const modelTitle = m => m.name ? (m.version ? `${m.name} v${m.version}` : m.name)
  : `${m.task} ${m.architecture} on ${m.dataset} · ${shortId(m.id)}`;
/** How the API names this model for good: name@version for a named model (an alias or a bare name may move), else its id. */
export const modelReference = m => m.name && m.version ? `${m.name}@${m.version}` : m.id;
/** The dashboard address of a model page; any reference works (id, name, name@version, name@alias). */
export const modelHref = reference => `#/models/${encodeURIComponent(reference)}`;
/** Queued or running: training now or waiting for a worker (pause and cancel apply). */
export const active = job => job.status === 'queued' || job.status === 'running';
/** Succeeded, failed or cancelled: nothing more will happen to the job (a paused one may still resume). */
export const finished = job => job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';
/** A job that succeeded before its last epoch: early stopping ended it (its model keeps epoch bestEpoch's weights). */
export const stoppedEarly = job => job.status === 'succeeded' && job.progress.epoch < job.progress.totalEpochs;

/** The headline metrics of an epoch for a task: validation when there is a split, train otherwise. */
export function metricSummary(m, task) {
  if (!m) return '—';
  const loss = m.validationLoss ?? m.trainLoss;
  const lossName = m.validationLoss !== null && m.validationLoss !== undefined ? 'val loss' : 'loss';
  if (task === 'sentiment') {
    const acc = m.validationAccuracy ?? m.trainAccuracy;
    const accName = m.validationAccuracy !== null && m.validationAccuracy !== undefined ? 'val acc' : 'acc';
    return `${accName} ${pct(acc)} · ${lossName} ${num(loss)}`;
  }
  return `perplexity ${num(m.perplexity)} · ${lossName} ${num(loss)}`;
}

export const showChar = c => c === ' ' ? '␣ (space)' : c === '\n' ? '⏎ (newline)' : c === '<eos>' ? '⏹ (end)' : c;

/** What a sweep's objective measures, as its pages name it. */
export const objectiveName = sweep => ({ loss: 'validation loss', accuracy: 'validation accuracy', perplexity: 'perplexity' })[sweep.objective];
/** A value of a sweep's objective: accuracy as a percentage. */
export const objectiveValue = (sweep, v) => sweep.objective === 'accuracy' ? pct(v) : num(v);
/** Running or paused: the sweep may still start, promote or end trials. */
export const sweepOpen = sweep => sweep.status === 'running' || sweep.status === 'paused';
