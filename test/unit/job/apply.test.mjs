// applyTransition (job/apply.ts), in process on real job directories: the decided state is
// written under the job lock with a fresh updated_at, undefined writes nothing, a terminal state
// is final, concurrent changes lose no update, and a deleted job takes no more writes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { applyTransition, readStateLocked } from '../../../dist/lib/job/apply.js';
import { claim, start } from '../../../dist/lib/job/transitions.js';
import { recordProgress } from '../../../dist/lib/job/annotations.js';
import { jobFiles, readState, DELETED_META } from '../../../dist/lib/store/jobs.js';
import { isoAgo, makeJob, putState, tempRoot } from '../../helpers/unit-store.mjs';

const { root, cleanup } = tempRoot('jobctl-apply-');
after(cleanup);

const OLD = '2026-01-01T00:00:00.000Z';
const LAUNCHER = { pid: 4000, startTime: '880000' };

test('the decided state is written, with a fresh updated_at', async () => {
  const { dir } = makeJob(root);
  const created = readState(dir);
  assert.equal(created.state, 'created');
  const before = Date.now();
  const after = await applyTransition(dir, (cur) => claim(cur, LAUNCHER, OLD));
  assert.equal(after.state, 'queued');
  assert.equal(after.queued_at, OLD);
  assert.equal(after.launcher_pid, 4000);
  assert.notEqual(after.updated_at, created.updated_at);
  assert.ok(Date.parse(after.updated_at) >= before - 5, `updated_at ${after.updated_at} is fresh`);
  assert.ok(Date.parse(after.updated_at) <= Date.now());
  // What is returned is what the file holds.
  assert.deepEqual(readState(dir), after);

  // A decision that carries a stale updated_at does not keep it.
  const running = await applyTransition(dir, (cur) => ({ ...start(cur, { startedAt: OLD, pid: 4200, pidStartTime: '880020' }), updated_at: OLD }));
  assert.equal(running.state, 'running');
  assert.notEqual(running.updated_at, OLD);
  assert.deepEqual(readState(dir), running);
});

test('a decision returning undefined writes nothing', async () => {
  const { dir } = makeJob(root);
  const path = jobFiles(dir).state;
  putState(dir, { state: 'queued', updated_at: OLD, queued_at: OLD, waiting_for: 'queue ci' });
  const text = readFileSync(path, 'utf8');
  const { mtimeMs, ino } = statSync(path);
  let seen;
  const result = await applyTransition(dir, (cur) => {
    seen = cur;
    return undefined;
  });
  assert.equal(seen.state, 'queued', 'decide saw the current state');
  assert.deepEqual(result, JSON.parse(text));
  assert.equal(readFileSync(path, 'utf8'), text);
  const st = statSync(path);
  assert.equal(st.mtimeMs, mtimeMs);
  assert.equal(st.ino, ino, 'state.json was not replaced');
  // An async decision that declines writes nothing either.
  await applyTransition(dir, async () => undefined);
  assert.equal(readFileSync(path, 'utf8'), text);
  assert.equal(statSync(path).ino, ino);
});

test('a terminal state is final: decide is not even called', async () => {
  for (const ended of [
    { state: 'exited', exit_code: 0 },
    { state: 'killed', signal: 'SIGTERM' },
    { state: 'failed', error: { code: 'launch_failed', message: 'x' } },
    { state: 'lost', lost_reason: 'machine rebooted' },
  ]) {
    const { dir } = makeJob(root);
    putState(dir, { updated_at: OLD, queued_at: OLD, started_at: OLD, finished_at: OLD, ...ended });
    const text = readFileSync(jobFiles(dir).state, 'utf8');
    let called = false;
    const result = await applyTransition(dir, (cur) => {
      called = true;
      return { ...cur, state: 'running' };
    });
    assert.equal(called, false, `decide called on ${ended.state}`);
    assert.equal(result.state, ended.state);
    assert.equal(readFileSync(jobFiles(dir).state, 'utf8'), text);
  }
});

test('concurrent transitions lose no update', async () => {
  const { dir } = makeJob(root);
  const pid = 4200;
  putState(dir, { state: 'running', updated_at: OLD, queued_at: OLD, started_at: OLD, pid, pid_start_time: '880020', progress: { stdout_bytes: 0, stderr_bytes: 0, at: OLD } });
  const N = 20;
  const results = await Promise.all(Array.from({ length: N }, () => applyTransition(dir, async (cur) => {
    const count = cur.progress.stdout_bytes;
    // Yield between reading and deciding, so an unlocked writer would interleave.
    await new Promise((resolve) => setImmediate(resolve));
    return recordProgress(cur, { stdout_bytes: count + 1, stderr_bytes: 0, at: new Date().toISOString() }, pid);
  })));
  const counts = results.map((s) => s.progress.stdout_bytes).sort((a, b) => a - b);
  assert.deepEqual(counts, Array.from({ length: N }, (_, i) => i + 1), 'each change saw the one before it');
  assert.equal(readState(dir).progress.stdout_bytes, N);
  assert.equal((await readStateLocked(dir)).progress.stdout_bytes, N);
});

test('a deleted job rejects with job_not_found and is not written', async () => {
  const { dir } = makeJob(root);
  putState(dir, { state: 'queued', updated_at: isoAgo(1000), queued_at: isoAgo(1000) });
  const text = readFileSync(jobFiles(dir).state, 'utf8');
  renameSync(jobFiles(dir).meta, join(dir, DELETED_META));
  let called = false;
  await assert.rejects(
    applyTransition(dir, (cur) => {
      called = true;
      return { ...cur, waiting_for: 'x' };
    }),
    (err) => err.code === 'job_not_found',
  );
  assert.equal(called, false);
  assert.equal(readFileSync(jobFiles(dir).state, 'utf8'), text);
});

test('a job deleted while a writer waits for its lock is not written either', async () => {
  const { dir } = makeJob(root);
  putState(dir, { state: 'queued', updated_at: isoAgo(1000), queued_at: isoAgo(1000) });
  let second;
  let secondCalled = false;
  // The first writer holds the lock; a second one starts (the job still exists), then the
  // first deletes the job the way deleteJob does, under the lock.
  await applyTransition(dir, async () => {
    second = applyTransition(dir, (cur) => {
      secondCalled = true;
      return { ...cur, waiting_for: 'x' };
    });
    second.catch(() => undefined);
    renameSync(jobFiles(dir).meta, join(dir, DELETED_META));
    return undefined;
  });
  await assert.rejects(second, (err) => err.code === 'job_not_found');
  assert.equal(secondCalled, false);
  assert.equal(readState(dir).waiting_for, undefined);
});
