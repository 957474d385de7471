import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, runUntilRunning, testEnv, BIN } from '../helpers/jobctl.mjs';
import { spawn } from 'node:child_process';

test('create persists a definition; start launches it once; a second start is invalid_state', async (t) => {
  const { run } = withRoot(t);
  const created = await run(['create', '--name', 'greeting', '--', 'echo', 'later']);
  assert.equal(created.json.type, 'create');
  assert.equal(created.json.state, 'created');
  const id = created.json.job_id;
  const before = await run(['status', id]);
  assert.equal(before.json.state, 'created');
  assert.equal(before.json.name, 'greeting');
  const started = await run(['start', '--wait', id]);
  assert.equal(started.json.type, 'start');
  assert.equal(started.json.state, 'exited');
  assert.equal(started.json.stdout_tail, 'later\n');
  const again = await run(['start', id]);
  assert.equal(again.code, 1);
  assert.equal(again.json.error.code, 'invalid_state');
});

test('wait blocks through created until the job ends; --timeout is a success with wait_timed_out', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['create', '--', 'sh', '-c', 'echo waited']);
  const waiting = run(['wait', '--timeout', '60s', '--task-id', json.job_id]);
  const early = await run(['wait', '--timeout', '200ms', json.job_id]);
  assert.equal(early.json.wait_timed_out, true);
  assert.equal(early.json.state, 'created');
  await run(['start', '--snapshot-after', '0', json.job_id]);
  const done = await waiting;
  assert.equal(done.json.wait_timed_out, false);
  assert.equal(done.json.state, 'exited');
  assert.equal(done.json.stdout_tail, 'waited\n');
});

test('kill sends TERM to the whole process tree: grandchildren are gone too', async (t) => {
  const { run, base } = withRoot(t);
  const pids = join(base, 'pids');
  const { json } = await run(['run', '--snapshot-after', '0', `sleep 300 & echo $! > ${pids}; sh -c 'sleep 300 & echo $! >> ${pids}; wait' & wait`]);
  const grandchildren = await waitFor(() => {
    try {
      const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      return list.length === 2 ? list : undefined;
    } catch {
      return undefined;
    }
  }, { what: 'grandchild pids' });
  grandchildren.forEach((pid) => assert.ok(processAlive(pid)));
  const killed = await run(['kill', json.job_id]);
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.sent, true);
  assert.equal(killed.json.signal, 'SIGTERM');
  await waitFor(() => grandchildren.every((pid) => !processAlive(pid)), { what: 'grandchildren to exit' });
  const status = await run(['status', json.job_id]);
  assert.equal(status.json.state, 'killed');
  assert.equal(status.json.signal, 'SIGTERM');
  assert.equal(status.json.timed_out, false);
  assert.equal(status.json.pid, undefined);
});

test('kill --grace escalates to SIGKILL when TERM is ignored; --signal takes names and numbers', async (t) => {
  const { run } = withRoot(t);
  const stubborn = await run(['run', '--snapshot-after', '0', 'trap "" TERM; echo ready; while :; do sleep 1; done']);
  await waitFor(async () => (await run(['tail', stubborn.json.job_id])).json.stdout_tail === 'ready\n', { what: 'the trap to be set' });
  const killed = await run(['kill', '--signal', 'SIGTERM', '--grace', '300ms', stubborn.json.job_id]);
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.job.signal, 'SIGKILL');
  const other = await run(['run', '--snapshot-after', '0', '--', 'sleep', '300']);
  const byNumber = await run(['kill', '--signal', '2', other.json.job_id]);
  assert.equal(byNumber.json.signal, 'SIGINT');
  assert.equal(byNumber.json.job.signal, 'SIGINT');
  const bad = await run(['kill', '--signal', 'NOPE', other.json.job_id]);
  assert.equal(bad.code, 2);
  assert.equal(bad.json.error.code, 'invalid_signal');
});

test('kill of a created job is invalid_state; of a finished job is a success that sends nothing', async (t) => {
  const { run } = withRoot(t);
  const created = await run(['create', '--', 'true']);
  const refused = await run(['kill', created.json.job_id]);
  assert.equal(refused.json.error.code, 'invalid_state');
  const done = await run(['run', '--wait', '--', 'true']);
  const noop = await run(['kill', done.json.job_id]);
  assert.equal(noop.json.sent, false);
  assert.equal(noop.json.state, 'exited');
});

test('--timeout sends TERM and records timed_out', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--timeout', '300ms', '--', 'sleep', '30']);
  assert.equal(json.state, 'killed');
  assert.equal(json.signal, 'SIGTERM');
  assert.equal(json.timed_out, true);
});

test('--timeout escalates to SIGKILL after --kill-after when TERM is ignored', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--timeout', '200ms', '--kill-after', '300ms', 'trap "" TERM; while :; do sleep 1; done']);
  assert.equal(json.state, 'killed');
  assert.equal(json.signal, 'SIGKILL');
  assert.equal(json.timed_out, true);
  assert.ok(json.duration_ms >= 450, `escalation happened after the grace: ${json.duration_ms}`);
});

test('a SIGKILLed supervisor makes the job lost at once, never with an exit code; wait returns promptly', async (t) => {
  const { run } = withRoot(t);
  const json = await runUntilRunning(run, ['--', 'sleep', '300']);
  const { pid, supervisor_pid: supervisorPid } = json;
  assert.ok(pid > 0 && supervisorPid > 0);
  const waiting = run(['wait', '--wait-poll-ms', '100', json.job_id]);
  process.kill(supervisorPid, 'SIGKILL');
  await waitFor(() => !processAlive(supervisorPid), { what: 'supervisor death' });
  // Nobody will observe how the job's process ends: lost at once, its pid shown while it lives.
  const waited = await waiting;
  const orphaned = await run(['status', json.job_id]);
  assert.equal(orphaned.json.state, 'lost');
  assert.equal(orphaned.json.supervisor_pid, undefined);
  assert.equal(orphaned.json.pid, pid);
  assert.equal(orphaned.json.process_alive, true);
  assert.match(orphaned.json.lost_reason, /still running/);
  // Deleting it would lose the only record of a running process.
  const refused = await run(['delete', json.job_id]);
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.equal(refused.json.error.retryable, false);
  assert.match(refused.json.error.message, /still running/);
  const killed = await run(['kill', '--signal', 'KILL', json.job_id]);
  assert.equal(killed.json.sent, true);
  await waitFor(() => !processAlive(pid), { what: 'the orphaned process to die' });
  assert.equal((await run(['status', json.job_id])).json.pid, undefined);
  assert.equal(waited.json.state, 'lost');
  assert.equal(waited.json.exit_code, undefined, 'no invented exit code');
  assert.equal(waited.json.signal, undefined);
  const after = await run(['status', json.job_id]);
  assert.equal(after.json.state, 'lost');
  assert.match(after.json.lost_reason, /supervisor/);
});

test('a job outlives the process group of its launcher being killed, and can be killed later', async (t) => {
  const { run, root } = withRoot(t);
  // The launcher runs in its own process group, as under a harness, and is SIGKILLed mid-run.
  const launcher = spawn(BIN, ['run', '--snapshot-after', '60s', '--', 'sh', '-c', 'echo started; sleep 300'], {
    env: testEnv(root), detached: true, stdio: 'ignore',
  });
  t.after(() => { try { process.kill(-launcher.pid, 'SIGKILL'); } catch { /* gone */ } });
  const closed = new Promise((r) => launcher.on('close', (code, signal) => r(signal)));
  const job = await waitFor(async () => {
    const { json } = await run(['list', '--all', '--state', 'running']);
    return json.jobs[0];
  }, { what: 'the job to run' });
  process.kill(-launcher.pid, 'SIGKILL');
  assert.equal(await closed, 'SIGKILL');
  const status = await run(['status', job.job_id]);
  assert.equal(status.json.state, 'running');
  assert.ok(processAlive(status.json.supervisor_pid));
  assert.ok(processAlive(status.json.pid));
  const tail = await run(['tail', job.job_id]);
  assert.equal(tail.json.stdout_tail, 'started\n');
  const killed = await run(['kill', job.job_id]);
  assert.equal(killed.json.state, 'killed');
});

test('prefix ids resolve; an ambiguous prefix lists candidates', async (t) => {
  const { run } = withRoot(t);
  const ids = [];
  for (let i = 0; i < 40; i++) ids.push((await run(['create', '--', 'true'])).json.job_id);
  const unique = ids[0].slice(0, 6);
  const byPrefix = await run(['status', unique]);
  assert.equal(byPrefix.json.job_id, ids[0]);
  // With 40 ids over 36 first characters, some first character is shared.
  const first = ids.map((id) => id[0]);
  const shared = first.find((c, i) => first.indexOf(c) !== i);
  const ambiguous = await run(['status', shared]);
  assert.equal(ambiguous.code, 1);
  assert.equal(ambiguous.json.error.code, 'ambiguous_job_id');
  assert.ok(ambiguous.json.error.details.candidates.length >= 2);
  assert.ok(ambiguous.json.error.details.candidates.every((c) => c.startsWith(shared)));
});

test('status reports the resource use of the whole process group while the job runs', async (t) => {
  const { run } = withRoot(t);
  const job = await runUntilRunning(run, ['sh -c "while :; do :; done" & sleep 300 & wait']);
  const status = await waitFor(async () => {
    const s = (await run(['status', job.job_id])).json;
    return s.resources?.cpu_seconds > 0 ? s : undefined;
  }, { what: 'measurable CPU use' });
  assert.ok(status.resources.processes >= 3, `sh, the busy loop and sleep: ${status.resources.processes}`);
  assert.ok(status.resources.rss_bytes > 0);
  assert.ok(status.resources.cpu_percent > 0);
  assert.ok(status.resources.uptime_ms > 0);
  await run(['kill', job.job_id]);
  assert.equal((await run(['status', job.job_id])).json.resources, undefined);
});
