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

/** A body as JSON, or its text as the detail when it is not JSON (a proxy's error page); null when empty. */
export const parseBody = text => { try { return text ? JSON.parse(text) : null; } catch { return { detail: text }; } };

export const networkError = () =>
  new ApiError(0, { title: 'The service did not answer', detail: 'Network error: is the service running?' });

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json, application/problem+json', ...authHeaders() };
  // Writes are typed JSON even without a body (cancel, pause, resume): the service refuses other types from a
  // client without a key, since a cross-site form can send only those.
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw networkError();
  }
  if (response.status === 204) return null;
  const data = parseBody(await response.text());
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Saves a file the service answers at `path` (a link cannot send the key header): fetched, then handed over as a blob. */
export async function download(path, fileName) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, parseBody(await response.text()));
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
