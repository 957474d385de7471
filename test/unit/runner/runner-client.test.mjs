// The runner's HTTP client against a real local server: only a jobctl JSON error is a refusal
// (its code kept); a proxy's 404 page, a 5xx or no answer are retryable failures, never a
// reason to give a job up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { RunnerClient, isRefusal } from '../../../dist/lib/runner/client.js';

const ANSWERS = {
  '/v1/runners/r1/ok': [200, 'application/json', JSON.stringify({ schema_version: '1', ok: true, type: 'runner_poll', offers: [] })],
  '/v1/runners/r1/jobctl-404': [404, 'application/json', JSON.stringify({ schema_version: '1', ok: false, type: 'error', error: { code: 'job_not_found', message: 'no job x is offered to runner r1', retryable: false } })],
  '/v1/runners/r1/jobctl-409': [409, 'application/json', JSON.stringify({ schema_version: '1', ok: false, type: 'error', error: { code: 'invalid_state', message: 'ended on the server', retryable: false } })],
  '/v1/runners/r1/proxy-404': [404, 'text/html', '<html><body>404 Not Found</body></html>'],
  '/v1/runners/r1/proxy-409-json': [409, 'application/json', JSON.stringify({ message: 'conflict' })],
  '/v1/runners/r1/bad-gateway': [502, 'text/html', 'bad gateway'],
};

test('only the server\'s own JSON error is a refusal; a proxy\'s page or a 5xx is retried', async (t) => {
  const server = createServer((req, res) => {
    const [status, type, body] = ANSWERS[req.url] ?? [500, 'text/plain', 'no'];
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const client = new RunnerClient(`http://127.0.0.1:${server.address().port}`, 'r1', 'x'.repeat(20));
  const failure = (path) => client.call('GET', path, undefined, 5000).then(() => assert.fail(`${path} answered`), (err) => err);

  assert.equal((await client.call('GET', '/ok', undefined, 5000)).type, 'runner_poll');
  const refusals = ['job_not_found', 'invalid_state'];
  for (const [path, code] of [['/jobctl-404', 'job_not_found'], ['/jobctl-409', 'invalid_state']]) {
    const err = await failure(path);
    assert.equal(err.code, code);
    assert.equal(isRefusal(err, refusals), true, path);
  }
  for (const path of ['/proxy-404', '/proxy-409-json', '/bad-gateway']) {
    const err = await failure(path);
    assert.equal(isRefusal(err, refusals), false, path);
    assert.equal(err.retryable, true, path);
    assert.equal(err.code, 'executor_unavailable');
  }
  const closed = new RunnerClient('http://127.0.0.1:9', 'r1', 'x'.repeat(20));
  const unreachable = await closed.call('GET', '/ok', undefined, 5000).catch((err) => err);
  assert.equal(isRefusal(unreachable, refusals), false);
  assert.equal(unreachable.retryable, true);
});
