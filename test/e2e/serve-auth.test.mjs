// `jobctl serve`: the bearer token on every route (missing, wrong, right), healthz and the
// dashboard open, where the token comes from (created 0600 under the root, JOBCTL_TOKEN,
// --token-file, [serve] token_file), a non-loopback address refused without an explicit token,
// and the end on SIGTERM (ready line, exit 0, the port closed, jobs untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { jobctl, withRoot, waitFor, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { request, startServe } from '../helpers/serve.mjs';

const ID = 'abcdefghij0123456789';
/** Every authenticated route, with a request that would be valid given the token. */
const ROUTES = [
  ['POST', '/v1/jobs', { command: ['true'] }],
  ['GET', '/v1/jobs'],
  ['GET', `/v1/jobs/${ID}`],
  ['GET', `/v1/jobs/${ID}/tail`],
  ['GET', `/v1/jobs/${ID}/wait?timeout=0`],
  ['POST', `/v1/jobs/${ID}/kill`],
  ['POST', `/v1/jobs/${ID}/restart`],
  ['DELETE', `/v1/jobs/${ID}`],
  ['GET', '/v1/stats'],
  ['GET', '/v1/queue'],
];

test('every route: no token and a wrong token are 401 unauthorized with WWW-Authenticate; the right one gets through', async (t) => {
  const { root } = withRoot(t);
  const server = await startServe(t, root);
  for (const [method, path, body] of ROUTES) {
    for (const [label, token, headers] of [['no token', null, {}], ['wrong token', 'x'.repeat(64), {}], ['other scheme', null, { authorization: `Basic ${server.token}` }], ['token with a suffix', `${server.token}x`, {}]]) {
      const res = await request(server.port, method, path, { body, token, headers });
      assert.equal(res.status, 401, `${label}: ${method} ${path}: ${res.text}`);
      assert.equal(res.json.error.code, 'unauthorized');
      assert.match(res.headers['www-authenticate'], /^Bearer/);
      assert.match(res.headers['content-type'], /^application\/json/);
      assertMatchesSchema('error', res.json);
    }
    const res = await server.request(method, path, { body });
    assert.notEqual(res.status, 401, `right token: ${method} ${path}: ${res.text}`);
    assert.ok(res.status < 500, `${method} ${path}: ${res.status} ${res.text}`);
  }
  const health = await request(server.port, 'GET', '/healthz', { token: null });
  assert.equal(health.status, 200);
  assert.deepEqual(health.json, { ok: true });
  const page = await request(server.port, 'GET', '/', { token: null });
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.match(page.text, /jobctl dashboard/);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.headers['content-security-policy'], /default-src 'self'/);
  // Nothing the unauthenticated requests asked for happened.
  const listed = await jobctl(['list', '--all'], { root });
  assert.equal(listed.json.count, 1, 'only the authenticated POST created a job');
});

test('no token given: one is created 0600 under the root, named in the ready line, and kept across restarts', async (t) => {
  const { root } = withRoot(t);
  const first = await startServe(t, root);
  assert.equal(first.ready.token_file, join(root, '.serve', 'token'));
  assert.equal(statSync(first.ready.token_file).mode & 0o777, 0o600);
  assert.equal(statSync(join(root, '.serve')).mode & 0o777, 0o700);
  assert.match(first.token, /^[0-9a-f]{64}$/);
  assert.equal((await first.stop()).code, 0);
  const second = await startServe(t, root);
  assert.equal(second.token, first.token, 'a restarted server takes the same token');
  assert.equal((await second.request('GET', '/v1/stats')).status, 200);
});

test('JOBCTL_TOKEN, --token-file and [serve] token_file are the token; the ready line names the file or none', async (t) => {
  const { base, root } = withRoot(t);
  const env = await startServe(t, root, { env: { JOBCTL_TOKEN: 'env-token-0123456789' } });
  assert.equal(env.ready.token_file, undefined, 'no file when the token came from the environment');
  assert.equal((await request(env.port, 'GET', '/v1/stats', { token: 'env-token-0123456789' })).status, 200);
  // Jobs started through the server inherit its environment, never its token.
  const job = await request(env.port, 'POST', '/v1/jobs', { token: 'env-token-0123456789', body: { command: ['sh', '-c', 'env'], wait: true } });
  assert.equal(job.json.state, 'exited', job.text);
  assert.doesNotMatch(job.json.stdout_tail, /JOBCTL_TOKEN|env-token-0123456789/);
  const file = join(base, 'token.txt');
  writeFileSync(file, 'file-token-0123456789\n', { mode: 0o600 });
  const flag = await startServe(t, root, { args: ['--token-file', file] });
  assert.equal(flag.ready.token_file, file);
  assert.equal((await request(flag.port, 'GET', '/v1/stats', { token: 'file-token-0123456789' })).status, 200);
  assert.equal((await request(flag.port, 'GET', '/v1/stats', { token: env.token })).status, 401);
  const config = join(base, 'config.toml');
  writeFileSync(config, `[serve]\ntoken_file = "token.txt"\n`);
  const configured = await startServe(t, root, { args: ['--config', config] });
  assert.equal(configured.ready.token_file, file, 'a relative token_file is read beside the config file');
  assert.equal((await request(configured.port, 'GET', '/v1/stats', { token: 'file-token-0123456789' })).status, 200);
});

test('refused at start: non-loopback without an explicit token, a bad --listen, a short or missing token, a bad [serve] key, a port in use', async (t) => {
  const { base, root } = withRoot(t);
  const refused = await jobctl(['serve', '--listen', '0.0.0.0:0'], { root });
  assert.equal(refused.code, 2);
  assert.equal(refused.json.error.code, 'usage_error');
  assert.match(refused.json.error.message, /token/);
  for (const listen of ['nohost:', 'host:99999', 'a b:80', '[zz]:80', '127.0.0.1:-1']) {
    const bad = await jobctl(['serve', '--listen', listen], { root });
    assert.equal(bad.json.error.code, 'usage_error', listen);
    assert.equal(bad.code, 2);
  }
  const short = await jobctl(['serve', '--listen', '127.0.0.1:0'], { root, env: { JOBCTL_TOKEN: 'short' } });
  assert.equal(short.json.error.code, 'usage_error');
  const missing = await jobctl(['serve', '--listen', '127.0.0.1:0', '--token-file', join(base, 'nope')], { root });
  assert.equal(missing.json.error.code, 'usage_error');
  mkdirSync(join(base, 'cfg'));
  writeFileSync(join(base, 'cfg', 'config.toml'), '[serve]\nlisten = "everywhere"\n');
  const badConfig = await jobctl(['serve', '--config', join(base, 'cfg', 'config.toml')], { root });
  assert.equal(badConfig.json.error.code, 'config_error');
  assert.equal(badConfig.json.error.details.key, 'serve.listen');
  writeFileSync(join(base, 'cfg', 'config.toml'), '[serve]\nport = 1\n');
  assert.equal((await jobctl(['serve', '--config', join(base, 'cfg', 'config.toml')], { root })).json.error.details.key, 'serve.port');
  const taken = createServer();
  await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const inUse = await jobctl(['serve', '--listen', `127.0.0.1:${taken.address().port}`], { root });
  assert.equal(inUse.code, 1);
  assert.equal(inUse.json.error.code, 'io_error');
  assert.equal(inUse.json.error.details.errno, 'EADDRINUSE');
});

test('SIGTERM: exit 0, the port closed, a running job untouched', async (t) => {
  const { root, base } = withRoot(t);
  const server = await startServe(t, root);
  // The job ends when the test says so, not after a time a loaded machine may overrun.
  const gate = join(base, 'may-end');
  const ran = await server.request('POST', '/v1/jobs', { body: { command: ['sh', '-c', `while [ ! -e '${gate}' ]; do sleep 0.05; done; echo survived`], snapshot_after: '0' } });
  assert.equal(ran.status, 201);
  const id = ran.json.job_id;
  await waitFor(async () => (await jobctl(['status', id], { root })).json.state === 'running', { what: 'the job to run' });
  const exit = await server.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  const refusedConnection = await new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', (err) => resolve(err.code === 'ECONNREFUSED'));
  });
  assert.ok(refusedConnection, 'nothing listens on the port any more');
  assert.equal((await jobctl(['status', id], { root })).json.state, 'running', 'the job runs on');
  writeFileSync(gate, '');
  const waited = await jobctl(['wait', id, '--timeout', '30s'], { root });
  assert.equal(waited.json.state, 'exited');
  assert.equal(waited.json.exit_code, 0);
  assert.equal(waited.json.stdout_tail, 'survived\n');
});
