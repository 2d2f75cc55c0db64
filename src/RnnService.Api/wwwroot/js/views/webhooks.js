// Webhooks: subscribe a URL to events (the secret is shown once), and each webhook's recent deliveries with Redeliver.
import { api, ApiError } from '../api.js';
import { h, put, toast, errorBox } from '../dom.js';
import { when, int } from '../format.js';
import { statusBadge, deleteButton } from '../widgets.js';
import { setPage } from '../router.js';
import { field, clearErrors, showErrors } from '../forms.js';

const EVENTS = ['job.succeeded', 'job.failed', 'job.cancelled', 'model.created', 'model.deleted', 'alias.moved', 'alias.deleted'];

export async function webhooksView(main, ctx) {
  const tbody = h('tbody');
  const deliveries = h('section', { id: 'deliveries', 'aria-live': 'polite' });
  const secretBox = h('div', { id: 'webhook-secret', 'aria-live': 'polite' });

  async function act(work, done) {
    try { await work(); if (done) toast(done); await load(); } catch (error) { toast(error.message, 'error'); }
  }

  async function showDeliveries(webhook) {
    put(deliveries, h('p', { class: 'muted' }, 'Loading deliveries…'));
    try {
      const page = await api(`/webhooks/${webhook.id}/deliveries?pageSize=20`);
      if (!ctx.alive()) return;
      put(deliveries,
        h('h2', { id: 'deliveries-title' }, `Deliveries to ${webhook.url}`),
        h('p', { class: 'muted' }, `The ${page.items.length} newest of ${int(page.total)}. Every attempt is listed; a redelivery keeps the webhook-id.`),
        h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'deliveries-table', 'aria-labelledby': 'deliveries-title' },
          h('thead', {}, h('tr', {}, ['Event', 'Status', 'Attempts', 'Created', ''].map(t => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, page.items.map(d => h('tr', { dataset: { delivery: d.id } },
            h('td', { 'data-label': 'Event' }, h('strong', {}, d.eventType), h('div', { class: 'muted small' }, d.messageId)),
            h('td', { 'data-label': 'Status' }, statusBadge(d.status),
              d.nextAttemptAt ? h('div', { class: 'muted small' }, `next attempt ${when(d.nextAttemptAt)}`) : null),
            h('td', { 'data-label': 'Attempts' }, h('ol', { class: 'attempts' }, d.attemptLog.map(a => h('li', {},
              `${when(a.at)}: ${a.statusCode ?? 'no answer'} in ${Math.round(a.durationMs)} ms`,
              a.error ? h('div', { class: 'muted small' }, a.error) : null)))),
            h('td', { 'data-label': 'Created' }, when(d.createdAt)),
            h('td', { 'data-label': '' }, d.status === 'pending' ? null : h('button', { type: 'button', class: 'small',
              'aria-label': `Redeliver ${d.eventType} ${d.messageId}`, onclick: () => act(async () => {
                await api(`/webhooks/${webhook.id}/deliveries/${d.id}/redeliver`, { method: 'POST' });
                await showDeliveries(webhook);
              }, `Redelivering ${d.eventType}`) }, 'Redeliver'))))))));
    } catch (error) {
      put(deliveries, errorBox(error));
    }
  }

  async function load() {
    const webhooks = await api('/webhooks');
    if (!ctx.alive()) return;
    put(tbody, webhooks.length ? webhooks.map(w => h('tr', { dataset: { webhook: w.id } },
      h('td', { 'data-label': 'URL' }, h('strong', {}, w.url), w.description ? h('div', { class: 'muted small' }, w.description) : null),
      h('td', { 'data-label': 'Events' }, w.events.join(', ')),
      h('td', { 'data-label': 'State' }, statusBadge(w.enabled ? 'enabled' : 'disabled'),
        w.disabledReason ? h('div', { class: 'muted small' }, w.disabledReason) : null),
      h('td', { 'data-label': '' }, h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'small', 'aria-label': `Deliveries to ${w.url}`, onclick: () => showDeliveries(w) }, 'Deliveries'),
        h('button', { type: 'button', class: 'small', disabled: !w.enabled, 'aria-label': `Send a test event to ${w.url}`,
          onclick: () => act(() => api(`/webhooks/${w.id}/test`, { method: 'POST' }), 'Test event queued') }, 'Test'),
        h('button', { type: 'button', class: 'small', onclick: () => act(
          () => api(`/webhooks/${w.id}`, { method: 'PATCH', body: { enabled: !w.enabled } }), w.enabled ? 'Disabled' : 'Enabled') },
          w.enabled ? 'Disable' : 'Enable'),
        deleteButton(`Delete webhook ${w.url}`, async () => {
          await api(`/webhooks/${w.id}`, { method: 'DELETE' });
          toast('Webhook deleted');
          put(deliveries);
          await load();
        }))))) : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No webhooks yet.')));
  }

  const url = h('input', { type: 'url', autocomplete: 'off', placeholder: 'https://example.com/hooks/rnnservice' });
  const description = h('input', { type: 'text', autocomplete: 'off', maxlength: 500 });
  const boxes = EVENTS.map(e => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: e, checked: true }), ' ', e));
  const events = h('fieldset', { class: 'events', 'data-path': 'events', id: 'f-events' }, h('legend', {}, 'Events'), boxes,
    h('p', { class: 'field-error', id: 'err-f-events' }));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add webhook');
  const form = h('form', { novalidate: true, class: 'form', id: 'webhook-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    field({ path: 'url', label: 'URL', control: url, hint: 'http or https; private addresses only with Webhooks:AllowPrivateTargets' }),
    field({ path: 'description', label: 'Description (optional)', control: description }),
    events, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const created = await api('/webhooks', { method: 'POST', body: {
        url: url.value.trim(), description: description.value.trim() || undefined,
        events: boxes.map(b => b.querySelector('input')).filter(i => i.checked).map(i => i.value),
      } });
      put(secretBox, h('div', { class: 'note', role: 'status' },
        h('strong', {}, 'Signing secret (shown only now): '), h('code', { id: 'secret-value' }, created.secret),
        h('p', {}, 'Verify each request\'s webhook-signature with it (Standard Webhooks); the README has a C# snippet.')));
      form.reset();
      boxes.forEach(b => { b.querySelector('input').checked = true; });
      await load();
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    } finally {
      submit.disabled = false;
    }
  });

  setPage(main, 'Webhooks',
    h('p', { class: 'muted' }, 'Each event is POSTed to the URL as JSON, signed with the webhook\'s secret; failures are retried with backoff.'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'webhooks-table' },
      h('caption', { class: 'visually-hidden' }, 'Webhooks'),
      h('thead', {}, h('tr', {}, ['URL', 'Events', 'State', ''].map(t => h('th', { scope: 'col' }, t)))),
      tbody)),
    deliveries,
    h('section', { 'aria-labelledby': 'webhook-form-title' }, h('h2', { id: 'webhook-form-title' }, 'Add a webhook'), secretBox, form));
  await load();
}
