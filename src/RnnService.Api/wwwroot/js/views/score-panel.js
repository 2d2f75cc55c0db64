// A char model's surprise at each character of a text (POST /score), drawn as coloured characters whose
// probability and likelier alternatives show on hover and focus.
import { api, ApiError } from '../api.js';
import { h, put } from '../dom.js';
import { num, pct, showChar } from '../format.js';
import { field, clearErrors, showErrors } from '../forms.js';
import { chip, surprisalColour, surprisalLegend, FullBits } from '../heat.js';

// The end marker as a word: the symbol fonts headless browsers ship often lack ⏹.
const glyph = c => c === '<eos>' ? 'end' : c;

/** One scored text: every scored character coloured by its surprisal; an unscored first character stays plain. */
export function scoredText(score) {
  const byIndex = new Map(score.characters.map(c => [c.index, c]));
  const chars = [...score.text].map((c, i) => byIndex.get(i) ?? { index: i, character: c, unscored: true });
  const end = byIndex.get(score.text.length);
  if (end) chars.push(end);
  return h('span', { class: 'explained scored', 'aria-label': `${score.text}: ${num(score.totalSurprisal)} bits in all` },
    chars.map(c => {
      if (c.unscored) return h('span', { class: 'chip unscored', title: 'the first character has no context to predict it' }, c.character);
      const alternatives = c.alternatives.map(a => `${showChar(a.character)} ${pct(a.probability)}`).join(', ');
      const tip = c.probability === null
        ? `${showChar(c.character)}: not in the model's alphabet`
        : `${showChar(c.character)}: p ${pct(c.probability)}, ${num(c.surprisal, 3)} bits\nlikeliest: ${alternatives}`;
      const drawn = chip(glyph(c.character), surprisalColour(c.surprisal), (c.surprisal ?? 0) / FullBits, tip, tip.replace('\n', '; '));
      if (c.character === '<eos>') drawn.classList.add('end');
      return drawn;
    }));
}

/** Scores texts and returns them drawn, or null when the service refuses (the caller then shows them plain). */
export async function scoreTexts(id, texts) {
  const wanted = texts.filter(t => t.trim().length > 0);
  if (wanted.length === 0) return null;
  try {
    const answer = await api('/score', { method: 'POST', body: { modelId: id, texts: wanted } });
    return new Map(answer.scores.map(s => [s.text, s]));
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}

/** A form to score any text, e.g. a name the model never saw. */
export function scorePanel(id, lineMode) {
  const text = h('input', { type: 'text', autocomplete: 'off', value: lineMode ? 'maria' : 'to be, or not to be' });
  const results = h('div', { id: 'score-results', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, class: 'form', id: 'score-form' },
    h('div', { class: 'form-alert', tabindex: '-1' }),
    field({ path: 'text', label: 'Text to score', control: text, hint: 'Each character coloured by how surprised the model is by it.' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Score')),
    results);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearErrors(form);
    try {
      const answer = await api('/score', { method: 'POST', body: { modelId: id, text: text.value } });
      const s = answer.scores[0];
      put(results, surprisalLegend(), h('p', {}, scoredText(s)),
        h('p', { class: 'muted small' }, `${num(s.totalSurprisal)} bits in all, ${num(s.bitsPerCharacter)} bits per character.`,
          s.unknownCharacters.length ? ` Not in the alphabet: ${s.unknownCharacters.join(' ')}` : ''));
    } catch (error) {
      if (error instanceof ApiError) showErrors(form, error); else throw error;
    }
  });
  return form;
}
