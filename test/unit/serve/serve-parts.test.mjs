// The pure parts of `jobctl serve`: the listen address, the route matcher (decoding after the
// split), the query as options, the token check, and the status of each error code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, originOf, parseListen } from '../../../dist/lib/util/listen-address.js';
import { matchRoute, pathSegments } from '../../../dist/lib/serve/router.js';
import { queryOptions, splitTarget } from '../../../dist/lib/serve/query.js';
import { tokenCheck } from '../../../dist/lib/serve/auth.js';
import { statusOf } from '../../../dist/lib/serve/respond.js';
import { optionTable, commandNamed } from '../../../dist/lib/serve/call.js';

test('parseListen: HOST:PORT, [v6]:PORT, :PORT, PORT; anything else a usage_error', () => {
  assert.deepEqual(parseListen('127.0.0.1:8787'), { host: '127.0.0.1', port: 8787 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseListen('localhost:1'), { host: 'localhost', port: 1 });
  for (const bad of ['', 'host', 'host:', ':', 'h:70000', 'a b:1', '[nothex]:1', '::1:80', 'h:1:2', '-h:1']) {
    assert.throws(() => parseListen(bad), { code: 'usage_error' }, bad);
  }
});

test('isLoopbackHost: 127/8, ::1, localhost; 0.0.0.0, :: and names are not', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(host), host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '128.0.0.1', '::ffff:10.0.0.1']) assert.ok(!isLoopbackHost(host), host);
  assert.equal(originOf('::1', 80), 'http://[::1]:80');
  assert.equal(originOf('127.0.0.1', 80), 'http://127.0.0.1:80');
});

const noop = async () => undefined;
const routes = [
  { method: 'GET', pattern: '/v1/jobs', auth: true, handle: noop },
  { method: 'POST', pattern: '/v1/jobs', auth: true, handle: noop },
  { method: 'GET', pattern: '/v1/jobs/:id', auth: true, handle: noop },
  { method: 'GET', pattern: '/assets/*', auth: false, handle: noop },
];

test('matchRoute: segments decoded after the split; 404 not_found, 405 with the allowed methods, 400 for a bad escape', () => {
  assert.equal(matchRoute(routes, 'POST', '/v1/jobs').route, routes[1]);
  assert.deepEqual(matchRoute(routes, 'GET', '/v1/jobs/..%2f..').params, { id: '../..' }, 'an encoded slash stays inside its segment');
  assert.deepEqual(matchRoute(routes, 'GET', '/v1/jobs/%2e%2e').params, { id: '..' });
  assert.deepEqual(matchRoute(routes, 'HEAD', '/v1/jobs/x').params, { id: 'x' });
  assert.deepEqual(matchRoute(routes, 'GET', '/assets/a/b.js').params, { '*': 'a/b.js' });
  assert.throws(() => matchRoute(routes, 'GET', '/v1/jobs/'), { code: 'not_found' });
  assert.throws(() => matchRoute(routes, 'GET', '/v1/jobs/x/y'), { code: 'not_found' });
  assert.throws(() => matchRoute(routes, 'GET', 'http://evil/v1/jobs'), { code: 'not_found' });
  assert.throws(() => matchRoute(routes, 'DELETE', '/v1/jobs'), (e) => e.code === 'method_not_allowed' && e.details.allow.join() === 'GET,POST');
  assert.throws(() => pathSegments('/v1/%E0%A4%A'), { code: 'usage_error' });
});

test('queryOptions: repeated parameters for lists, booleans spelled true/1/empty or false/0, a single option once', () => {
  const list = optionTable(commandNamed('list'));
  const { query } = splitTarget('/v1/jobs?tags=a&tags=b&all&limit=5&state=running');
  assert.deepEqual(queryOptions(query, list), { tags: ['a', 'b'], all: true, limit: '5', state: ['running'] });
  assert.deepEqual(queryOptions(new URLSearchParams('all=0'), list), { all: false });
  assert.deepEqual(queryOptions(new URLSearchParams('bogus=1'), list), { bogus: '1' }, 'the command names an unknown option');
  assert.throws(() => queryOptions(new URLSearchParams('all=yes'), list), { code: 'usage_error' });
  assert.throws(() => queryOptions(new URLSearchParams('limit=1&limit=2'), list), { code: 'usage_error' });
  assert.deepEqual(splitTarget('/x').query.toString(), '');
});

test('tokenCheck: only `Bearer <the token>` passes', () => {
  const { check } = tokenCheck('s3cret-token-0123456789');
  check('Bearer s3cret-token-0123456789');
  check('bearer   s3cret-token-0123456789');
  for (const header of [undefined, '', 'Bearer', 'Bearer s3cret-token-012345678', 'Bearer s3cret-token-01234567890', 'Basic s3cret-token-0123456789', 'Bearer s3cret-token-0123456789 extra']) {
    assert.throws(() => check(header), { code: 'unauthorized' }, String(header));
  }
});

test('statusOf: usage codes 400, not found 404, state 409, size 413, type 415, the rest 500', () => {
  const cases = { usage_error: 400, invalid_duration: 400, invalid_tag: 400, invalid_signal: 400, invalid_pattern: 400, unauthorized: 401, job_not_found: 404, not_found: 404, method_not_allowed: 405, ambiguous_job_id: 409, invalid_state: 409, payload_too_large: 413, unsupported_media_type: 415, io_error: 500, internal_error: 500, config_error: 500, executor_unavailable: 503 };
  for (const [code, status] of Object.entries(cases)) assert.equal(statusOf(code), status, code);
});
