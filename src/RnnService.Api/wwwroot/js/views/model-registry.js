// A named model's versions and aliases on its model page: point an alias at a version, remove one, and the history
// of versions stored and aliases moved (GET /models/{name}/history).
import { api, ApiError } from '../api.js';
import { h, put, toast, errorBox } from '../dom.js';
import { when, shortId, modelHref } from '../format.js';
import { field, clearErrors, showErrors, select } from '../forms.js';
import { aliasBadges } from '../widgets.js';

/** onHistory gets every history read, so the page can show this version's aliases as they are now. */
export function registryPanel(model, ctx, onHistory) {
  const name = model.name;
  const base = `/models/${encodeURIComponent(name)}`;
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading the versions…'));
  const alert = h('div', { id: 'registry-alert' });
  const section = h('section', { id: 'registry', 'aria-labelledby': 'registry-title' },
    h('h2', { id: 'registry-title' }, `Versions and aliases of ${name}`),
    h('p', { class: 'muted' }, `“${name}” means its production alias when set, else its latest version; `,
      h('code', {}, `${name}@2`), ' is a version and ', h('code', {}, `${name}@production`), ' an alias.'),
    alert, body);

  async function load() {
    const history = await api(`${base}/history`);
    if (!ctx.alive()) return;
    draw(history);
    onHistory(history);
  }

  function draw(history) {
    const aliasesOf = version => history.aliases.filter(a => a.version === version).map(a => a.alias);
    const versionOf = id => history.versions.find(v => v.modelId === id)?.version;
    put(body,
      h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'versions-table' },
        h('caption', { class: 'visually-hidden' }, `Versions of ${name}`),
        h('thead', {}, h('tr', {}, ['Version', 'Aliases', 'Dataset', 'Fine-tuned from', 'Created'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, history.versions.slice().reverse().map(v => h('tr', { class: v.modelId === model.id ? 'current' : null, dataset: { version: v.version } },
          h('td', { 'data-label': 'Version' }, v.modelId === model.id ? h('strong', {}, `v${v.version} (this page)`)
            : h('a', { href: modelHref(v.modelId) }, `v${v.version}`)),
          h('td', { 'data-label': 'Aliases' }, aliasesOf(v.version).length ? h('span', { class: 'badges' }, aliasBadges(aliasesOf(v.version))) : '—'),
          h('td', { 'data-label': 'Dataset' }, v.dataset),
          h('td', { 'data-label': 'Fine-tuned from' }, !v.parentModelId ? '—'
            : h('a', { href: modelHref(v.parentModelId) }, versionOf(v.parentModelId) ? `v${versionOf(v.parentModelId)}` : shortId(v.parentModelId))),
          h('td', { 'data-label': 'Created' }, when(v.createdAt))))))),
      h('div', { class: 'registry-forms' },
        h('div', {}, h('h3', {}, 'Aliases'), aliasList(history)),
        h('div', {}, h('h3', {}, 'Point an alias at a version'), aliasForm(history))),
      h('h3', {}, 'History'),
      h('ol', { class: 'history', id: 'registry-history', reversed: true }, events(history).map(e =>
        h('li', {}, h('time', { datetime: e.at }, when(e.at)), e.text))));
  }

  function aliasList(history) {
    if (history.aliases.length === 0) return h('p', { class: 'muted', id: 'alias-list' }, 'No aliases yet.');
    return h('ul', { class: 'alias-list', id: 'alias-list' }, history.aliases.map(a => h('li', { dataset: { alias: a.alias } },
      h('span', { class: 'badge alias' }, a.alias), `→ v${a.version}`,
      h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove the alias ${a.alias}`, onclick: async e => {
        e.target.disabled = true;
        put(alert);
        try {
          await api(`${base}/aliases/${encodeURIComponent(a.alias)}`, { method: 'DELETE' });
          toast(`Alias ${a.alias} removed`);
          await load();
        } catch (error) {
          e.target.disabled = false;
          put(alert, errorBox(error));
        }
      } }, 'Remove'))));
  }

  function aliasForm(history) {
    const alias = h('input', { type: 'text', value: history.aliases[0]?.alias ?? 'production', autocomplete: 'off', maxlength: 64 });
    const version = select(history.versions.slice().reverse().map(v => [String(v.version), `v${v.version}${aliasNote(history, v.version)}`]));
    version.value = String(model.version);
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Point the alias');
    const form = h('form', { novalidate: true, class: 'form', id: 'alias-form' },
      h('div', { class: 'form-alert', tabindex: '-1' }),
      h('div', { class: 'grid' },
        field({ path: 'alias', label: 'Alias', control: alias, hint: 'A letter, then letters, digits, - or _.' }),
        field({ path: 'version', label: 'Version', control: version })),
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      clearErrors(form);
      put(alert);
      submit.disabled = true;
      try {
        const moved = await api(`${base}/aliases/${encodeURIComponent(alias.value.trim())}`,
          { method: 'PUT', body: { version: Number(version.value) } });
        toast(`${moved.alias} → v${moved.version}`);
        await load();
      } catch (error) {
        submit.disabled = false;
        if (error instanceof ApiError) showErrors(form, error); else throw error;
      }
    });
    return form;
  }

  load().catch(error => { if (ctx.alive()) put(body, errorBox(error)); });
  return section;
}

/** " · production, champion" for the version select, so the options say where each alias points now. */
const aliasNote = (history, version) => {
  const names = history.aliases.filter(a => a.version === version).map(a => a.alias);
  return names.length ? ` · ${names.join(', ')}` : '';
};

/** Versions stored and aliases moved or removed, newest first. */
function events(history) {
  return [
    ...history.versions.map(v => ({ at: v.createdAt, text: `v${v.version} stored${v.parentModelId ? ' (fine-tuned)' : ''}` })),
    ...history.aliasChanges.map(c => ({ at: c.at, text: c.version ? `${c.alias} → v${c.version}` : `${c.alias} removed` })),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}
