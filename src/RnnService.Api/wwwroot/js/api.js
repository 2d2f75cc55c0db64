// HTTP helpers: JSON in and out, ProblemDetails turned into ApiError, the optional API key sent along.
const KEY = 'rnnservice.apiKey';

export const apiKey = () => localStorage.getItem(KEY) || '';
export const setApiKey = value => value ? localStorage.setItem(KEY, value) : localStorage.removeItem(KEY);

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
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const key = apiKey();
  if (key) headers['X-Api-Key'] = key;
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
