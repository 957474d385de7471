// `jobctl restart ID`: a terminal job runs again in place — same id, attempt + 1, the earlier
// attempt's logs and outcome kept as a retry keeps them; anything not terminal is invalid_state;
// two restarts at once: exactly one applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, assertMatchesSchema, supervisorGone } from '../helpers/jobctl.mjs';

test('restart runs a finished job again in place: same id, attempt 2, the first attempt kept', async (t) => {
  const { run, root, base } = withRoot(t);
  const counter = join(base, 'runs');
  writeFileSync(counter, '');
  const events = join(base, 'events.ndjson');
  // Each run appends a line: the first exits 3, the second 0.
  const script = `echo run >> ${counter}; n=$(wc -l < ${counter}); echo "out $n"; echo "err $n" >&2; [ "$n" -ge 2 ] || exit 3`;
  const first = (await run(['run', '--wait', '--notify-file', events, '--', 'sh', '-c', script])).json;
  assert.equal(first.exit_code, 3);
  const id = first.job_id;
  const again = (await run(['restart', id, '--wait'])).json;
  assertMatchesSchema('restart', again);
  assert.equal(again.job_id, id);
  assert.equal(again.state, 'exited');
  assert.equal(again.exit_code, 0);
  assert.equal(again.stdout_tail, 'out 2\n');
  const status = (await run(['status', id])).json;
  assertMatchesSchema('status', status);
  assert.equal(status.attempt, 2);
  assert.equal(status.restart_count, 1);
  assert.equal(status.attempts.length, 1);
  const [earlier] = status.attempts;
  assert.equal(earlier.attempt, 1);
  assert.equal(earlier.state, 'exited');
  assert.equal(earlier.exit_code, 3);
  assert.equal(readFileSync(earlier.stdout_log_path, 'utf8'), 'out 1\n');
  assert.equal(readFileSync(earlier.stderr_log_path, 'utf8'), 'err 1\n');
  assert.equal(readFileSync(join(root, id, 'stdout.log'), 'utf8'), 'out 2\n');
  // job.finished goes out once per run: the restarted run delivers its own.
  await supervisorGone(root, id);
  const delivered = readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(delivered.map((e) => [e.exit_code, e.attempt ?? 1]), [[3, 1], [0, 2]]);
  assert.ok(readdirSync(join(root, id)).includes('completion_event.attempt-1.json'));
  // A third run: attempt 3, two earlier attempts.
  await run(['restart', id, '--wait']);
  const third = (await run(['status', id])).json;
  assert.equal(third.attempt, 3);
  assert.deepEqual(third.attempts.map((a) => a.exit_code), [3, 0]);
  assert.equal(third.restart_count, 2);
});

test('restart of a job that is not terminal is invalid_state; unknown ids are job_not_found', async (t) => {
  const { run } = withRoot(t);
  const created = (await run(['create', '--', 'true'])).json;
  const r1 = await run(['restart', created.job_id]);
  assert.equal(r1.code, 1);
  assert.equal(r1.json.error.code, 'invalid_state');
  assert.equal(r1.json.error.details.state, 'created');
  const running = (await run(['run', '--snapshot-after', '0', '--', 'sleep', '300'])).json;
  t.after(() => run(['kill', '--signal', 'KILL', running.job_id]));
  const r2 = await run(['restart', running.job_id]);
  assert.equal(r2.json.error.code, 'invalid_state');
  assert.match(r2.json.error.message, /only a terminal job/);
  assert.equal((await run(['restart', 'zzzzzzzz'])).json.error.code, 'job_not_found');
  assert.equal((await run(['restart', running.job_id, '--snapshot-after', 'soon'])).json.error.code, 'invalid_duration');
});

test('two restarts at once: one applies, the other answers invalid_state', async (t) => {
  const { run, root } = withRoot(t);
  const job = (await run(['run', '--wait', '--', 'sh', '-c', 'echo hi'])).json;
  await supervisorGone(root, job.job_id);
  const answers = await Promise.all([0, 1, 2].map(() => run(['restart', job.job_id, '--snapshot-after', '0'])));
  const ok = answers.filter((a) => a.json.ok);
  const refused = answers.filter((a) => !a.json.ok);
  assert.equal(ok.length, 1, JSON.stringify(answers.map((a) => a.json)));
  for (const r of refused) assert.equal(r.json.error.code, 'invalid_state');
  await waitFor(async () => (await run(['status', job.job_id])).json.state === 'exited', { what: 'the restarted run to end' });
  const status = (await run(['status', job.job_id])).json;
  assert.equal(status.attempt, 2);
  assert.equal(status.attempts.length, 1);
});

test('a killed job restarts; the kill of the earlier attempt does not carry over', async (t) => {
  const { run } = withRoot(t);
  const job = (await run(['run', '--snapshot-after', '0', '--', 'sh', '-c', 'echo started; sleep 300'])).json;
  await waitFor(async () => (await run(['tail', job.job_id])).json.stdout_total_bytes > 0, { what: 'output' });
  await run(['kill', job.job_id, '--signal', 'KILL']);
  await waitFor(async () => (await run(['status', job.job_id])).json.state === 'killed', { what: 'the kill' });
  const again = (await run(['restart', job.job_id, '--snapshot-after', '0'])).json;
  t.after(() => run(['kill', '--signal', 'KILL', job.job_id]));
  const status = await waitFor(async () => {
    const s = (await run(['status', job.job_id])).json;
    return s.state === 'running' ? s : undefined;
  }, { what: `${again.job_id} to run again` });
  assert.equal(status.kill_requested, undefined);
  assert.equal(status.attempts[0].state, 'killed');
});

test('a job with --retry restarted gets a fresh retry budget', async (t) => {
  const { run, root } = withRoot(t);
  const job = (await run(['run', '--wait', '--retry', '1', '--', 'sh', '-c', 'echo try; exit 1'])).json;
  assert.equal((await run(['status', job.job_id])).json.attempt, 2);
  await supervisorGone(root, job.job_id);
  await run(['restart', job.job_id, '--wait']);
  const status = (await run(['status', job.job_id])).json;
  assert.equal(status.attempt, 4, 'the restart (attempt 3) was retried once (attempt 4)');
  assert.equal(status.attempts.length, 3);
  for (const a of status.attempts) assert.ok(statSync(a.stdout_log_path).isFile());
});

test('a job whose supervisor died is recorded lost by restart itself, then runs again; a lost job whose process lives is refused', async (t) => {
  const { run } = withRoot(t);
  const job = (await run(['run', '--snapshot-after', '0', '--', 'sh', '-c', 'echo up; sleep 300'])).json;
  const status = await waitFor(async () => {
    const s = (await run(['status', job.job_id])).json;
    return s.state === 'running' && s.pid && s.supervisor_pid ? s : undefined;
  }, { what: 'the job to run' });
  process.kill(status.supervisor_pid, 'SIGKILL');
  await waitFor(() => { try { process.kill(status.supervisor_pid, 0); return false; } catch { return true; } }, { what: 'the supervisor to die' });
  // The process still runs: running it again next to it is refused.
  const refused = (await run(['restart', job.job_id])).json;
  assert.equal(refused.error.code, 'invalid_state');
  assert.match(refused.error.message, /still running; kill it first/);
  process.kill(-status.pid, 'SIGKILL');
  await waitFor(() => { try { process.kill(status.pid, 0); return false; } catch { return true; } }, { what: 'the process to die' });
  const again = (await run(['restart', job.job_id, '--snapshot-after', '0'])).json;
  t.after(() => run(['kill', '--signal', 'KILL', job.job_id]));
  assert.ok(['queued', 'running'].includes(again.state), JSON.stringify(again));
  const after = (await run(['status', job.job_id])).json;
  assert.equal(after.attempts[0].state, 'lost');
});
