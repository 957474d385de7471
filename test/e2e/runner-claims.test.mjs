// A job between its claim and its start, with real processes: a claim whose answer was lost
// (the runner killed before it recorded the local job) is sent again and gets the kill given
// meanwhile, so the job ends killed without running; a launch that fails on the runner ends the
// job failed with the reason; two runners on one root are refused; the runner routes refuse
// traversal-shaped names, oversized and non-JSON bodies with jobctl errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, jobctl, processAlive } from '../helpers/jobctl.mjs';
import { startServe, request } from '../helpers/serve.mjs';
import { readText, runnerConfig, runnerRoot, startRunner } from '../helpers/runner.mjs';

async function setup(t, runners) {
  const ctx = withRoot(t);
  const { config, tokens } = runnerConfig(ctx.base, runners);
  const server = await startServe(t, ctx.root, { env: { JOBCTL_CONFIG: config } });
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts });
  return { ...ctx, config, tokens, server, run, token: (name) => readFileSync(tokens[name], 'utf8').trim() };
}

const statusOf = async (run, id) => (await run(['status', id])).json;

test('a kill between the claim and the start: the claim sent again (its answer lost) carries the kill; the job ends killed, its command never ran', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const count = join(s.base, 'count');
  const { json } = await s.run(['run', '--executor', 'laptop', '--snapshot-after', '0', '--', 'sh', '-c', `echo ran >> ${count}`]);
  await waitFor(async () => (await statusOf(s.run, json.job_id)).waiting_for === 'runner laptop', { what: 'the offer' });
  // A runner recorded its claim and sent it, then died before it heard the answer.
  const root = runnerRoot(t);
  const claim = { server_job_id: json.job_id, claim_id: 'claim-answer-lost-1', claimed_at: new Date().toISOString() };
  mkdirSync(join(root, '.runner'), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, '.runner', `${json.job_id}.json`), JSON.stringify(claim));
  const granted = await request(s.server.port, 'POST', '/v1/runners/laptop/claim', { token: s.token('laptop'), body: { job_id: json.job_id, claim_id: claim.claim_id } });
  assert.equal(granted.status, 200, granted.text);
  assert.equal(granted.json.kill, undefined);
  // Killed on the server while claimed and not started.
  const killing = s.run(['kill', json.job_id, '--grace', '60s']);
  await waitFor(() => readText(join(s.root, '.runners', 'jobs', json.job_id, 'kill.json')) !== '', { what: 'the kill order' });
  const runner = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  assert.equal(runner.ready.held, 1, 'it takes up the recorded claim');
  const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'killed', JSON.stringify(done));
  assert.equal(done.signal, 'SIGTERM');
  assert.equal(done.exit_code, undefined);
  assert.equal((await statusOf(s.run, json.job_id)).started_at, undefined, 'it never started');
  assert.equal(readText(count), '', 'the command never ran');
  assert.equal((await killing).json.state, 'killed');
  assert.deepEqual((await jobctl(['list', '--all'], { root })).json.jobs, [], 'no local job was left');
  await waitFor(() => !readText(join(root, '.runner', `${json.job_id}.json`)), { what: 'the runner to forget the job' });
});

test('a launch that fails on the runner (its --cwd is missing there) ends the job failed with the reason, never queued for ever', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const root = runnerRoot(t);
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const missing = join(root, 'no-such-directory');
  const { json } = await s.run(['run', '--executor', 'laptop', '--cwd', missing, '--snapshot-after', '0', '--', 'true']);
  assert.equal(json.ok, true, JSON.stringify(json));
  const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'failed', JSON.stringify(done));
  const status = await statusOf(s.run, json.job_id);
  assert.match(status.error.message, /cannot launch the job on the runner/);
  assert.ok(status.error.message.includes('no-such-directory'), status.error.message);
  assert.equal(status.started_at, undefined);
  assert.deepEqual((await jobctl(['list', '--all'], { root })).json.jobs, []);
});

test('two runners on one root: the second is refused while the first lives, and starts once it is gone', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const root = runnerRoot(t);
  const first = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const second = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root, expectFailure: true });
  assert.equal(second.code, 1);
  assert.equal(second.json.error.code, 'invalid_state');
  assert.match(second.json.error.message, new RegExp(`another runner \\(pid ${first.pid}\\)`));
  await first.stop('SIGKILL');
  const third = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  assert.equal(third.ready.ok, true, 'a dead holder\'s lock is taken over');
});

test('runner routes: traversal-shaped names and ids, oversized and non-JSON bodies, a bad end are refused with jobctl errors; a refused request is no contact', { timeout: 60_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const token = s.token('laptop');
  const cases = [
    ['GET', '/v1/runners/..%2f..%2fetc/poll?wait=0', undefined, 401, 'unauthorized'],
    ['GET', '/v1/runners/laptop/../laptop/poll', undefined, 404, 'not_found'],
    ['POST', '/v1/runners/laptop/jobs/..%2f..%2fstate/report', { claim_id: 'c', phase: 'running' }, 400, 'usage_error'],
    ['POST', '/v1/runners/laptop/claim', { job_id: '../../etc', claim_id: 'c' }, 400, 'usage_error'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const r = await request(s.server.port, method, path, { token, body });
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.error.code, code, path);
  }
  const big = await request(s.server.port, 'POST', '/v1/runners/laptop/claim', { token, body: JSON.stringify({ job_id: 'a'.repeat(2 * 1024 * 1024) }) });
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'payload_too_large');
  const text = await request(s.server.port, 'POST', '/v1/runners/laptop/claim', { token, body: 'job_id=x', contentType: 'text/plain' });
  assert.equal(text.status, 415);
  assert.equal(text.json.error.code, 'unsupported_media_type');
  // A wrong token and an unreadable token file get the same answer, naming no path.
  writeFileSync(s.tokens.laptop, 'short\n');
  const broken = await request(s.server.port, 'GET', '/v1/runners/laptop/poll?wait=0', { token });
  assert.equal(broken.status, 401);
  assert.ok(!broken.text.includes(s.tokens.laptop), broken.text);
  const unknown = await request(s.server.port, 'GET', '/v1/runners/nobody/poll?wait=0', { token });
  assert.equal(unknown.json.error.message.replace('nobody', 'laptop'), broken.json.error.message);
  assert.equal((await s.run(['executors'])).json.executors.find((e) => e.name === 'laptop').last_contact, undefined, 'no refused request counted as contact');
});

test('bad end reports: an exit code out of range or a signal that is no signal is a usage_error', { timeout: 60_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const token = s.token('laptop');
  const id = 'abcdefghijklmnop0123';
  for (const ended of [{ exit_code: 256, stdout_bytes: 0, stderr_bytes: 0 }, { exit_code: 1.5, stdout_bytes: 0, stderr_bytes: 0 }, { signal: 'SIGNOPE', stdout_bytes: 0, stderr_bytes: 0 }]) {
    const r = await request(s.server.port, 'POST', `/v1/runners/laptop/jobs/${id}/report`, { token, body: { claim_id: 'c', phase: 'ended', ended } });
    assert.equal(r.status, 400, JSON.stringify(ended));
    assert.equal(r.json.error.code, 'usage_error');
  }
});

test('the runner runs its jobs on its own machine, whatever executor its config makes the default', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const root = runnerRoot(t);
  const runnerConfigFile = join(s.base, 'runner-config.toml');
  writeFileSync(runnerConfigFile, '[defaults]\nexecutor = "elsewhere"\n\n[executors.elsewhere]\ntype = "ssh"\nhost = "127.0.0.1"\nport = 9\n');
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root, env: { JOBCTL_CONFIG: runnerConfigFile } });
  const { json } = await s.run(['run', '--executor', 'laptop', '--wait', '--', 'sh', '-c', 'echo here']);
  assert.equal(json.state, 'exited', JSON.stringify(json));
  assert.equal(json.stdout_tail, 'here\n');
  const local = (await jobctl(['list', '--all'], { root, config: runnerConfigFile })).json.jobs;
  assert.equal(local.length, 1);
  assert.equal(local[0].executor, 'local');
});

test("a runner job's supervisor stops once the job's directory is removed (by hand, or with its root)", { timeout: 120_000 }, async (t) => {
  const ctx = withRoot(t);
  const { config } = runnerConfig(ctx.base, { laptop: {} });
  const { json } = await ctx.run(['run', '--executor', 'laptop', '--snapshot-after', '0', '--', 'true'], { config });
  await waitFor(async () => (await ctx.run(['status', json.job_id], { config })).json.supervisor_alive === true, { what: 'the offer' });
  const supervisor = JSON.parse(readFileSync(join(ctx.root, json.job_id, 'state.json'), 'utf8')).supervisor_pid;
  rmSync(join(ctx.root, json.job_id), { recursive: true, force: true });
  await waitFor(() => !processAlive(supervisor), { what: 'the supervisor to exit', timeoutMs: 30_000 });
});
