// `jobctl serve` under malformed requests: each answer is one JSON error with the status its
// code maps to — bad JSON, a body that is not an object, wrong option types, unknown options,
// a body over 1 MiB (413), a wrong content type (415), unknown routes (404), wrong methods (405),
// path tricks (`..%2f..`, `%2e%2e`, a 10 KB id: job_not_found; NUL: usage_error) and bad query values — and nothing
// outside the root is touched, nothing is created, no stack trace is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { jobctl, withRoot, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { startServe } from '../helpers/serve.mjs';

const huge = 'x'.repeat(1024 * 1024 + 10);
const longId = 'a'.repeat(10 * 1024);

/** [name, method, path, options, status, code] */
const CASES = [
  ['bad JSON', 'POST', '/v1/jobs', { body: '{"command": ["true"' }, 400, 'usage_error'],
  ['JSON with a trailing comma', 'POST', '/v1/jobs', { body: '{"command":"true",}' }, 400, 'usage_error'],
  ['JSON array', 'POST', '/v1/jobs', { body: '[]' }, 400, 'usage_error'],
  ['JSON string', 'POST', '/v1/jobs', { body: '"true"' }, 400, 'usage_error'],
  ['JSON null', 'POST', '/v1/jobs', { body: 'null' }, 400, 'usage_error'],
  ['empty body where one is needed', 'POST', '/v1/jobs', {}, 400, 'usage_error'],
  ['no command', 'POST', '/v1/jobs', { body: { tags: ['a'] } }, 400, 'usage_error'],
  ['command of the wrong type', 'POST', '/v1/jobs', { body: { command: 42 } }, 400, 'usage_error'],
  ['command an object', 'POST', '/v1/jobs', { body: { command: { sh: 'true' } } }, 400, 'usage_error'],
  ['empty argv', 'POST', '/v1/jobs', { body: { command: [] } }, 400, 'usage_error'],
  ['tags not strings', 'POST', '/v1/jobs', { body: { command: 'true', tags: [1, 2] } }, 400, 'usage_error'],
  ['wait not a boolean', 'POST', '/v1/jobs', { body: { command: 'true', wait: 'yes' } }, 400, 'usage_error'],
  ['timeout an object', 'POST', '/v1/jobs', { body: { command: 'true', timeout: { s: 1 } } }, 400, 'usage_error'],
  ['unknown option', 'POST', '/v1/jobs', { body: { command: 'true', bogus: 1 } }, 400, 'usage_error'],
  ['kebab-case option', 'POST', '/v1/jobs', { body: { command: 'true', 'snapshot-after': '0' } }, 400, 'usage_error'],
  ['root chosen by the client', 'POST', '/v1/jobs', { body: { command: 'true', root: '/tmp' } }, 400, 'usage_error'],
  ['config chosen by the client', 'POST', '/v1/jobs', { body: { command: 'true', config: '/etc/passwd' } }, 400, 'usage_error'],
  ['bad duration', 'POST', '/v1/jobs', { body: { command: 'true', timeout: 'soon' } }, 400, 'invalid_duration'],
  ['bad tag', 'POST', '/v1/jobs', { body: { command: 'true', tags: ['no spaces'] } }, 400, 'invalid_tag'],
  ['NUL in the command', 'POST', '/v1/jobs', { body: { command: ['echo', 'a\u0000b'] } }, 400, 'usage_error'],
  ['body over 1 MiB', 'POST', '/v1/jobs', { body: JSON.stringify({ command: 'true', stdin: huge }) }, 413, 'payload_too_large'],
  ['stdin over 1 MiB in the body', 'POST', '/v1/jobs', { body: { command: 'cat', stdin: huge } }, 413, 'payload_too_large'],
  ['text/plain body', 'POST', '/v1/jobs', { body: '{"command":"true"}', contentType: 'text/plain' }, 415, 'unsupported_media_type'],
  ['form body', 'POST', '/v1/jobs', { body: 'command=true', contentType: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
  ['form body on kill', 'POST', '/v1/jobs/abcdefghij0123456789/kill', { body: 'signal=KILL', contentType: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
  ['unknown route', 'GET', '/v2/jobs', {}, 404, 'not_found'],
  ['unknown sub-route', 'GET', '/v1/jobs/abcdefghij0123456789/secrets', {}, 404, 'not_found'],
  ['unknown top-level file', 'GET', '/etc/passwd', {}, 404, 'not_found'],
  ['trailing slash', 'GET', '/v1/jobs/', {}, 404, 'not_found'],
  ['dashboard asset outside its directory', 'GET', '/assets/..%2f..%2fpackage.json', {}, 404, 'not_found'],
  ['dashboard asset with a dot segment', 'GET', '/assets/%2e%2e/cli.cjs', {}, 404, 'not_found'],
  ['missing dashboard asset', 'GET', '/assets/nope.js', {}, 404, 'not_found'],
  ['PUT on jobs', 'PUT', '/v1/jobs', { body: { command: 'true' } }, 405, 'method_not_allowed'],
  ['DELETE on the collection', 'DELETE', '/v1/jobs', {}, 405, 'method_not_allowed'],
  ['GET on kill', 'GET', '/v1/jobs/abcdefghij0123456789/kill', {}, 405, 'method_not_allowed'],
  ['POST on stats', 'POST', '/v1/stats', { body: {} }, 405, 'method_not_allowed'],
  ['PATCH on healthz', 'PATCH', '/healthz', {}, 405, 'method_not_allowed'],
  ['id ..%2f..', 'GET', '/v1/jobs/..%2f..', {}, 404, 'job_not_found'],
  ['id %2e%2e', 'GET', '/v1/jobs/%2e%2e', {}, 404, 'job_not_found'],
  ['id ..%2f..%2fetc on tail', 'GET', '/v1/jobs/..%2f..%2fetc/tail', {}, 404, 'job_not_found'],
  ['id ..%2fdecoy on delete', 'DELETE', '/v1/jobs/..%2fdecoy', {}, 404, 'job_not_found'],
  ['id with NUL', 'GET', '/v1/jobs/abc%00def', {}, 400, 'usage_error'],
  ['id of 10 KB', 'GET', `/v1/jobs/${longId}`, {}, 404, 'job_not_found'],
  ['id of 10 KB on kill', 'POST', `/v1/jobs/${longId}/kill`, {}, 404, 'job_not_found'],
  ['malformed percent escape', 'GET', '/v1/jobs/%zz', {}, 400, 'usage_error'],
  ['job_id in the query beside the path', 'GET', '/v1/jobs/abcdefghij0123456789?job_id=other', {}, 400, 'usage_error'],
  ['list limit not a number', 'GET', '/v1/jobs?limit=many', {}, 400, 'usage_error'],
  ['list limit negative', 'GET', '/v1/jobs?limit=-5', {}, 400, 'usage_error'],
  ['list state unknown', 'GET', '/v1/jobs?state=sleeping', {}, 400, 'usage_error'],
  ['list all not a boolean', 'GET', '/v1/jobs?all=maybe', {}, 400, 'usage_error'],
  ['list limit twice', 'GET', '/v1/jobs?limit=1&limit=2', {}, 400, 'usage_error'],
  ['list unknown parameter', 'GET', '/v1/jobs?colour=red', {}, 400, 'usage_error'],
  ['list tag filter malformed', 'GET', '/v1/jobs?tags=a%20b', {}, 400, 'invalid_tag'],
  ['wait timeout malformed', 'GET', '/v1/jobs/abcdefghij0123456789/wait?timeout=soon', {}, 400, 'invalid_duration'],
  ['tail lines twice', 'GET', '/v1/jobs/abcdefghij0123456789/tail?tail_lines=1&tail_lines=2', {}, 400, 'usage_error'],
  ['kill with an unknown signal', 'POST', '/v1/jobs/abcdefghij0123456789/kill', { body: { signal: 'NOPE' } }, 400, 'invalid_signal'],
  ['kill grace over the bound', 'POST', '/v1/jobs/abcdefghij0123456789/kill', { body: { grace: '10m' } }, 400, 'usage_error'],
  ['status of an unknown job', 'GET', '/v1/jobs/zzzzzzzzzzzzzzzzzzzz', {}, 404, 'job_not_found'],
];

test(`${CASES.length} malformed requests: each a JSON error with its status and code, nothing created, nothing outside the root touched`, async (t) => {
  assert.ok(CASES.length >= 30);
  const { base, root } = withRoot(t);
  const decoy = join(base, 'decoy');
  mkdirSync(decoy);
  writeFileSync(join(decoy, 'meta.json'), '{}');
  const server = await startServe(t, root);
  const failures = [];
  for (const [name, method, path, opts, status, code] of CASES) {
    const res = await server.request(method, path, opts);
    const got = `${res.status} ${res.json?.error?.code}`;
    if (got !== `${status} ${code}`) failures.push(`${name}: expected ${status} ${code}, got ${got}: ${res.text.slice(0, 300)}`);
    if (res.json === undefined) { failures.push(`${name}: not JSON: ${res.text.slice(0, 200)}`); continue; }
    assert.match(res.headers['content-type'], /^application\/json/, name);
    assertMatchesSchema('error', res.json);
    assert.doesNotMatch(res.text, /\n\s+at .+:\d+:\d+/, `${name}: no stack trace`);
    assert.ok(res.json.error.message.length < 2000, `${name}: a bounded message`);
    if (status === 405) assert.ok(res.headers.allow, `${name}: Allow header`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(readdirSync(decoy), ['meta.json'], 'the decoy beside the root is untouched');
  assert.equal((await jobctl(['list', '--all'], { root })).json.count, 0, 'no malformed request created a job');
  assert.equal((await server.request('GET', '/healthz')).status, 200, 'the server still answers');
});

test('raw protocol abuse: a garbled request line, oversized headers and an endless chunked body are answered with JSON and the connection closed', async (t) => {
  const { root } = withRoot(t);
  const server = await startServe(t, root);
  const raw = (text) => new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.end(text);
  });
  const garbled = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.match(garbled, /^HTTP\/1\.1 400/);
  assert.equal(JSON.parse(garbled.slice(garbled.indexOf('\r\n\r\n') + 4)).error.code, 'usage_error');
  const big = await raw(`GET /v1/stats HTTP/1.1\r\nhost: x\r\nx-big: ${'y'.repeat(40 * 1024)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431/);
  assert.equal(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)).error.code, 'payload_too_large');
  // A chunked body has no Content-Length: it is counted as it comes and cut at the limit.
  const chunked = await new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('error', () => undefined); // the server closes while we still send
    socket.on('close', () => resolve(out));
    socket.write(`POST /v1/jobs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${server.token}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 20; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.end('0\r\n\r\n');
  });
  assert.match(chunked, /^HTTP\/1\.1 413/);
  assert.equal(JSON.parse(chunked.slice(chunked.indexOf('\r\n\r\n') + 4)).error.code, 'payload_too_large');
  assert.equal((await server.request('GET', '/healthz')).status, 200);
  assert.equal((await jobctl(['list', '--all'], { root })).json.count, 0);
});
