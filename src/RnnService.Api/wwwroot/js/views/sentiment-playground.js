// Classify texts with a sentiment model, each word coloured by its influence (occlusion).
import { api, ApiError } from '../api.js';
import { h, put } from '../dom.js';
import { pct } from '../format.js';
import { field, clearErrors, showErrors } from '../forms.js';
import { influenceChip, influenceLegend } from '../heat.js';

export function sentimentPlayground(id) {
  const text = h('textarea', { rows: 3, placeholder: 'i am very happy' });
  text.value = 'i am very happy';
  const results = h('div', { id: 'classify-results', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    field({ path: 'text', label: 'Text to classify (one text per line)', control: text }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Classify')),
    results);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    const texts = text.value.split('\n').map(t => t.trim()).filter(Boolean);
    if (texts.length === 0) { showErrors(form, new ApiError(400, { errors: { text: ['Type a sentence first.'] } })); return; }
    try {
      const answer = await api('/predict', { method: 'POST', body: { modelId: id, texts, explain: true } });
      put(results, influenceLegend(), ...answer.predictions.map(p => {
        const unknown = new Set((p.unknownWords || []).map(w => w.toLowerCase()));
        const words = p.text.split(/(\s+)/).map(part => {
          const bare = part.toLowerCase().replace(/^[^\p{L}\p{N}']+|[^\p{L}\p{N}']+$/gu, '');
          return bare && unknown.has(bare) ? h('mark', { class: 'unknown', title: 'in neither the model\'s vocabulary nor its word vectors' }, part) : part;
        });
        const prob = p.probability ?? 0.5;
        return h('div', { class: `prediction ${p.label}` },
          h('p', { class: 'prediction-text' }, words),
          h('p', { class: 'explained', 'aria-label': 'Each word coloured by how much removing it changes P(positive)' },
            (p.influences || []).map(influenceChip)),
          h('div', { class: 'prediction-row' },
            h('strong', { class: 'label' }, p.label),
            h('div', { class: 'bar', role: 'img', 'aria-label': `Probability of positive: ${pct(prob)}` },
              h('div', { class: 'bar-fill', style: `width:${(prob * 100).toFixed(1)}%` })),
            h('span', { class: 'prob' }, `P(positive) ${pct(prob)}`)),
          h('p', { class: 'muted small' }, unknown.size ? `Unknown words (marked): ${[...unknown].join(', ')}` : 'The model knows every word (its vocabulary or its word vectors).'));
      }));
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });
  return form;
}
