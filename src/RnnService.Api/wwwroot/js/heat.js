// Colours that explain an answer: word influence (red = towards negative, green = towards positive) and
// character surprisal (pale = expected, deep orange = surprising), with their legends.
import { h } from './dom.js';

/** A change of ±0.5 in P(positive) is full colour. */
const FullInfluence = 0.5;
/** Surprisal of 8 bits (p = 1/256) or more is full colour. */
export const FullBits = 8;

const shade = (rgb, strength) => `rgba(${rgb}, ${(0.08 + 0.72 * Math.min(1, strength)).toFixed(2)})`;

export const influenceColour = influence =>
  shade(influence >= 0 ? '4, 120, 87' : '185, 28, 28', Math.abs(influence) / FullInfluence);

export const surprisalColour = bits => bits === null || bits === undefined ? '#e5e7eb' : shade('180, 83, 9', bits / FullBits);

/** Dark backgrounds get white text so the token stays readable. */
const ink = strength => strength > 0.55 ? '#fff' : 'inherit';

/** A coloured token that shows its details (data-tip) on hover and on keyboard focus. */
export function chip(text, colour, strength, tip, label) {
  return h('span', { class: 'chip', tabindex: 0, role: 'note', 'aria-label': label, 'data-tip': tip,
    style: `background:${colour};color:${ink(strength)}` }, text);
}

export function influenceChip(word) {
  const sign = word.influence >= 0 ? '+' : '−';
  const size = Math.abs(word.influence);
  const tip = `${word.word}: ${sign}${(size * 100).toFixed(1)} points of P(positive) (without it: ${word.influence >= 0 ? 'lower' : 'higher'})`;
  return chip(word.word, influenceColour(word.influence), size / FullInfluence, tip, tip);
}

export function legend(title, items) {
  return h('div', { class: 'legend', role: 'group', 'aria-label': title },
    h('span', { class: 'muted small' }, title),
    items.map(([colour, text]) => h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${colour}` }), text)));
}

export const influenceLegend = () => legend('Word influence:', [
  [influenceColour(-FullInfluence), 'pushed towards negative'], [influenceColour(0), 'little effect'], [influenceColour(FullInfluence), 'pushed towards positive']]);

export const surprisalLegend = () => legend('Surprisal:', [
  [surprisalColour(0), '0 bits (expected)'], [surprisalColour(FullBits / 2), `${FullBits / 2} bits`],
  [surprisalColour(FullBits), `${FullBits}+ bits (surprising)`], [surprisalColour(null), 'not in the alphabet']]);
