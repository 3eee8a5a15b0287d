// The operations API as the console calls it: the same origin (so the same login and the same cross-site rules),
// JSON both ways, and every error with the API's own message — the console never invents its own rules.

/** An answer other than 2xx: the HTTP status and the API's message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// relative to the console's page (<server>/console/), so that a server path prefix is kept
const base = new URL('../api', document.baseURI).pathname;

async function call(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch (e) {
    throw new ApiError(0, `Ferry does not answer (${e.message})`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data && data.message ? data.message : `${response.status} ${response.statusText}`);
  }
  return data;
}

/** A path segment: connector ids and record keys may hold any character. */
export const seg = (value) => encodeURIComponent(String(value));

/** A query string of the parameters that have a value. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(name, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body = {}) => call('POST', path, body),
  put: (path, body) => call('PUT', path, body),
  del: (path) => call('DELETE', path),
};
