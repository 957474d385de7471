// The API client of the dashboard: every request carries the bearer token kept in this tab's
// sessionStorage (never in a URL, never in localStorage). A 401 forgets the token and tells the
// page to ask for it again.
const TOKEN_KEY = 'jobctl.token';

/** The server refused the token. */
export class Unauthorized extends Error {}

/** A JSON error answer of the API: its typed code and message. */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let onUnauthorized = () => {};

/** Registers what to do when the server answers 401 (the page asks for the token again). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export const savedToken = () => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** fetch with the token; a 401 forgets it, asks again and throws Unauthorized. */
async function authorizedFetch(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const token = savedToken();
  if (token === null) {
    onUnauthorized('');
    throw new Unauthorized('no token');
  }
  const init = { method, signal, cache: 'no-store', headers: { ...headers, Authorization: `Bearer ${token}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, init);
  if (res.status === 401) {
    forgetToken();
    onUnauthorized('The server refused that token. Enter it again.');
    throw new Unauthorized('unauthorized');
  }
  return res;
}

/** A JSON request; resolves to the answer object, rejects with ApiError on `ok:false`. */
export async function request(path, options = {}) {
  const res = await authorizedFetch(path, { ...options, headers: { Accept: 'application/json' } });
  const answer = await res.json().catch(() => undefined);
  if (!res.ok || answer?.ok !== true) {
    const error = answer?.error ?? {};
    throw new ApiError(error.code ?? `http_${res.status}`, error.message ?? res.statusText, res.status);
  }
  return answer;
}

/** The server-sent event stream, from just after `lastEventId` when given. */
export function openEventStream(lastEventId, signal) {
  const headers = { Accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
  return authorizedFetch('/v1/events', { headers, signal });
}

const jobPath = (id) => `/v1/jobs/${encodeURIComponent(id)}`;

export const listJobs = () => request('/v1/jobs?all=true&limit=500');
export const jobStatus = (id) => request(jobPath(id));
export const jobTail = (id) => request(`${jobPath(id)}/tail?tail_lines=200`);
export const killJob = (id) => request(`${jobPath(id)}/kill`, { method: 'POST', body: {} });
export const restartJob = (id) => request(`${jobPath(id)}/restart`, { method: 'POST', body: {} });
export const stats = () => request('/v1/stats');
/** The log's current head cursor: no event is at or after "0 ms ago", so next_cursor is the head. */
export const eventHead = async () => (await request('/v1/events?since=0ms')).next_cursor;
