// A caller interrupted by SIGINT, SIGTERM or SIGHUP still prints its one JSON object (the job as
// it is at that moment, `interrupted:true`) and exits 128 + the signal's number; the job, run by
// its detached supervisor, carries on untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { withRoot, assertMatchesSchema, inotifyWatching, testEnv, waitFor, processAlive, BIN, PROJECT } from '../helpers/jobctl.mjs';

/** Starts bin/jobctl; `done` resolves with its exit code, signal and stdout lines (parsed). */
function startJobctl(root, args, env = {}) {
  const child = spawn(BIN, args, { cwd: PROJECT, env: { ...testEnv(root), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = [];
  let stderr = '';
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const lines = stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n').map((l) => JSON.parse(l));
      resolve({ code, signal, stdout, stderr, lines });
    });
  });
  return { child, done };
}

/**
 * True once `pid` holds an inotify watch (on the job's state.json): it has reached the point
 * where it blocks, observing the job. (Node catches SIGINT and SIGTERM from its start, so the
 * signal mask tells nothing.)
 */
const observing = inotifyWatching;

/** The only job in `root`, once its state is `state`. */
function onlyJob(root, state) {
  return waitFor(() => {
    let ids = [];
    try { ids = readdirSync(root).filter((n) => !n.startsWith('.')); } catch { return undefined; }
    if (ids.length !== 1) return undefined;
    try {
      const s = JSON.parse(readFileSync(join(root, ids[0], 'state.json'), 'utf8'));
      return s.state === state ? { id: ids[0], ...s } : undefined;
    } catch {
      return undefined;
    }
  }, { what: `a ${state} job in ${root}` });
}

/** The job's stdout so far ('' before its log exists). */
function stdoutOf(root, id) {
  try {
    return readFileSync(join(root, id, 'stdout.log'), 'utf8');
  } catch {
    return '';
  }
}

/** A job that runs until the test creates `gate`. */
const untilGate = (gate) => ['sh', '-c', `echo started; while [ ! -e '${gate}' ]; do sleep 0.02; done; echo released`];

/** Checks the answer of an interrupted call: one JSON line, exit 128 + signal number. */
function assertInterruptedAnswer(result, signal, type) {
  assert.equal(result.signal, null, `jobctl must exit by itself, not die of ${signal}: ${result.stderr}`);
  assert.equal(result.code, 128 + constants.signals[signal]);
  assert.equal(result.lines.length, 1, `exactly one JSON line: ${result.stdout}`);
  const [answer] = result.lines;
  assertMatchesSchema(type, answer);
  assert.equal(answer.ok, true);
  assert.equal(answer.type, type);
  assert.equal(answer.interrupted, true);
  return answer;
}

/**
 * Runs `args` (which start the only job of `root`) until the job runs and the caller observes
 * it, sends `signal`, and checks the answer names the job, still running.
 */
async function interruptObservingCaller(root, args, signal, type) {
  const caller = startJobctl(root, args);
  const job = await onlyJob(root, 'running');
  await waitFor(() => observing(caller.child.pid), { what: `${args[0]} to observe the job` });
  caller.child.kill(signal);
  const answer = assertInterruptedAnswer(await caller.done, signal, type);
  assert.equal(answer.job_id, job.id);
  assert.equal(answer.state, 'running');
  return { job, answer };
}

/** Checks an interrupted stream: exit 128 + signal number, exactly one end line, last, marked. */
function assertInterruptedStream(result, signal, endType) {
  assert.equal(result.signal, null, `jobctl must exit by itself, not die of ${signal}: ${result.stderr}`);
  assert.equal(result.code, 128 + constants.signals[signal]);
  for (const line of result.lines) assertMatchesSchema(line.type, line);
  assert.equal(result.lines.filter((l) => l.type === endType).length, 1);
  const end = result.lines.at(-1);
  assert.equal(end.type, endType);
  assert.equal(end.interrupted, true);
  return end;
}

/** The interrupt did not touch the job: it still runs, and once released ends with exit 0. */
async function runsOnToItsEnd(run, id, gate) {
  assert.equal((await run(['status', id])).json.state, 'running');
  writeFileSync(gate, '');
  const { json } = await run(['wait', id, '--timeout', '60s']);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  return json;
}

test('SIGINT to run --wait prints the job id and its running state (exit 130); the job runs on to its end', async (t) => {
  const { base, root, run } = withRoot(t);
  const gate = join(base, 'gate');
  const { job } = await interruptObservingCaller(root, ['run', '--wait', '--', ...untilGate(gate)], 'SIGINT', 'run');

  // The interrupt reached the caller only: the job and its supervisor live on.
  assert.ok(processAlive(job.pid), 'the job process still runs');
  const end = await runsOnToItsEnd(run, job.id, gate);
  assert.equal(end.stdout_tail, 'started\nreleased\n');
});

test('SIGTERM to wait prints the job as it is (exit 143, wait_timed_out:false); SIGHUP to run observing prints it too (exit 129)', async (t) => {
  const { base, root, run } = withRoot(t);
  const gate = join(base, 'gate');
  const { job } = await interruptObservingCaller(root, ['run', '--snapshot-after', '1h', '--', ...untilGate(gate)], 'SIGHUP', 'run');

  const waiting = startJobctl(root, ['wait', job.id]);
  await waitFor(() => observing(waiting.child.pid), { what: 'wait to observe the job' });
  await waitFor(() => stdoutOf(root, job.id) === 'started\n', { what: 'the job to print' });
  waiting.child.kill('SIGTERM');
  const fromWait = assertInterruptedAnswer(await waiting.done, 'SIGTERM', 'wait');
  assert.equal(fromWait.job_id, job.id);
  assert.equal(fromWait.state, 'running');
  assert.equal(fromWait.wait_timed_out, false);
  assert.equal(fromWait.stdout_tail, 'started\n');

  await runsOnToItsEnd(run, job.id, gate);
});

test('SIGINT to start --wait prints the started job (type start, exit 130); it runs on', async (t) => {
  const { base, root, run } = withRoot(t);
  const gate = join(base, 'gate');
  const { json: created } = await run(['create', '--', ...untilGate(gate)]);
  await interruptObservingCaller(root, ['start', created.job_id, '--wait'], 'SIGINT', 'start');
  await runsOnToItsEnd(run, created.job_id, gate);
});

test('SIGINT to kill waiting out its grace prints what it did (sent, the job still running); the kill request stands', async (t) => {
  const { base, root, run } = withRoot(t);
  const gate = join(base, 'gate');
  // The job ignores SIGTERM: kill waits out its grace before SIGKILL.
  const { json: job } = await run(['run', '--snapshot-after', '0', '--', 'sh', '-c', `trap '' TERM; echo started; while [ ! -e '${gate}' ]; do sleep 0.02; done`]);
  await onlyJob(root, 'running');
  await waitFor(() => stdoutOf(root, job.job_id) === 'started\n', { what: 'the job to trap TERM' });
  const killer = startJobctl(root, ['kill', job.job_id, '--grace', '1h']);
  await waitFor(() => observing(killer.child.pid), { what: 'kill to wait out the grace' });
  killer.child.kill('SIGINT');
  const answer = assertInterruptedAnswer(await killer.done, 'SIGINT', 'kill');
  assert.equal(answer.job_id, job.job_id);
  assert.equal(answer.sent, true);
  assert.equal(answer.signal, 'SIGTERM');
  assert.equal(answer.state, 'running');
  const status = (await run(['status', job.job_id])).json;
  assert.equal(status.kill_requested.signal, 'SIGTERM');
  assert.equal(status.kill_requested.grace_ms, 3_600_000);
  const end = await runsOnToItsEnd(run, job.job_id, gate);
  assert.equal(end.stdout_tail, 'started\n');
});

test('SIGINT to logs --follow ends the stream with one logs_end line marked interrupted (exit 130)', async (t) => {
  const { base, root, run } = withRoot(t);
  const gate = join(base, 'gate');
  const { json: job } = await run(['run', '--snapshot-after', '0', '--', ...untilGate(gate)]);
  const follower = startJobctl(root, ['logs', job.job_id, '--follow', '20ms']);
  await waitFor(() => observing(follower.child.pid), { what: 'logs --follow to observe the job' });
  await onlyJob(root, 'running');
  await waitFor(() => stdoutOf(root, job.job_id) === 'started\n', { what: 'the job to print' });
  follower.child.kill('SIGINT');
  const result = await follower.done;
  const end = assertInterruptedStream(result, 'SIGINT', 'logs_end');
  assert.equal(end.state, 'running');
  // The log bytes the stream covered: up to the end of the last chunk printed.
  const last = result.lines.filter((l) => l.type === 'logs_chunk' && l.stream === 'stdout').at(-1);
  assert.equal(end.stdout_total_bytes, last ? last.offset + Buffer.byteLength(last.text) : 0);
  await runsOnToItsEnd(run, job.job_id, gate);
});

test('SIGTERM to logs --activity --follow ends the stream with one activity_end line marked interrupted (exit 143)', async (t) => {
  const { base, root, run } = withRoot(t);
  // The fake Claude CLI of test/fixtures/agents, slowly printing turns.
  const config = join(base, 'config.toml');
  writeFileSync(config, `[executors.local]\nclaude_path = "${join(PROJECT, 'test', 'fixtures', 'agents', 'claude')}"\n`);
  const env = { JOBCTL_CONFIG: config, FAKE_AGENT_LOG: join(base, 'record'), FAKE_AGENT_HOME: join(base, 'home'), FAKE_AGENT_DELAY: '0.02' };
  mkdirSync(env.FAKE_AGENT_LOG);
  mkdirSync(env.FAKE_AGENT_HOME);
  const { json: job } = await run(['run', '--snapshot-after', '0', '--prompt', 'scenario: slow 60'], { config, env });
  const follower = startJobctl(root, ['logs', job.job_id, '--activity', '--follow', '20ms'], env);
  await waitFor(() => observing(follower.child.pid), { what: 'logs --activity --follow to observe the job' });
  await waitFor(async () => (await run(['status', job.job_id], { config, env })).json.agent?.turns >= 1, { what: 'a turn of the agent' });
  follower.child.kill('SIGTERM');
  const result = await follower.done;
  const end = assertInterruptedStream(result, 'SIGTERM', 'activity_end');
  assert.equal(end.state, 'running');
  // Every event read was printed (beyond the first --lines): the count ends at the last one printed.
  assert.equal(end.total_events, result.lines.filter((l) => l.type === 'activity_event').at(-1)?.event.seq ?? 0);
  assert.equal((await run(['status', job.job_id], { config, env })).json.state, 'running', 'the agent runs on');
});

test('wait --timeout on a job busy printing returns wait_timed_out:true with the job still running', async (t) => {
  const { base, root, run } = withRoot(t);
  const gate = join(base, 'gate');
  const { json: job } = await run(['run', '--snapshot-after', '0', '--', 'sh', '-c', `while [ ! -e '${gate}' ]; do echo tick; done`]);
  await onlyJob(root, 'running');
  const { json, code } = await run(['wait', job.job_id, '--timeout', '300ms', '--tail-lines', '1']);
  assert.equal(code, 0);
  assert.equal(json.wait_timed_out, true);
  assert.equal(json.state, 'running');
  assert.equal(json.interrupted, undefined);
  writeFileSync(gate, '');
  assert.equal((await run(['wait', job.job_id, '--timeout', '60s'])).json.exit_code, 0);
});
