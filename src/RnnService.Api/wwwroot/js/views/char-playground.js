// Generate with a char model (with length, prefix and stop controls), see each sample's surprisal and the
// next-character probabilities.
import { api, ApiError } from '../api.js';
import { postEventStream } from '../sse.js';
import { h, put, errorBox } from '../dom.js';
import { num, pct, showChar } from '../format.js';
import { field, clearErrors, showErrors, numberInput } from '../forms.js';
import { surprisalLegend } from '../heat.js';
import { scoredText, scoreTexts, scorePanel } from './score-panel.js';

export function charPlayground(id, ctx, lineMode) {
  const prompt = h('input', { type: 'text', autocomplete: 'off', placeholder: lineMode ? 'e.g. ma' : 'e.g. to be' });
  const temperature = numberInput({ value: '0.8', min: 0, placeholder: '1' });
  const topK = numberInput({ value: '0', min: 0, step: 1, placeholder: '0 = off' });
  const count = numberInput({ value: '5', min: 1, step: 1, placeholder: '1' });
  const maxLength = numberInput({ value: lineMode ? '20' : '200', min: 1, step: 1 });
  const seed = numberInput({ step: 1, placeholder: 'random' });
  const minLength = numberInput({ min: 0, step: 1, placeholder: '0' });
  const prefix = h('input', { type: 'text', autocomplete: 'off', placeholder: 'none' });
  const stop = h('input', { type: 'text', autocomplete: 'off', placeholder: 'none' });
  const exclude = h('input', { type: 'checkbox', class: 'checkbox' });
  const samples = h('ol', { id: 'samples', class: 'samples', 'aria-live': 'polite' });
  const seedNote = h('p', { class: 'muted small' });
  const legendSlot = h('div');
  const next = h('div', { id: 'next-chars', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    h('div', { class: 'grid' },
      field({ path: 'prompt', label: 'Prompt', control: prompt, hint: lineMode ? 'Names start with it; empty for any.' : 'The text continues it.' }),
      field({ path: 'temperature', label: 'Temperature', control: temperature, hint: '0 = greedy' }),
      field({ path: 'topK', label: 'Top-k', control: topK, hint: '0 = off' }),
      field({ path: 'count', label: 'Count', control: count }),
      field({ path: 'maxLength', label: 'Max length', control: maxLength }),
      field({ path: 'seed', label: 'Seed', control: seed }),
      field({ path: 'minLength', label: 'Min length', control: minLength, hint: 'Characters after the prompt' }),
      field({ path: 'prefix', label: 'Prefix', control: prefix, hint: 'Every sample starts with it' }),
      field({ path: 'stop', label: 'Stop strings', control: stop, hint: 'Separated by |; a sample ends before one' }),
      lineMode ? field({ path: 'excludeTrainingSamples', label: 'Only new lines', control: exclude, hint: 'Never a line of the training data' }) : null),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Generate')));

  const numberOrNull = input => input.value.trim() === '' ? undefined : Number(input.value);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    const body = { modelId: id, prompt: prompt.value, temperature: numberOrNull(temperature), topK: numberOrNull(topK),
      count: numberOrNull(count), maxLength: numberOrNull(maxLength), seed: numberOrNull(seed),
      minLength: numberOrNull(minLength), prefix: prefix.value || undefined,
      stop: stop.value ? stop.value.split('|').filter(Boolean) : undefined, excludeTrainingSamples: exclude.checked || undefined };
    try {
      // Samples grow as they stream; excluding training lines needs the whole answer (rejected candidates are not shown).
      const answer = body.excludeTrainingSamples ? await api('/generate', { method: 'POST', body }) : await streamSamples(body);
      const scores = await scoreTexts(id, answer.samples);
      if (!ctx.alive()) return;
      put(samples, ...answer.samples.map(t => h('li', {}, scores?.get(t) ? scoredText(scores.get(t))
        : prompt.value ? [h('b', {}, prompt.value), t.slice(prompt.value.length)] : t)));
      put(legendSlot, scores ? surprisalLegend() : null);
      seedNote.textContent = `seed ${answer.seed}` +
        (answer.rejected !== undefined ? ` · ${answer.rejected} training line${answer.rejected === 1 ? '' : 's'} rejected` : '') +
        (answer.unknownCharacters.length ? ` · not in the model's alphabet (read as unknown): ${answer.unknownCharacters.join(' ')}` : '');
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });

  // Shows each sample as its text events arrive; resolves to what /generate answers without stream.
  async function streamSamples(body) {
    const texts = [], items = [];
    let usage;
    put(samples);
    put(legendSlot, null);
    const item = i => { while (items.length <= i) samples.append(items[items.length] = h('li', {})); return items[i]; };
    await postEventStream('/generate', { ...body, stream: true }, (type, data) => {
      if (type === 'usage') usage = data;
      if (type !== 'text' || !ctx.alive()) return;
      texts[data.sample] = (texts[data.sample] ?? '') + data.text;
      put(item(data.sample), prompt.value ? h('b', {}, prompt.value) : null, texts[data.sample]);
    });
    return { ...usage, samples: Array.from({ length: Math.max(texts.length, body.count ?? 1) }, (_, i) => prompt.value + (texts[i] ?? '')) };
  }

  let timer, asked = 0;
  async function nextChars() {
    const text = prompt.value;
    const mine = ++asked;
    if (!text) { put(next, h('p', { class: 'muted' }, 'Type a prompt to see the likeliest next characters.')); return; }
    try {
      const answer = await api('/predict', { method: 'POST', body: { modelId: id, text } });
      if (mine !== asked || !ctx.alive()) return;
      const p = answer.predictions[0];
      put(next, 
        h('p', {}, `After “${text}”: perplexity ${num(p.perplexity)}`),
        h('ul', { class: 'bars' }, p.nextCharacters.map(n => h('li', {},
          h('span', { class: 'char' }, showChar(n.character)),
          h('div', { class: 'bar', role: 'img', 'aria-label': `${showChar(n.character)}: ${pct(n.probability)}` },
            h('div', { class: 'bar-fill', style: `width:${(n.probability * 100).toFixed(1)}%` })),
          h('span', { class: 'prob' }, pct(n.probability))))));
    } catch (error) {
      if (mine === asked) put(next, errorBox(error));
    }
  }
  prompt.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(nextChars, 250); });
  ctx.onLeave(() => clearTimeout(timer));
  nextChars();
  return h('div', { class: 'char-playground' }, form,
    h('div', { class: 'two' },
      h('section', { 'aria-labelledby': 'samples-title' }, h('h3', { id: 'samples-title' }, 'Samples'), legendSlot, samples, seedNote),
      h('section', { 'aria-labelledby': 'next-title' }, h('h3', { id: 'next-title' }, 'Next-character probabilities'), next)),
    h('section', { 'aria-labelledby': 'score-title' }, h('h3', { id: 'score-title' }, 'Score a text'), scorePanel(id, lineMode)));
}
