// The one way out of a terminal state (job/transitions.ts restart, job/attempts.ts
// restartAttempt, job/apply.ts applyRestart), in process on real job directories: it applies
// only to the terminal state the caller read (compare-and-set), records the ended attempt and
// keeps its files, and applyTransition still refuses every other move out of a terminal state.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRestart, applyTransition } from '../../../dist/lib/job/apply.js';
import { restart, start } from '../../../dist/lib/job/transitions.js';
import { retryWanted } from '../../../dist/lib/job/attempts.js';
import { keepRestartedAttempt } from '../../../dist/lib/store/attempt-files.js';
import { jobFiles, readState } from '../../../dist/lib/store/jobs.js';
import { makeJob, putState, tempRoot } from '../../helpers/unit-store.mjs';

const { root, cleanup } = tempRoot('jobctl-restart-');
after(cleanup);

const LAUNCHER = { pid: 4000, startTime: '880000' };
const NOW = '2026-02-01T00:00:00.000Z';
const EXITED = Object.freeze({
  state: 'exited', updated_at: '2026-01-01T00:00:05.000Z', exit_code: 3, started_at: '2026-01-01T00:00:01.000Z', finished_at: '2026-01-01T00:00:05.000Z',
  duration_ms: 4000, pid: 4242, pid_start_time: '9', supervisor_pid: 4100, supervisor_start_time: '7', launcher_pid: 3999, timed_out: false,
});
const LOGS = { stdout: '/x/stdout.attempt-1.log', stderr: '/x/stderr.attempt-1.log' };

test('restart: terminal → queued, attempt + 1, the ended attempt recorded, the old supervisor and process dropped', () => {
  const next = restart(EXITED, EXITED, LAUNCHER, () => LOGS, NOW);
  assert.equal(next.state, 'queued');
  assert.equal(next.queued_at, NOW);
  assert.equal(next.attempt, 2);
  assert.equal(next.restart_count, 1);
  assert.equal(next.restarted_at, NOW);
  assert.equal(next.restart_attempt, 2);
  assert.equal(next.launcher_pid, 4000);
  for (const gone of ['supervisor_pid', 'supervisor_start_time', 'pid', 'exit_code', 'finished_at', 'started_at', 'timed_out']) assert.equal(next[gone], undefined, gone);
  assert.deepEqual(next.attempts, [{
    attempt: 1, state: 'exited', exit_code: 3, timed_out: false, started_at: EXITED.started_at, finished_at: EXITED.finished_at, duration_ms: 4000,
    stdout_log_path: LOGS.stdout, stderr_log_path: LOGS.stderr,
  }]);
  const third = restart({ ...next, state: 'exited', exit_code: 0, finished_at: NOW, updated_at: NOW }, { state: 'exited', updated_at: NOW }, LAUNCHER, () => LOGS, NOW);
  assert.equal(third.attempt, 3);
  assert.equal(third.restart_count, 2);
  assert.equal(third.attempts.length, 2);
});

test('restart is a compare-and-set: another terminal record, or any live state, leaves it undefined', () => {
  let kept = 0;
  const keep = () => { kept++; return LOGS; };
  assert.equal(restart(EXITED, { ...EXITED, updated_at: '2026-01-01T00:00:06.000Z' }, LAUNCHER, keep, NOW), undefined);
  assert.equal(restart(EXITED, { ...EXITED, state: 'killed' }, LAUNCHER, keep, NOW), undefined);
  for (const live of [{ state: 'created', updated_at: EXITED.updated_at }, { state: 'queued', queued_at: NOW, updated_at: EXITED.updated_at }, { state: 'running', started_at: NOW, updated_at: EXITED.updated_at }]) {
    assert.equal(restart(live, EXITED, LAUNCHER, keep, NOW), undefined, live.state);
  }
  assert.equal(kept, 0, 'nothing is kept aside for a restart that does not apply');
});

test('a restarted job has a fresh retry budget', () => {
  const policy = { max: 1, on: 'any', delay_ms: 0 };
  assert.equal(retryWanted(policy, { state: 'exited', exit_code: 1, attempt: 2 }), false);
  assert.equal(retryWanted(policy, { state: 'exited', exit_code: 1, attempt: 3, restart_attempt: 3 }), true);
  assert.equal(retryWanted(policy, { state: 'exited', exit_code: 1, attempt: 4, restart_attempt: 3 }), false);
});

test('applyRestart applies once against what was read; applyTransition still leaves a terminal state alone', async () => {
  const { dir } = makeJob(root);
  const files = jobFiles(dir);
  putState(dir, EXITED);
  writeFileSync(files.stdout, 'first out\n');
  writeFileSync(files.completion, '{"event_type":"job.finished"}');
  const read = readState(dir);
  assert.equal((await applyTransition(dir, (cur) => start({ ...cur, state: 'queued', queued_at: NOW }, { startedAt: NOW }))).state, 'exited');
  const request = { read, launcher: LAUNCHER, keepAttempt: (n) => keepRestartedAttempt(dir, n), now: NOW };
  const [a, b] = await Promise.all([applyRestart(dir, request), applyRestart(dir, request)]);
  assert.deepEqual([a.applied, b.applied].sort(), [false, true]);
  const state = readState(dir);
  assert.equal(state.state, 'queued');
  assert.equal(state.attempt, 2);
  assert.equal(readFileSync(state.attempts[0].stdout_log_path, 'utf8'), 'first out\n');
  assert.equal(readFileSync(files.stdout, 'utf8'), '');
  assert.ok(existsSync(join(dir, 'completion_event.attempt-1.json')));
  assert.ok(!existsSync(files.completion), 'the next run delivers its own job.finished');
});

test('applyRestart refuses (under the lock) what the caller says may not run again, and changes nothing', async () => {
  const { dir } = makeJob(root);
  putState(dir, EXITED);
  const read = readState(dir);
  await assert.rejects(
    applyRestart(dir, { read, launcher: LAUNCHER, keepAttempt: () => LOGS, refuse: () => new Error('still delivering'), now: NOW }),
    /still delivering/,
  );
  assert.deepEqual(readState(dir), read);
});
