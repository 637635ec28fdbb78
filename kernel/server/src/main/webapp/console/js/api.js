// The console's only way to the server: the REST API of the same origin, with the session cookie.

const BASE = '/api/v1';
let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token;
}

/** An answer other than 2xx, from its application/problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/**
 * Calls the API. {@code body} is sent as JSON unless it is a Blob/File/FormData (sent as is).
 * @returns the parsed JSON answer, or null for 204
 */
export async function api(method, path, body, contentType) {
  const headers = {'Accept': 'application/json', 'X-Requested-With': 'rapport-console'};
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let payload;
  if (body instanceof Blob || body instanceof FormData) {
    payload = body;
    if (contentType) headers['Content-Type'] = contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = contentType || 'application/json';
  }
  const res = await fetch(BASE + path, {method, headers, body: payload, credentials: 'same-origin', cache: 'no-store'});
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : {detail: await res.text()};
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && path !== '/session') onSignedOut();
    throw err;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body, type) => api('POST', path, body, type);
export const put = (path, body, type) => api('PUT', path, body, type);
export const patch = (path, body) => api('PATCH', path, body, 'application/merge-patch+json');
export const del = (path) => api('DELETE', path);

/** A query string from an object, without empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
