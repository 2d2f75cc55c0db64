// Hash routes: one view function per page; a view gets a context that says whether it is still shown.
import { h, put, errorBox } from './dom.js';

let routes = [];   // [pattern, view(main, ctx, captures, query), nav id]
let currentRender = 0;
let cleanups = [];

/** What a view can ask of the router: whether it is still shown, and what to stop when it is left. */
function context(token) {
  return {
    alive: () => token === currentRender,
    onLeave: fn => { if (token === currentRender) cleanups.push(fn); else fn(); },
  };
}

async function render() {
  for (const fn of cleanups.splice(0)) { try { fn(); } catch { /* leaving anyway */ } }
  const token = ++currentRender;
  const [path, query] = (location.hash.slice(1) || '/jobs').split('?');
  const route = routes.find(([pattern]) => pattern.test(path));
  const main = document.getElementById('main');
  document.querySelectorAll('[data-nav]').forEach(a => a.removeAttribute('aria-current'));
  if (!route) {
    if (path === '/' || path === '') { location.replace('#/jobs'); return; }
    put(main, h('h1', {}, 'Not found'), h('p', {}, 'No such page. '), h('a', { href: '#/jobs' }, 'Go to the jobs'));
    return;
  }
  const [pattern, view, nav] = route;
  document.querySelector(`[data-nav="${nav}"]`)?.setAttribute('aria-current', 'page');
  put(main, h('p', { class: 'muted' }, 'Loading…'));
  main.setAttribute('aria-busy', 'true');
  try {
    await view(main, context(token), pattern.exec(path).slice(1), new URLSearchParams(query || ''));
  } catch (error) {
    if (token === currentRender) put(main, h('h1', {}, 'Could not load this page'), errorBox(error));
  } finally {
    if (token === currentRender) main.removeAttribute('aria-busy');
  }
}

export function setPage(main, title, ...content) {
  document.title = `${title} · RnnService`;
  put(main, h('h1', {}, title), ...content);
}

/** Registers the routes and shows the page the address names, now and on every hash change. */
export function start(table) {
  routes = table;
  window.addEventListener('hashchange', () => render().then(() => document.getElementById('main').focus({ preventScroll: true })));
  render();
}
