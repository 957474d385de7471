// Fan-in: `wait ID... | --tag P [--all | --any] [--timeout D]` and `kill ID... | --tag P`, on
// real jobs. The single-id forms keep their answers (covered by lifecycle and run tests); here
// the several-job answers, their deadline, and that they wake on file events, not on the poll.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, runUntilRunning } from '../helpers/jobctl.mjs';

const idOf = async (run, args) => (await run(['run', '--snapshot-after', '0', ...args])).json.job_id;

test('wait ID ID: every job\'s summary with its state and exit code, nothing pending; one id keeps its snapshot answer', async (t) => {
  const { run } = withRoot(t);
  const a = await idOf(run, ['--', 'sh', '-c', 'exit 3']);
  const b = await idOf(run, ['--', 'sh', '-c', 'sleep 0.3; echo b']);
  const { json } = await run(['wait', a, b, '--timeout', '60s']);
  assert.equal(json.wait_timed_out, false);
  assert.deepEqual(json.pending, []);
  assert.equal(json.count, 2);
  assert.deepEqual(json.jobs.map((j) => [j.job_id, j.state, j.exit_code]), [[a, 'exited', 3], [b, 'exited', 0]]);
  assert.equal(json.first_job_id, undefined, 'only with --any');
  const single = (await run(['wait', b])).json;
  assert.equal(single.job_id, b);
  assert.equal(single.stdout_tail, 'b\n');
  assert.equal(single.jobs, undefined);
});

test('wait --any answers with the first job to end; --timeout lists what is still pending', async (t) => {
  const { run, base } = withRoot(t);
  const gate = join(base, 'gate');
  const slow = await idOf(run, ['--', 'sh', '-c', 'while [ ! -e "$1" ]; do sleep 0.05; done', 'sh', gate]);
  const fast = await idOf(run, ['--', 'true']);
  const any = (await run(['wait', slow, fast, '--any', '--timeout', '60s'])).json;
  assert.equal(any.first_job_id, fast);
  assert.deepEqual(any.pending, [slow]);
  assert.equal(any.wait_timed_out, false);
  const late = (await run(['wait', slow, fast, '--timeout', '300ms'])).json;
  assert.equal(late.wait_timed_out, true);
  assert.deepEqual(late.pending, [slow]);
  assert.deepEqual(late.jobs.map((j) => j.state), ['running', 'exited']);
  writeFileSync(gate, '');
  const all = (await run(['wait', slow, fast, '--all', '--timeout', '60s'])).json;
  assert.deepEqual(all.pending, []);
});

test('--tag P selects every job carrying it (P.* and below); kill --tag and kill ID ID answer jobs[]', async (t) => {
  const { run } = withRoot(t);
  const shards = [];
  for (let i = 0; i < 3; i++) shards.push(await idOf(run, ['--tag', `shard.${i}`, '--', 'sleep', '300']));
  const other = await idOf(run, ['--tag', 'other', '--', 'sleep', '300']);
  const killed = (await run(['kill', '--tag', 'shard.*'])).json;
  assert.equal(killed.count, 3);
  assert.deepEqual(killed.jobs.map((j) => j.job_id).sort(), [...shards].sort());
  killed.jobs.forEach((j) => assert.equal(j.state, 'killed'));
  const waited = (await run(['wait', '--tag', 'shard.*', '--timeout', '10s'])).json;
  assert.deepEqual(waited.jobs.map((j) => j.job_id), shards, 'oldest first');
  assert.equal(waited.wait_timed_out, false);
  const running = await runUntilRunning(run, ['--', 'sleep', '300']);
  const both = (await run(['kill', other, running.job_id])).json;
  assert.deepEqual(both.jobs.map((j) => [j.job_id, j.state]), [[other, 'killed'], [running.job_id, 'killed']]);
});

test('fan-in wakes on state changes, not on the poll: 30 jobs end while the poll is an hour', async (t) => {
  const { run, base } = withRoot(t);
  const gate = join(base, 'gate');
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push(await idOf(run, ['--tag', 'fan', '--', 'sh', '-c', 'while [ ! -e "$1" ]; do sleep 0.2; done', 'sh', gate]));
  const waiting = run(['wait', '--tag', 'fan', '--wait-poll-ms', '3600000', '--timeout', '120s']);
  setTimeout(() => writeFileSync(gate, ''), 500);
  const { json } = await waiting;
  assert.equal(json.wait_timed_out, false, 'woken by the state files, long before any poll or the deadline');
  assert.equal(json.count, 30);
  json.jobs.forEach((j) => assert.equal(j.state, 'exited'));
});

test('bad fan-in input: --all with --any, ids with --tag, a tag nobody carries, an unknown id among several', async (t) => {
  const { run } = withRoot(t);
  const a = await idOf(run, ['--tag', 'x', '--', 'true']);
  const both = await run(['wait', a, '--all', '--any']);
  assert.equal(both.json.error.code, 'usage_error');
  const mixed = await run(['wait', a, '--tag', 'x']);
  assert.equal(mixed.json.error.code, 'usage_error');
  const nobody = await run(['wait', '--tag', 'nobody']);
  assert.equal(nobody.json.error.code, 'job_not_found');
  const unknown = await run(['kill', a, 'zzzzzzzzzz']);
  assert.equal(unknown.json.error.code, 'job_not_found');
  const badTag = await run(['kill', '--tag', 'a b']);
  assert.equal(badTag.json.error.code, 'invalid_tag');
});
