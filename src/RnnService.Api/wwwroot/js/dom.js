// Plain DOM building: h() for elements, put() to replace children, the toast and the error box.
import { ApiError } from './api.js';

/** h('a', {href: '#/jobs', class: 'x', onclick: f}, 'text', childNode, ...) — text is always textContent. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'value') node.value = v;
    else if (k === 'style') node.style.cssText = v;   // through CSSOM: the CSP refuses style attributes in markup
    else if (k === 'checked' || k === 'disabled' || k === 'selected') node[k] = !!v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** replaceChildren that skips null/false children (replaceChildren itself would write "null"). */
export function put(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter(c => c !== null && c !== undefined && c !== false));
}

const toastNode = () => document.getElementById('toast');
let toastTimer;
export function toast(message, kind = 'info') {
  const node = toastNode();
  node.textContent = message;
  node.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.className = 'toast'; }, 5000);
}

export function errorBox(error) {
  const problem = error instanceof ApiError ? error.problem : { detail: String(error?.message || error) };
  // A problem about one field often repeats its message as the detail: say it once.
  const fields = Object.entries(problem.errors || {}).filter(([, v]) => [].concat(v).join(' ') !== problem.detail);
  return h('div', { class: 'alert', role: 'alert' },
    h('strong', {}, problem.title || 'Something went wrong'),
    problem.detail ? h('p', {}, problem.detail) : null,
    fields.length ? h('ul', {}, fields.map(([k, v]) => h('li', {}, `${k}: ${[].concat(v).join(' ')}`))) : null);
}
