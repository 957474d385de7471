// Runner executors: `jobctl serve` offers the jobs of `[executors.NAME] type = "runner"` and a
// `jobctl runner` in its own root pulls, runs and reports them (docs/runners.md). Real server,
// real runner processes, real local supervisors on the runner's side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, jobctl, supervisorGone } from '../helpers/jobctl.mjs';
import { startServe, request } from '../helpers/serve.mjs';
import { readText, runnerConfig, runnerRoot, startRunner } from '../helpers/runner.mjs';
import { FAKE_AGENTS_DIR } from '../helpers/fake-agents.mjs';

/** A server with runner executors; returns the test's root, `run` with the config, the server. */
async function setup(t, runners) {
  const ctx = withRoot(t);
  const { config, tokens } = runnerConfig(ctx.base, runners);
  const server = await startServe(t, ctx.root, { env: { JOBCTL_CONFIG: config } });
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts });
  return { ...ctx, config, tokens, server, run };
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const statusOf = async (run, id) => (await run(['status', id])).json;

test('a runner pulls its job: queued waiting for it until then, the output byte for byte, the exit code, one job.finished', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: { labels: ['gpu'] } });
  // ~590 KB on stdout (several report chunks), a line on stderr, exit 3.
  const { json } = await s.run(['run', '--executor', 'laptop', '--snapshot-after', '0', '--', 'sh', '-c', 'seq 1 100000; echo oops >&2; exit 3']);
  const queued = await waitFor(async () => {
    const st = await statusOf(s.run, json.job_id);
    return st.waiting_for !== undefined && st;
  }, { what: 'the job to wait for its runner' });
  assert.equal(queued.state, 'queued');
  assert.equal(queued.waiting_for, 'runner laptop');

  const root = runnerRoot(t);
  const runner = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root, args: ['--label', 'gpu'] });
  assert.equal(runner.ready.name, 'laptop');
  const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(done.exit_code, 3);
  const expected = Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('');
  assert.equal(readFileSync(join(s.root, json.job_id, 'stdout.log'), 'utf8'), expected);
  assert.equal(readFileSync(join(s.root, json.job_id, 'stderr.log'), 'utf8'), 'oops\n');
  const status = await statusOf(s.run, json.job_id);
  assert.equal(status.remote.host, 'laptop');
  assert.equal(status.executor, 'laptop');
  const finished = (await s.run(['events', '--job', json.job_id, '--type', 'job.finished'])).json;
  assert.equal(finished.events.length, 1);

  // On the runner: one local job, named after the server's, run once.
  const local = (await jobctl(['list', '--all'], { root })).json;
  assert.equal(local.jobs.length, 1);
  assert.equal(local.jobs[0].name, `runner:${json.job_id}`);
  assert.equal(local.jobs[0].exit_code, 3);
  // The runner forgets the job once the server holds all of it.
  await waitFor(async () => (await jobctl(['list', '--all'], { root })).json.jobs.length === 1 && !readdirSafe(join(root, '.runner')).some((n) => n.endsWith('.json')), { what: 'the runner to forget the job' });

  const executors = (await s.run(['executors'])).json.executors;
  const laptop = executors.find((e) => e.name === 'laptop');
  assert.equal(laptop.type, 'runner');
  assert.ok(Date.now() - Date.parse(laptop.last_contact) < 30_000, JSON.stringify(laptop));
  assert.match(laptop.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(laptop.runner_labels, ['gpu']);
});


test('kill: a job no runner claimed yet ends killed without running; a running one is signalled on the runner', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {}, idle: {} });
  const waiting = (await s.run(['run', '--executor', 'idle', '--snapshot-after', '0', '--', 'sh', '-c', 'echo never'])).json;
  await waitFor(async () => (await statusOf(s.run, waiting.job_id)).waiting_for === 'runner idle', { what: 'the offer to idle' });
  const killedQueued = (await s.run(['kill', waiting.job_id])).json;
  assert.equal(killedQueued.state, 'killed', JSON.stringify(killedQueued));
  const st = await statusOf(s.run, waiting.job_id);
  assert.equal(st.started_at, undefined, 'it never started');
  assert.equal(st.exit_code, undefined);

  const root = runnerRoot(t);
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const { json } = await s.run(['run', '--executor', 'laptop', '--snapshot-after', '0', '--', 'sh', '-c', 'echo up; exec sleep 300']);
  await waitFor(() => readText(join(s.root, json.job_id, 'stdout.log')) === 'up\n', { timeoutMs: 30_000, what: 'the job to run on the runner' });
  const killed = (await s.run(['kill', json.job_id])).json;
  assert.equal(killed.state, 'killed', JSON.stringify(killed));
  assert.equal(killed.job.signal, 'SIGTERM');
  const local = (await jobctl(['list', '--all'], { root })).json.jobs;
  assert.equal(local.length, 1);
  assert.equal(local[0].state, 'killed');
  assert.equal(local[0].signal, 'SIGTERM');
});

test('refused, nothing changed: a wrong token, a name not in the config, a client token, a runner token on client routes, a report for a job not held', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {}, other: {} });
  const root = runnerRoot(t);
  const wrong = await startRunner(t, { server: s.server.url, token: s.tokens.other, name: 'laptop', root, expectFailure: true });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.json.error.code, 'unauthorized');
  const unknown = await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'nobody', root, expectFailure: true });
  assert.equal(unknown.json.error.code, 'unauthorized');
  const clientToken = await startRunner(t, { server: s.server.url, token: s.server.ready.token_file, name: 'laptop', root, expectFailure: true });
  assert.equal(clientToken.json.error.code, 'unauthorized');
  assert.match(clientToken.json.error.message, /client token/);

  const runnerToken = readFileSync(s.tokens.laptop, 'utf8').trim();
  const asClient = await request(s.server.port, 'GET', '/v1/jobs', { token: runnerToken });
  assert.equal(asClient.status, 401, 'a runner token is no client token');

  // A job offered to `other`: laptop can neither claim nor report it.
  const { json } = await s.run(['run', '--executor', 'other', '--snapshot-after', '0', '--', 'echo', 'hi']);
  await waitFor(async () => (await statusOf(s.run, json.job_id)).waiting_for === 'runner other', { what: 'the offer' });
  const before = readFileSync(join(s.root, json.job_id, 'state.json'), 'utf8');
  const claim = await request(s.server.port, 'POST', '/v1/runners/laptop/claim', { token: runnerToken, body: { job_id: json.job_id, claim_id: 'c1' } });
  assert.equal(claim.status, 404);
  assert.equal(claim.json.error.code, 'job_not_found');
  const report = await request(s.server.port, 'POST', `/v1/runners/laptop/jobs/${json.job_id}/report`, { token: runnerToken, body: { claim_id: 'c1', phase: 'ended', ended: { exit_code: 0, stdout_bytes: 0, stderr_bytes: 0 } } });
  assert.equal(report.status, 404);
  const otherToken = readFileSync(s.tokens.other, 'utf8').trim();
  const unclaimed = await request(s.server.port, 'POST', `/v1/runners/other/jobs/${json.job_id}/report`, { token: otherToken, body: { claim_id: 'c1', phase: 'running', stdout: { offset: 0, data: Buffer.from('forged').toString('base64') } } });
  assert.equal(unclaimed.status, 409, 'reporting a job it has not claimed');
  const poll = await request(s.server.port, 'GET', '/v1/runners/laptop/poll?wait=0', { token: otherToken });
  assert.equal(poll.status, 401, "another runner's token");
  assert.equal(readFileSync(join(s.root, json.job_id, 'state.json'), 'utf8'), before, 'the job is untouched');
  assert.equal(readText(join(s.root, '.runners', 'jobs', json.job_id, 'stdout')), '', 'no output stored');
  await s.run(['kill', json.job_id]);
  await supervisorGone(s.root, json.job_id);
});

test('an agent job runs on the runner like any job; the server builds its activity record from the copied output', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: { extra: `claude_path = "${join(FAKE_AGENTS_DIR, 'claude')}"` } });
  const root = runnerRoot(t);
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root, env: { CLAUDECODE: undefined, IS_SANDBOX: undefined } });
  const record = join(s.base, 'record');
  const fakeEnv = ['--env', `FAKE_AGENT_HOME=${join(s.base, 'agent-home')}`, '--env', `FAKE_AGENT_LOG=${record}`, '--env', 'FAKE_AGENT_DELAY=0.02', '--env', 'FAKE_AGENT_UID=1000'];
  const prompt = "scenario: success\nWork on the runner; keep 'quotes', $(subshells) and \"double quotes\".\n";
  const { json } = await s.run(['run', '--executor', 'laptop', ...fakeEnv, '--max-turns', '6', '--prompt', prompt, '--wait']);
  assert.equal(json.state, 'exited', JSON.stringify(json));
  assert.equal(json.exit_code, 0, json.stderr_tail);
  await supervisorGone(s.root, json.job_id);
  const status = await statusOf(s.run, json.job_id);
  assert.equal(status.payload, 'agent:claude');
  assert.equal(status.agent.outcome, 'success', JSON.stringify(status.agent));
  assert.ok(status.agent.turns >= 2 && status.agent.tool_calls >= 2, JSON.stringify(status.agent));
  // The prompt reached the agent on the runner byte for byte, on its stdin.
  const prompts = readdirSync(record).filter((f) => f.endsWith('.prompt'));
  assert.equal(prompts.length, 1);
  assert.equal(readFileSync(join(record, prompts[0]), 'utf8'), prompt);
});

test('secrets: a masked value reaches the job on the runner but neither side\'s meta.json; the offer is 0600', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, { laptop: {} });
  const root = runnerRoot(t);
  await startRunner(t, { server: s.server.url, token: s.tokens.laptop, name: 'laptop', root });
  const secret = 's3cr3t-runner-value';
  const { json } = await s.run(['run', '--executor', 'laptop', '--env', 'PLAIN=visible', '--env', `SECRET=${secret}`, '--mask', 'SECRET', '--wait', '--', 'sh', '-c', `[ "\${#SECRET}" = ${secret.length} ] && [ "\${SECRET#s3cr3t-}" != "$SECRET" ] && [ "$PLAIN" = visible ] && echo ok`]);
  assert.equal(json.state, 'exited', JSON.stringify(json));
  assert.equal(json.exit_code, 0);
  assert.equal(json.stdout_tail, 'ok\n');
  const local = (await jobctl(['list', '--all'], { root })).json.jobs[0];
  const localMeta = readFileSync(join(root, local.job_id, 'meta.json'), 'utf8');
  assert.ok(!localMeta.includes(secret), 'not in the runner\'s meta.json');
  assert.ok(localMeta.includes('visible'));
  assert.equal(statSync(join(root, local.job_id, 'secrets.json')).mode & 0o777, 0o600);
  assert.ok(!readFileSync(join(s.root, json.job_id, 'meta.json'), 'utf8').includes(secret));
  assert.equal(statSync(join(s.root, '.runners', 'jobs', json.job_id, 'offer.json')).mode & 0o777, 0o600);
});

test('bad input: runner flags and runner executor keys are refused with a clear code', async (t) => {
  const { base, root, run } = withRoot(t);
  const token = join(base, 'short.token');
  writeFileSync(token, 'short\n');
  const good = join(base, 'good.token');
  writeFileSync(good, 'a-token-long-enough-0123456789\n');
  const cases = [
    [[], /--server URL is required/],
    [['--server', 'ftp://x', '--token-file', token, '--name', 'a'], /http:\/\/ or https:\/\//],
    [['--server', 'http://127.0.0.1:9', '--token-file', join(base, 'missing'), '--name', 'a'], /--token-file/],
    [['--server', 'http://127.0.0.1:9', '--token-file', token, '--name', 'a'], /at least 16 characters/],
    [['--server', 'http://127.0.0.1:9', '--token-file', good, '--name', '../etc'], /--name/],
    [['--server', 'http://127.0.0.1:9', '--token-file', good, '--name', 'a', '--poll-wait', '10ms'], /--poll-wait must be at least 1s/],
    [['--server', 'http://127.0.0.1:9', '--token-file', good, '--name', 'a', '--poll-wait', '0'], /--poll-wait must be at least 1s/],
  ];
  for (const [args, message] of cases) {
    const r = await run(['runner', ...args]);
    assert.equal(r.code, 2, JSON.stringify(r.json));
    assert.equal(r.json.error.code, 'usage_error');
    assert.match(r.json.error.message, message);
  }
  for (const [table, key] of [['type = "runner"', /token_file/], ['type = "runner"\ntoken_file = "relative"', /token_file/], [`type = "runner"\ntoken_file = "${token}"\nlease = "2s"`, /lease/]]) {
    const config = join(base, 'bad.toml');
    writeFileSync(config, `[executors.r]\n${table}\n`);
    const r = await run(['executors'], { config });
    assert.equal(r.json.error.code, 'config_error', JSON.stringify(r.json));
    assert.match(r.json.error.message, key);
  }
  assert.deepEqual(readdirSafe(root).filter((n) => !n.startsWith('.')), [], 'no job was made');
});
