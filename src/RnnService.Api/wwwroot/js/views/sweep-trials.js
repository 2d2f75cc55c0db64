// A sweep's trials: the searched values of each, where it got to and its objective, as a table sortable by any column;
// and the same values read for the parallel-coordinates plot.
import { h, put } from '../dom.js';
import { objectiveName, objectiveValue, num } from '../format.js';
import { statusBadge } from '../widgets.js';

/** A trial's value of a searched setting: its point, else its job's settings (architecture is the trial's own). */
export function trialValue(trial, key) {
  const v = trial.point?.[key];
  if (v !== undefined) return v;
  return key === 'architecture' ? trial.architecture : trial.hyperparameters?.[key];
}

/** Nulls last in either direction; numbers by value, the rest by their text. */
function compare(a, b) {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

/** The trials table; draw(sweep) redraws its rows in the order chosen by the column buttons, kept across redraws. */
export function trialsTable() {
  const thead = h('thead'), tbody = h('tbody');
  const table = h('table', { class: 'numbers sortable', id: 'trials-table' },
    h('caption', { class: 'visually-hidden' }, 'Trials of the sweep; the column buttons sort them'), thead, tbody);
  let drawnHead = null;
  let sweep = null;
  let order = null;   // { key, ascending }; at first the objective, best first
  const columns = s => [
    { key: 'index', label: 'Trial', value: t => t.index, cell: t => h('a', { href: `#/jobs/${t.jobId}` }, `#${t.index}`) },
    { key: 'status', label: 'Status', value: t => t.status, cell: t => statusBadge(t.status) },
    ...Object.keys(s.space).map(key => ({ key: `space.${key}`, label: key, value: t => trialValue(t, key), cell: t => show(trialValue(t, key)) })),
    { key: 'rung', label: 'Rung', value: t => t.rung, cell: t => t.rung < 0 ? '—' : `${t.rung} (${t.rungEpochs} epoch${t.rungEpochs === 1 ? '' : 's'})` },
    { key: 'epoch', label: 'Epoch', value: t => t.epoch, cell: t => String(t.epoch) },
    { key: 'metric', label: objectiveName(s), value: t => t.metric, cell: t => objectiveValue(s, t.metric) },
  ];

  function draw(latest = sweep) {
    sweep = latest;
    const cols = columns(sweep);
    if (!order || !cols.some(c => c.key === order.key)) order = { key: 'metric', ascending: sweep.minimize };
    const best = sweep.best?.index;
    const column = cols.find(c => c.key === order.key);
    const rows = [...sweep.trials].sort((a, b) => {
      const va = column.value(a), vb = column.value(b);
      if (va === null || va === undefined || vb === null || vb === undefined) return compare(va, vb);
      return (order.ascending ? 1 : -1) * compare(va, vb) || a.index - b.index;
    });
    // The header is redrawn only when the columns or the order change, so a sort button keeps its focus on live updates.
    const head = JSON.stringify([cols.map(c => c.key), order]);
    if (head !== drawnHead) {
      drawnHead = head;
      put(thead, h('tr', {}, cols.map(c => h('th', {
        scope: 'col', 'aria-sort': c.key === order.key ? (order.ascending ? 'ascending' : 'descending') : null,
      }, h('button', {
        type: 'button', class: 'sort', dataset: { sort: c.key },
        onclick: () => { order = { key: c.key, ascending: c.key === order.key ? !order.ascending : true }; draw(); },
      }, c.label, c.key === order.key ? (order.ascending ? ' ▲' : ' ▼') : null)))));
    }
    put(tbody, rows.map(t => h('tr', { class: t.index === best ? 'best' : null, dataset: { index: t.index, status: t.status } },
      cols.map(c => h('td', {}, c.cell(t))))));
  }

  return { table, draw };
}

const show = v => v === null || v === undefined ? '—' : typeof v === 'number' ? num(v) : String(v);
