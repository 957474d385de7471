// Faults between a runner and its server, with real processes: the runner SIGKILLed mid-job and
// started again on its root, the server SIGKILLed mid-job and started again on its port, and a
// runner never seen again (its job becomes `lost` once the lease ends, never `exited`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, jobctl } from '../helpers/jobctl.mjs';
import { startServe } from '../helpers/serve.mjs';
import { numberedLines, readText, runnerConfig, runnerRoot, startRunner } from '../helpers/runner.mjs';

const LINES = 160;
/** About 8 s of numbered lines (after one line in $COUNT saying it ran), then a last line without a newline. */
const LINES_JOB = numberedLines(LINES, 50, 0.05);
const SCRIPT = `echo ran >> "$COUNT"; ${LINES_JOB.script}`;
const EXPECTED = LINES_JOB.expected;

async function setup(t, runners) {
  const ctx = withRoot(t);
  const { config, tokens } = runnerConfig(ctx.base, runners);
  const serveEnv = { JOBCTL_CONFIG: config };
  const server = await startServe(t, ctx.root, { env: serveEnv });
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts });
  const count = join(ctx.base, 'count');
  return { ...ctx, config, tokens, server, serveEnv, run, count };
}

/** The job ended once, with every byte, and ran once on the runner. */
async function assertOnce(s, id, root) {
  const done = (await s.run(['wait', id, '--timeout', '90s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(done.exit_code, 0);
  const got = readFileSync(join(s.root, id, 'stdout.log'), 'utf8');
  assert.equal(got.length, EXPECTED.length, 'no byte lost, none duplicated');
  assert.equal(got, EXPECTED);
  assert.equal(readText(s.count), 'ran\n', 'the command ran once');
  assert.equal((await s.run(['events', '--job', id, '--type', 'job.finished'])).json.events.length, 1);
  assert.equal((await jobctl(['list', '--all'], { root })).json.jobs.length, 1, 'one local job on the runner');
}

test('the runner SIGKILLed mid-job and started again re-attaches: the logs are byte-identical, the job ends once', { timeout: 150_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const root = runnerRoot(t);
  const first = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const { json } = await s.run(['run', '--executor', 'laptop', '--env', `COUNT=${s.count}`, '--snapshot-after', '0', '--', 'sh', '-c', SCRIPT]);
  const serverLog = join(s.root, json.job_id, 'stdout.log');
  await waitFor(() => readText(serverLog).includes('line 10 '), { timeoutMs: 30_000, what: 'the first lines on the server' });
  await first.stop('SIGKILL');
  // The job runs on without its runner: its local log grows past what the server has.
  const local = (await jobctl(['list', '--all'], { root })).json.jobs[0];
  const localLog = join(root, local.job_id, 'stdout.log');
  const copied = readText(serverLog).length;
  await waitFor(() => readText(localLog).length > copied + 500, { timeoutMs: 30_000, what: 'the job to print while its runner is gone' });
  const second = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  assert.equal(second.ready.held, 1, 'it takes up the job its root records');
  await assertOnce(s, json.job_id, root);
});

test('the server SIGKILLed mid-job and started again: the runner keeps the job, resumes reporting, nothing lost', { timeout: 150_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const root = runnerRoot(t);
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const { json } = await s.run(['run', '--executor', 'laptop', '--env', `COUNT=${s.count}`, '--snapshot-after', '0', '--', 'sh', '-c', SCRIPT.replace('sleep 0.05', 'sleep 0.1')]);
  const serverLog = join(s.root, json.job_id, 'stdout.log');
  await waitFor(() => readText(serverLog).includes('line 10 '), { timeoutMs: 30_000, what: 'the first lines on the server' });
  await s.server.stop('SIGKILL');
  // Its supervisor (a process of its own) hears nothing from the runner and says so.
  const unreachable = await waitFor(async () => {
    const st = (await s.run(['status', json.job_id])).json;
    assert.equal(st.state, 'running', 'a silent runner does not end the job');
    return st.remote_unreachable;
  }, { timeoutMs: 30_000, intervalMs: 250, what: 'remote_unreachable' });
  assert.match(unreachable.error, /runner laptop not heard from/);
  await startServe(t, s.root, { env: s.serveEnv, listen: `127.0.0.1:${s.server.port}` });
  await assertOnce(s, json.job_id, root);
  assert.equal((await s.run(['status', json.job_id])).json.remote_unreachable, undefined);
});

test('a runner never seen again: its job becomes lost with a reason once the lease ends, never exited; a late runner is refused and stops its copy', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: { lease: '8s' } });
  const root = runnerRoot(t);
  const runner = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const { json } = await s.run(['run', '--executor', 'laptop', '--snapshot-after', '0', '--', 'sh', '-c', 'echo up; exec sleep 300']);
  await waitFor(() => readText(join(s.root, json.job_id, 'stdout.log')) === 'up\n', { timeoutMs: 30_000, what: 'the job to run' });
  await runner.stop('SIGKILL');
  const lost = (await s.run(['wait', json.job_id, '--timeout', '90s'])).json;
  assert.equal(lost.state, 'lost', JSON.stringify(lost));
  assert.equal(lost.exit_code, undefined, 'no invented exit code');
  const status = (await s.run(['status', json.job_id])).json;
  assert.match(status.lost_reason, /runner laptop was not heard from .*lease 8s/);
  // The local job still runs on the runner; a runner started again on its root reports it, is
  // refused (the job ended on the server) and stops it: no report revives a lost job.
  assert.equal((await jobctl(['list', '--all'], { root })).json.jobs[0].state, 'running');
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const stopped = await waitFor(async () => {
    const job = (await jobctl(['list', '--all'], { root })).json.jobs[0];
    return job.state !== 'running' && job;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'the runner to stop the local job' });
  assert.equal(stopped.state, 'killed');
  assert.equal((await s.run(['status', json.job_id])).json.state, 'lost', 'the late report changed nothing');
  assert.equal(readText(join(s.root, json.job_id, 'stdout.log')), 'up\n');
});

test('the server down longer than the lease: the job is not lost (nobody was there to hear the silence); the runner resumes and nothing is lost', { timeout: 150_000 }, async (t) => {
  const s = await setup(t, { laptop: { lease: '6s' } });
  const root = runnerRoot(t);
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const { json } = await s.run(['run', '--executor', 'laptop', '--env', `COUNT=${s.count}`, '--snapshot-after', '0', '--', 'sh', '-c', SCRIPT]);
  const serverLog = join(s.root, json.job_id, 'stdout.log');
  await waitFor(() => readText(serverLog).includes('line 10 '), { timeoutMs: 30_000, what: 'the first lines on the server' });
  await s.server.stop('SIGKILL');
  const downAt = Date.now();
  // Down for well past the lease (6 s): the job stays running.
  await waitFor(async () => {
    const st = (await s.run(['status', json.job_id])).json;
    assert.equal(st.state, 'running', JSON.stringify(st));
    return Date.now() - downAt > 11_000;
  }, { timeoutMs: 60_000, intervalMs: 500, what: 'the server to stay down past the lease' });
  await startServe(t, s.root, { env: s.serveEnv, listen: `127.0.0.1:${s.server.port}` });
  await assertOnce(s, json.job_id, root);
});
