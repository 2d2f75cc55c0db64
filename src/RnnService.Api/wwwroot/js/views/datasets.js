// Datasets: list, upload, preview.
import { api, ApiError } from '../api.js';
import { h, put, toast, errorBox } from '../dom.js';
import { int, bytes } from '../format.js';
import { deleteButton } from '../widgets.js';
import { setPage } from '../router.js';
import { field, clearErrors, showErrors, select } from '../forms.js';

export async function datasetsView(main, ctx, _, query) {
  const tbody = h('tbody');
  const preview = h('section', { id: 'preview', 'aria-live': 'polite' });

  async function showPreview(name) {
    put(preview, h('p', { class: 'muted' }, 'Loading preview…'));
    try {
      const data = await api(`/datasets/${encodeURIComponent(name)}/preview?rows=10`);
      if (!ctx.alive()) return;
      const sentiment = data.task === 'sentiment';
      put(preview, 
        h('h2', { id: 'preview-title' }, `Preview: ${data.name}`),
        h('p', { class: 'muted' }, `First ${data.rows.length} of ${int(data.samples)} ${sentiment ? 'examples' : 'samples'}.`,
          ' ', h('a', { href: `#/train?dataset=${encodeURIComponent(data.name)}` }, 'Train on it')),
        h('div', { class: 'table-wrap' }, h('table', { class: 'preview', 'aria-labelledby': 'preview-title' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Text'), sentiment ? h('th', { scope: 'col' }, 'Label') : null)),
          h('tbody', {}, data.rows.map((r, i) => h('tr', {}, h('td', {}, i + 1), h('td', { class: 'text' }, r.text),
            sentiment ? h('td', {}, r.label === 1 ? '1 positive' : '0 negative') : null))))));
    } catch (error) {
      put(preview, errorBox(error));
    }
  }

  async function load() {
    const datasets = await api('/datasets');
    if (!ctx.alive()) return;
    put(tbody, ...datasets.map(d => {
      const tr = h('tr', { dataset: { name: d.name } },
        h('td', { 'data-label': 'Name' }, h('strong', {}, d.name), d.description ? h('div', { class: 'muted small' }, d.description) : null),
        h('td', { 'data-label': 'Task' }, d.task),
        h('td', { 'data-label': 'Source' }, d.builtIn ? 'built-in' : `upload (${d.format}${d.lineMode ? ', lines' : ''})`),
        h('td', { 'data-label': 'Samples' }, int(d.samples)),
        h('td', { 'data-label': 'Size' }, bytes(d.bytes)),
        h('td', { 'data-label': '' }, h('div', { class: 'row-actions' },
          h('button', { type: 'button', class: 'small', 'aria-label': `Preview ${d.name}`, onclick: () => showPreview(d.name) }, 'Preview'),
          h('a', { class: 'button small', href: `#/train?dataset=${encodeURIComponent(d.name)}`, 'aria-label': `Train on ${d.name}` }, 'Train'),
          d.builtIn ? null : deleteButton(`Delete ${d.name}`, async () => {
            await api(`/datasets/${encodeURIComponent(d.name)}`, { method: 'DELETE' });
            toast(`Deleted ${d.name}`);
            await load();
          }))));
      return tr;
    }));
  }

  // Upload form.
  const name = h('input', { type: 'text', autocomplete: 'off', pattern: '[a-z0-9][a-z0-9_-]{0,63}', placeholder: 'my-reviews' });
  const task = select([['sentiment', 'sentiment'], ['charlm', 'charlm']]);
  const format = select([['csv', 'CSV (text,label)'], ['jsonl', 'JSONL ({"text", "label"})'], ['text', 'Text']]);
  const lineMode = h('input', { type: 'checkbox', id: 'f-lineMode', 'data-path': 'lineMode' });
  const file = h('input', { type: 'file', accept: '.csv,.jsonl,.json,.txt,text/plain,text/csv' });
  const content = h('textarea', { rows: 6, spellcheck: 'false', placeholder: 'text,label\nwhat a lovely day,1\nthis is awful,0' });
  task.addEventListener('change', () => { format.value = task.value === 'charlm' ? 'text' : 'csv'; });
  format.addEventListener('change', () => { if (format.value === 'text') task.value = 'charlm'; else task.value = 'sentiment'; });
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    content.value = await f.text();
    const ext = f.name.split('.').pop().toLowerCase();
    if (ext === 'csv') { format.value = 'csv'; task.value = 'sentiment'; }
    else if (ext === 'jsonl' || ext === 'json') { format.value = 'jsonl'; task.value = 'sentiment'; }
    else { format.value = 'text'; task.value = 'charlm'; }
    if (!name.value) name.value = f.name.replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload');
  const form = h('form', { novalidate: true, class: 'form', id: 'upload-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'name', label: 'Name', control: name, hint: 'lowercase letters, digits, - and _' }),
      field({ path: 'task', label: 'Task', control: task }),
      field({ path: 'format', label: 'Format', control: format }),
      h('div', { class: 'field check' }, lineMode, h('label', { for: 'f-lineMode' }, 'Text: one sample per line'),
        h('p', { class: 'field-error', id: 'err-f-lineMode' }))),
    field({ path: 'file', label: 'File (fills the content below)', control: file }),
    field({ path: 'content', label: 'Content', control: content }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const created = await api('/datasets', { method: 'POST', body: {
        name: name.value.trim(), task: task.value, format: format.value, content: content.value,
        lineMode: format.value === 'text' ? lineMode.checked : undefined,
      } });
      toast(`Uploaded ${created.name}: ${int(created.samples)} samples`);
      form.reset();
      await load();
      await showPreview(created.name);
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    } finally {
      submit.disabled = false;
    }
  });

  setPage(main, 'Datasets',
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'datasets-table' },
      h('caption', { class: 'visually-hidden' }, 'Datasets'),
      h('thead', {}, h('tr', {}, ['Dataset', 'Task', 'Source', 'Samples', 'Size', ''].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    preview,
    h('section', { 'aria-labelledby': 'upload-title' }, h('h2', { id: 'upload-title' }, 'Upload a dataset'),
      h('p', { class: 'muted' }, 'CSV with the header text,label (labels 0/1), JSONL with one {"text", "label"} per line, or plain text for character models.'),
      form));
  await load();
  if (query.get('preview')) await showPreview(query.get('preview'));
}
