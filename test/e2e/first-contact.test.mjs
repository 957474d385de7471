// What a new user hits first: warnings for bare integer durations, the effective limits in
// answers, what the default list scope left out, --name lookup, and control signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, runUntilRunning, waitFor } from '../helpers/jobctl.mjs';

const TRAP_HUP = 'trap "echo got-hup" HUP; while :; do sleep 0.1; done';

test('a bare integer duration warns on run, create, wait, kill and gc; units and 0 do not', async (t) => {
  const { run } = withRoot(t);
  const ran = await run(['run', '--timeout', '600', '--snapshot-after', '5s', '--', 'true']);
  assert.deepEqual(ran.json.warnings, ['--timeout 600 is 600 ms; write 600s for seconds, 600ms for milliseconds']);
  const created = await run(['create', '--kill-after', '3000', '--retry', '1', '--retry-delay', '100', '--', 'true']);
  assert.deepEqual(created.json.warnings, [
    '--kill-after 3000 is 3000 ms; write 3000s for seconds, 3000ms for milliseconds',
    '--retry-delay 100 is 100 ms; write 100s for seconds, 100ms for milliseconds',
  ]);
  const waited = await run(['wait', ran.json.job_id, '--timeout', '50']);
  assert.match(waited.json.warnings[0], /^--timeout 50 is 50 ms; write 50s for seconds/);
  const killed = await run(['kill', ran.json.job_id, '--grace', '200']);
  assert.match(killed.json.warnings[0], /^--grace 200 is 200 ms/);
  const gc = await run(['gc', '--dry-run', '--older-than', '1000']);
  assert.match(gc.json.warnings[0], /^--older-than 1000 is 1000 ms/);
  const snapshot = await run(['run', '--snapshot-after', '3000', '--', 'true']);
  assert.match(snapshot.json.warnings[0], /^--snapshot-after 3000 is 3000 ms/);
  // Units, and 0 (the same in every unit), are not risky: no `warnings` at all.
  for (const args of [
    ['run', '--timeout', '5s', '--kill-after', '1s', '--snapshot-after', '0', '--', 'true'],
    ['create', '--timeout', '600ms', '--', 'true'],
    ['wait', ran.json.job_id, '--timeout', '5s'],
    ['kill', ran.json.job_id, '--grace', '1s'],
    ['gc', '--dry-run', '--older-than', '30d'],
  ]) {
    const r = await run(args);
    assert.equal(r.json.ok, true, args.join(' '));
    assert.equal('warnings' in r.json, false, args.join(' '));
  }
});

test('run, create, wait and status show the effective timeout_ms and kill_after_ms', async (t) => {
  const { run } = withRoot(t);
  const ran = await run(['run', '--timeout', '10s', '--snapshot-after', '5s', '--', 'true']);
  assert.equal(ran.json.timeout_ms, 10_000);
  assert.equal(ran.json.kill_after_ms, 5000);
  const status = await run(['status', ran.json.job_id]);
  assert.equal(status.json.timeout_ms, 10_000);
  assert.equal(status.json.kill_after_ms, 5000);
  const created = await run(['create', '--kill-after', '2s', '--', 'true']);
  assert.equal('timeout_ms' in created.json, false);
  assert.equal(created.json.kill_after_ms, 2000);
  const createdStatus = await run(['status', created.json.job_id]);
  assert.equal('timeout_ms' in createdStatus.json, false);
  assert.equal(createdStatus.json.kill_after_ms, 2000);
  const waited = await run(['wait', ran.json.job_id]);
  assert.equal(waited.json.timeout_ms, 10_000);
});

test('list in the default scope says how many matching jobs other directories hold; --all and --cwd do not', async (t) => {
  const { run, base } = withRoot(t);
  const here = join(base, 'here');
  const there = join(base, 'there');
  mkdirSync(here);
  mkdirSync(there);
  await run(['create', '--tag', 'a', '--', 'true'], { cwd: there });
  await run(['create', '--tag', 'b', '--', 'true'], { cwd: there });
  const empty = await run(['list'], { cwd: here });
  assert.equal(empty.json.count, 0);
  assert.equal(empty.json.other_jobs, 2);
  assert.equal(empty.json.hint, '2 jobs in other directories: use --all or --cwd DIR');
  // The other filters apply to the count too.
  const tagged = await run(['list', '--tag', 'a'], { cwd: here });
  assert.equal(tagged.json.other_jobs, 1);
  assert.equal(tagged.json.hint, '1 job in another directory: use --all or --cwd DIR');
  const none = await run(['list', '--tag', 'zzz'], { cwd: here });
  assert.equal('other_jobs' in none.json, false);
  assert.equal('hint' in none.json, false);
  const jsonl = await run(['list', '--jsonl'], { cwd: here });
  assert.equal(jsonl.json.type, 'list_end');
  assert.equal(jsonl.json.other_jobs, 2);
  // A job here: listed, and the others still counted.
  await run(['create', '--', 'true'], { cwd: here });
  const mixed = await run(['list'], { cwd: here });
  assert.equal(mixed.json.count, 1);
  assert.equal(mixed.json.other_jobs, 2);
  for (const args of [['list', '--all'], ['list', '--cwd', here]]) {
    const r = await run(args, { cwd: here });
    assert.equal('other_jobs' in r.json, false, args.join(' '));
    assert.equal('hint' in r.json, false, args.join(' '));
  }
  assert.equal((await run(['list', '--all'], { cwd: here })).json.count, 3);
});

test('--name takes the newest job with that name wherever an id is taken; list --name filters exactly', async (t) => {
  const { run } = withRoot(t);
  const older = await runUntilRunning(run, ['--name', 'build', '--', 'sh', '-c', 'echo older; sleep 30']);
  const newer = await runUntilRunning(run, ['--name', 'build', '--', 'sh', '-c', 'echo newer; sleep 30']);
  await run(['create', '--name', 'build-2', '--', 'true']);
  const status = await run(['status', '--name', 'build']);
  assert.equal(status.json.job_id, newer.job_id);
  const tail = await waitFor(async () => {
    const r = await run(['tail', '--name', 'build']);
    return r.json.stdout_tail === 'newer\n' ? r : undefined;
  }, { what: 'the newer job\'s output' });
  assert.equal(tail.json.job_id, newer.job_id);
  const killed = await run(['kill', '--name', 'build']);
  assert.equal(killed.json.job_id, newer.job_id);
  assert.equal(killed.json.state, 'killed');
  assert.equal((await run(['status', older.job_id])).json.state, 'running');
  const listed = await run(['list', '--name', 'build']);
  assert.deepEqual(listed.json.jobs.map((j) => j.job_id), [newer.job_id, older.job_id]);
  const missing = await run(['status', '--name', 'nope']);
  assert.equal(missing.code, 1);
  assert.equal(missing.json.error.code, 'job_not_found');
  const both = await run(['status', older.job_id, '--name', 'build']);
  assert.equal(both.code, 2);
  assert.equal(both.json.error.code, 'usage_error');
  await run(['kill', older.job_id, '--grace', '1s']);
});

test('kill --signal HUP delivers it and returns: nothing recorded, no escalation; a later TERM ends the job', async (t) => {
  const { run } = withRoot(t);
  const job = await runUntilRunning(run, ['--', 'sh', '-c', TRAP_HUP]);
  const hup = await run(['kill', job.job_id, '--signal', 'HUP']);
  assert.equal(hup.json.sent, true);
  assert.equal(hup.json.signal, 'SIGHUP');
  assert.equal(hup.json.state, 'running');
  await waitFor(async () => (await run(['tail', job.job_id])).json.stdout_tail.includes('got-hup'), { what: 'the trap to print got-hup' });
  const status = await run(['status', job.job_id]);
  assert.equal(status.json.state, 'running');
  assert.equal('kill_requested' in status.json, false);
  // Still the same process: the trap runs again.
  await run(['kill', job.job_id, '--signal', 'SIGHUP']);
  await waitFor(async () => (await run(['tail', job.job_id])).json.stdout_tail === 'got-hup\ngot-hup\n', { what: 'a second got-hup' });
  const term = await run(['kill', job.job_id, '--signal', 'TERM']);
  assert.equal(term.json.state, 'killed');
  assert.equal(term.json.job.signal, 'SIGTERM');
});

test('kill --signal HUP --grace escalates to SIGKILL when the job survives HUP', async (t) => {
  const { run } = withRoot(t);
  const job = await runUntilRunning(run, ['--', 'sh', '-c', TRAP_HUP]);
  const killed = await run(['kill', job.job_id, '--signal', 'HUP', '--grace', '1s']);
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.job.signal, 'SIGKILL');
});

test('a job ended by a control signal is not a user kill: its retry still runs', async (t) => {
  const { run } = withRoot(t);
  const job = await runUntilRunning(run, ['--retry', '1', '--', 'sh', '-c', 'sleep 30']);
  const usr1 = await run(['kill', job.job_id, '--signal', 'USR1']);
  assert.equal(usr1.json.sent, true);
  const second = await waitFor(async () => {
    const s = (await run(['status', job.job_id])).json;
    return s.attempt === 2 && s.state === 'running' ? s : undefined;
  }, { what: 'the second attempt' });
  assert.equal(second.attempts[0].signal, 'SIGUSR1');
  const term = await run(['kill', job.job_id]);
  assert.equal(term.json.state, 'killed');
});

test('kill --signal HUP on a queued job sends nothing and says so', async (t) => {
  const { run } = withRoot(t);
  const dep = await run(['create', '--', 'true']);
  const queued = await run(['run', '--after', dep.json.job_id, '--snapshot-after', '0', '--', 'true']);
  await waitFor(async () => (await run(['status', queued.json.job_id])).json.waiting_for !== undefined, { what: 'the job to wait for its dependency' });
  const hup = await run(['kill', queued.json.job_id, '--signal', 'HUP']);
  assert.equal(hup.json.sent, false);
  assert.equal(hup.json.state, 'queued');
  assert.deepEqual(hup.json.warnings, ['job is queued: no process to send SIGHUP to']);
  assert.equal((await run(['kill', queued.json.job_id])).json.state, 'killed');
});
