// HTTP helpers: JSON in and out, ProblemDetails turned into ApiError, the optional API key sent along.
const KEY = 'rnnservice.apiKey';

export const apiKey = () => localStorage.getItem(KEY) || '';
export const setApiKey = value => value ? localStorage.setItem(KEY, value) : localStorage.removeItem(KEY);
/** The key as X-Api-Key when one is set: every request sends it (with keys configured, reads need it too). */
export const authHeaders = () => apiKey() ? { 'X-Api-Key': apiKey() } : {};

/** A non-2xx answer; problem is the RFC 7807 body (errors keyed by JSON path for validation problems). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  get errors() { return this.problem.errors || {}; }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json, application/problem+json', ...authHeaders() };
  // Writes are typed JSON even without a body (cancel, pause, resume): the service refuses other types from a
  // client without a key, since a cross-site form can send only those.
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { title: 'The service did not answer', detail: 'Network error: is the service running?' });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Saves a file the service answers at `path` (a link cannot send the key header): fetched, then handed over as a blob. */
export async function download(path, fileName) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not ProblemDetails */ }
    throw new ApiError(response.status, problem);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** POSTs body and calls onEvent(type, data) for each server-sent event of the answer (a stream: fetch, since EventSource
 *  cannot POST); a non-2xx answer throws ApiError like api(). */
export async function apiStream(path, body, onEvent) {
  const headers = { ...authHeaders(), Accept: 'text/event-stream, application/problem+json', 'Content-Type': 'application/json' };
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { title: 'The service did not answer', detail: 'Network error: is the service running?' });
  }
  if (!response.ok) {
    const text = await response.text();
    let problem;
    try { problem = JSON.parse(text); } catch { problem = { detail: text }; }
    throw new ApiError(response.status, problem);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const type = lines.find(l => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n');
      onEvent(type, data ? JSON.parse(data) : null);
    }
  }
}
