// Scheduling without a daemon: --after / --after-ok dependencies and --retry attempts, each
// carried out by the job's own supervisor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, runUntilRunning, supervisorGone, assertMatchesSchema } from '../helpers/jobctl.mjs';

const statusOf = async (run, id) => (await run(['status', id])).json;

/** Waits until `status` satisfies `cond`; returns that status. */
const statusWhen = (run, id, cond, what) => waitFor(async () => {
  const s = await statusOf(run, id);
  return cond(s) ? s : undefined;
}, { what });

/** A shell command that counts its attempts in `counter` and succeeds from attempt `okFrom` on. */
const counting = (counter, okFrom, failing = 'exit 1') =>
  `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; echo "attempt $n"; echo "err $n" >&2; if [ $n -lt ${okFrom} ]; then ${failing}; fi`;

function finishedEvents(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('deps: a chain A; B --after-ok A; C --after-ok B where B fails: C fails with dependency_failed, never runs', async (t) => {
  const { run, root } = withRoot(t);
  const a = (await run(['create', '--', 'sh', '-c', 'echo a'])).json.job_id;
  const b = (await run(['create', '--after-ok', a, '--', 'sh', '-c', 'echo b; exit 3'])).json.job_id;
  const c = (await run(['create', '--after-ok', b, '--', 'sh', '-c', 'echo c'])).json.job_id;
  // Started in reverse order: each waits for the one before it.
  await run(['start', '--snapshot-after', '0', c]);
  await run(['start', '--snapshot-after', '0', b]);
  await statusWhen(run, c, (s) => s.waiting_for === `job ${b}`, 'C to wait for B');
  await run(['start', '--snapshot-after', '0', a]);
  const cDone = (await run(['wait', '--timeout', '30s', c])).json;
  assert.equal(cDone.state, 'failed');
  assert.equal(cDone.error.code, 'dependency_failed');
  assert.match(cDone.error.message, new RegExp(`dependency ${b} exited with code 3`));
  assert.equal(cDone.started_at, undefined);
  assert.equal(cDone.stdout_total_bytes, 0);
  assert.equal(cDone.stderr_total_bytes, 0);
  const bDone = await statusOf(run, b);
  assert.equal(bDone.state, 'exited');
  assert.equal(bDone.exit_code, 3);
  const aDone = await statusOf(run, a);
  assert.equal(aDone.exit_code, 0);
  assert.ok(bDone.started_at >= aDone.finished_at, 'B started only after A ended');
  const cStatus = await statusOf(run, c);
  assert.equal(cStatus.waiting_for, undefined);
  assert.equal(cStatus.started_at, undefined);
  await supervisorGone(root, c);
  const event = JSON.parse(readFileSync(join(root, c, 'completion_event.json'), 'utf8'));
  assert.equal(event.state, 'failed');
  assert.equal(event.error.code, 'dependency_failed');
});

test('deps: --after runs once the dependency ended, even a failed one', async (t) => {
  const { run } = withRoot(t);
  const a = (await run(['create', '--', 'sh', '-c', 'exit 5'])).json.job_id;
  const b = (await run(['run', '--snapshot-after', '0', '--after', a, '--', 'sh', '-c', 'echo ran'])).json.job_id;
  await statusWhen(run, b, (s) => s.waiting_for === `job ${a}`, 'B to wait for A');
  await run(['start', '--snapshot-after', '0', a]);
  const done = (await run(['wait', '--timeout', '30s', b])).json;
  assert.equal(done.state, 'exited');
  assert.equal(done.exit_code, 0);
  assert.equal(done.stdout_tail, 'ran\n');
  const aDone = await statusOf(run, a);
  assert.equal(aDone.exit_code, 5);
  assert.ok(done.started_at >= aDone.finished_at, 'B started only after A ended');
});

test('deps: a waiting job shows queued + waiting_for; kill ends it killed with nothing started', async (t) => {
  const { run, root } = withRoot(t);
  const a = (await run(['create', '--', 'true'])).json.job_id;
  const b = (await run(['run', '--snapshot-after', '0', '--after-ok', a, '--', 'sh', '-c', 'echo never'])).json.job_id;
  const waiting = await statusWhen(run, b, (s) => s.waiting_for !== undefined, 'B to wait');
  assert.equal(waiting.state, 'queued');
  assert.equal(waiting.waiting_for, `job ${a}`);
  assert.equal(waiting.supervisor_pid, undefined, 'a waiting job holds no process');
  const killed = await run(['kill', b]);
  assert.equal(killed.json.state, 'killed');
  await supervisorGone(root, b);
  const after = await statusOf(run, b);
  assert.equal(after.state, 'killed');
  assert.equal(after.started_at, undefined);
  assert.equal(after.waiting_for, undefined);
  // The dependency ending later starts nothing.
  await run(['start', '--wait', a]);
  assert.equal((await statusOf(run, b)).state, 'killed');
  assert.equal((await run(['tail', b])).json.stdout_tail, '');
});

test('deps: a deleted dependency fails --after-ok and satisfies --after', async (t) => {
  const { run } = withRoot(t);
  const a = (await run(['create', '--', 'true'])).json.job_id;
  const strict = (await run(['run', '--snapshot-after', '0', '--after-ok', a, '--', 'echo', 'strict'])).json.job_id;
  const loose = (await run(['run', '--snapshot-after', '0', '--after', a, '--', 'echo', 'loose'])).json.job_id;
  await statusWhen(run, strict, (s) => s.waiting_for === `job ${a}`, 'the --after-ok job to wait');
  await statusWhen(run, loose, (s) => s.waiting_for === `job ${a}`, 'the --after job to wait');
  await run(['delete', a]);
  const s = (await run(['wait', '--timeout', '30s', strict])).json;
  assert.equal(s.state, 'failed');
  assert.equal(s.error.code, 'dependency_failed');
  assert.match(s.error.message, /was deleted/);
  const l = (await run(['wait', '--timeout', '30s', loose])).json;
  assert.equal(l.state, 'exited');
  assert.equal(l.stdout_tail, 'loose\n');
});

test('deps: a dependency whose supervisor died is seen as lost: --after-ok fails', async (t) => {
  const { run } = withRoot(t);
  const a = await runUntilRunning(run, ['--', 'sleep', '300']);
  const b = (await run(['run', '--snapshot-after', '0', '--after-ok', a.job_id, '--', 'echo', 'never'])).json.job_id;
  await statusWhen(run, b, (s) => s.waiting_for === `job ${a.job_id}`, 'B to wait for A');
  process.kill(a.supervisor_pid, 'SIGKILL');
  // Only B's supervisor looks at A: no command reconciles A meanwhile.
  const done = (await run(['wait', '--timeout', '30s', b])).json;
  assert.equal(done.state, 'failed');
  assert.equal(done.error.code, 'dependency_failed');
  assert.match(done.error.message, /was lost/);
  assert.equal((await statusOf(run, a.job_id)).state, 'lost');
});

test('retry: a job failing twice then succeeding ends exited 0 on attempt 3; earlier logs kept; job.finished once', async (t) => {
  const { run, base, root } = withRoot(t);
  const counter = join(base, 'counter');
  const events = join(base, 'events.ndjson');
  const { json } = await run(['run', '--wait', '--retry', '3', '--notify-file', events, counting(counter, 3)]);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  assert.equal(json.stdout_tail, 'attempt 3\n');
  const status = await statusOf(run, json.job_id);
  assert.equal(status.attempt, 3);
  assert.equal(status.attempts.length, 2);
  status.attempts.forEach((a, i) => {
    assert.equal(a.attempt, i + 1);
    assert.equal(a.state, 'exited');
    assert.equal(a.exit_code, 1);
    assert.ok(a.started_at && a.finished_at);
    assert.equal(readFileSync(a.stdout_log_path, 'utf8'), `attempt ${i + 1}\n`);
    assert.equal(readFileSync(a.stderr_log_path, 'utf8'), `err ${i + 1}\n`);
    assert.equal(a.stdout_log_path, join(root, json.job_id, `stdout.attempt-${i + 1}.log`));
  });
  assert.equal(readFileSync(status.stdout_log_path, 'utf8'), 'attempt 3\n');
  await supervisorGone(root, json.job_id);
  const finished = finishedEvents(events);
  assert.equal(finished.length, 1);
  assertMatchesSchema('job.finished', finished[0]);
  assert.equal(finished[0].state, 'exited');
  assert.equal(finished[0].attempt, 3);
  assert.equal(finished[0].attempts.length, 2);
});

test('retry: attempts run out: the last attempt ends the job; --retry-delay spaces them', async (t) => {
  const { run, base } = withRoot(t);
  const counter = join(base, 'counter');
  const { json } = await run(['run', '--wait', '--retry', '1', '--retry-delay', '300ms', counting(counter, 99)]);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 1);
  const status = await statusOf(run, json.job_id);
  assert.equal(status.attempt, 2);
  assert.equal(status.attempts.length, 1);
  assert.equal(status.waiting_for, undefined);
  assert.equal(readFileSync(counter, 'utf8').trim(), '2');
  const gap = Date.parse(status.started_at) - Date.parse(status.attempts[0].finished_at);
  assert.ok(gap >= 300, `the retry waited for its delay: ${gap} ms`);
});

test('retry: --retry-on timeout retries a timed-out attempt', async (t) => {
  const { run, base } = withRoot(t);
  const counter = join(base, 'counter');
  // The second attempt (sh, a file, echo) must end within the timeout even on a loaded machine.
  const { json } = await run(['run', '--wait', '--timeout', '2s', '--retry', '1', '--retry-on', 'timeout', counting(counter, 2, 'exec sleep 30')]);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  assert.equal(json.timed_out, false);
  const status = await statusOf(run, json.job_id);
  assert.equal(status.attempt, 2);
  assert.equal(status.attempts[0].state, 'killed');
  assert.equal(status.attempts[0].signal, 'SIGTERM');
  assert.equal(status.attempts[0].timed_out, true);
});

test('retry: --retry-on timeout does not retry a nonzero exit', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--retry', '2', '--retry-on', 'timeout', '--', 'sh', '-c', 'exit 4']);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 4);
  const status = await statusOf(run, json.job_id);
  assert.equal(status.attempt, 1);
  assert.deepEqual(status.attempts, []);
});

test('retry: a user kill is never retried', async (t) => {
  const { run, root } = withRoot(t);
  const running = await runUntilRunning(run, ['--retry', '3', '--retry-on', 'any', '--', 'sleep', '300']);
  const killed = await run(['kill', running.job_id]);
  assert.equal(killed.json.state, 'killed');
  await supervisorGone(root, running.job_id);
  const status = await statusOf(run, running.job_id);
  assert.equal(status.state, 'killed');
  assert.equal(status.signal, 'SIGTERM');
  assert.equal(status.attempt, 1);
  assert.deepEqual(status.attempts, []);
});

test('retry: during --retry-delay the job is queued waiting for the retry; kill then ends it', async (t) => {
  const { run, base, root } = withRoot(t);
  const counter = join(base, 'counter');
  const events = join(base, 'events.ndjson');
  const { json } = await run(['run', '--snapshot-after', '0', '--retry', '2', '--retry-delay', '1h', '--notify-file', events, counting(counter, 99)]);
  const waiting = await statusWhen(run, json.job_id, (s) => s.attempt === 2, 'the retry to be scheduled');
  assert.equal(waiting.state, 'queued');
  assert.match(waiting.waiting_for, /^retry at \d{4}-\d\d-\d\dT/);
  assert.equal(waiting.attempts.length, 1);
  assert.equal(waiting.started_at, undefined);
  const killed = await run(['kill', json.job_id]);
  assert.equal(killed.json.state, 'killed');
  await supervisorGone(root, json.job_id);
  assert.equal(readFileSync(counter, 'utf8').trim(), '1');
  const finished = finishedEvents(events);
  assert.equal(finished.length, 1);
  assert.equal(finished[0].state, 'killed');
  assert.equal(finished[0].attempt, 2);
  assert.equal(finished[0].attempts.length, 1);
});

test('retry: --retry-on lost restarts a job whose supervisor was SIGKILLed, killing what was left of it', async (t) => {
  const { run, base, root } = withRoot(t);
  const counter = join(base, 'counter');
  const events = join(base, 'events.ndjson');
  const first = await runUntilRunning(run, ['--retry', '1', '--retry-on', 'lost', '--notify-file', events, counting(counter, 2, 'exec sleep 300')]);
  await waitFor(() => existsSync(counter), { what: 'the first attempt to count' });
  process.kill(first.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(first.supervisor_pid), { what: 'supervisor death' });
  const done = (await run(['wait', '--timeout', '30s', first.job_id])).json;
  assert.equal(done.state, 'exited');
  assert.equal(done.exit_code, 0);
  assert.equal(done.stdout_tail, 'attempt 2\n');
  assert.ok(!processAlive(first.pid), 'the lost attempt\'s process was killed');
  const status = await statusOf(run, first.job_id);
  assert.equal(status.attempt, 2);
  assert.equal(status.attempts[0].state, 'lost');
  assert.match(status.attempts[0].lost_reason, /supervisor exited/);
  assert.equal(status.attempts[0].exit_code, undefined);
  await supervisorGone(root, first.job_id);
  const finished = finishedEvents(events);
  assert.equal(finished.length, 1);
  assert.equal(finished[0].attempt, 2);
});

test('retry: --retry with a remote executor is a usage error; --retry-on without --retry too', async (t) => {
  const { run, base } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[executors.crib]\ntype = "ssh"\nhost = "127.0.0.1"\nport = 1\n');
  const remote = await run(['create', '--executor', 'crib', '--retry', '1', '--', 'true'], { config });
  assert.equal(remote.code, 2);
  assert.equal(remote.json.error.code, 'usage_error');
  assert.match(remote.json.error.message, /--retry/);
  const alone = await run(['create', '--retry-on', 'timeout', '--', 'true']);
  assert.equal(alone.code, 2);
});

test('retry: what an attempt left running in its process group is killed before the next attempt', async (t) => {
  const { run, root } = withRoot(t);
  // A duration no other process uses: the sleeps are found by it in `ps`.
  const marker = `sleep 3${String(Math.random()).slice(2, 8)}`;
  /** pgid of every live process of this test's sleeps. */
  const sleepGroups = () => execFileSync('ps', ['-eo', 'pgid=,stat=,args='], { encoding: 'utf8' }).split('\n')
    .map((l) => l.trim().split(/\s+/)).filter((f) => f.slice(2).join(' ') === marker && !f[1].startsWith('Z')).map((f) => Number(f[0]));
  t.after(() => {
    // Only the groups this test started: the last attempt's sleep outlives its job by design.
    for (const g of new Set(sleepGroups())) try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ }
  });
  const { json } = await run(['run', '--wait', '--retry', '1', '--', 'sh', '-c', `${marker} & exit 1`]);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 1);
  const status = await statusOf(run, json.job_id);
  assert.equal(status.attempt, 2);
  assert.equal(status.attempts.length, 1);
  await supervisorGone(root, json.job_id);
  const last = JSON.parse(readFileSync(join(root, json.job_id, 'state.json'), 'utf8')).pid;
  assert.ok(last > 0);
  const groups = sleepGroups();
  t.diagnostic(`sleep groups ${groups.join(',')}; last attempt's group ${last}`);
  assert.deepEqual(groups.filter((g) => g !== last), [], "no process of attempt 1's group is alive");
});
