// Which events an applied transition stands for (job/events.ts): every lifecycle move maps to
// its event type, a change within a state to none, and a kill request comes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOfTransition } from '../../../dist/lib/job/events.js';

const T = '2026-01-01T00:00:00.000Z';
const at = { updated_at: T };
const types = (before, afterState) => eventsOfTransition({ ...at, ...before }, { ...at, ...afterState }).map((e) => e.event_type);

test('lifecycle moves map to their event types', () => {
  assert.deepEqual(types({ state: 'created' }, { state: 'queued', queued_at: T }), ['job.queued']);
  assert.deepEqual(types({ state: 'queued', queued_at: T }, { state: 'running', started_at: T, pid: 5 }), ['job.started']);
  assert.deepEqual(types({ state: 'running', started_at: T }, { state: 'exited', exit_code: 0, finished_at: T }), ['job.finished']);
  assert.deepEqual(types({ state: 'queued', queued_at: T }, { state: 'killed', signal: 'SIGTERM', finished_at: T }), ['job.finished']);
  assert.deepEqual(types({ state: 'running', started_at: T }, { state: 'lost', lost_reason: 'gone', finished_at: T }), ['job.lost']);
  assert.deepEqual(types({ state: 'running', started_at: T, attempt: 1 }, { state: 'queued', queued_at: T, attempt: 2, attempts: [{ attempt: 1, state: 'exited', exit_code: 1 }] }), ['job.retried']);
  assert.deepEqual(types({ state: 'exited', exit_code: 0, finished_at: T }, { state: 'queued', queued_at: T, attempt: 2, restart_count: 1 }), ['job.restarted']);
});

test('changes within a state are no event; a kill request is one, before the end it brings', () => {
  assert.deepEqual(types({ state: 'queued', queued_at: T }, { state: 'queued', queued_at: T, parked: true, waiting_for: 'queue q' }), []);
  assert.deepEqual(types({ state: 'running', started_at: T }, { state: 'running', started_at: T, progress: { stdout_bytes: 1, stderr_bytes: 0, at: T } }), []);
  const kill = { signal: 'SIGTERM', grace_ms: 5000, requested_at: T };
  assert.deepEqual(types({ state: 'running', started_at: T }, { state: 'running', started_at: T, kill_request: kill }), ['job.kill_requested']);
  // The same request carried on into the end is not asked again.
  assert.deepEqual(types({ state: 'running', started_at: T, kill_request: kill }, { state: 'killed', signal: 'SIGTERM', finished_at: T, kill_request: kill }), ['job.finished']);
});

test('job.finished carries the outcome; job.retried how the attempt before ended', () => {
  const [finished] = eventsOfTransition({ ...at, state: 'running', started_at: T }, { ...at, state: 'failed', started_at: T, error: { code: 'launch_failed', message: 'x' }, exit_code: 2, finished_at: '2026-01-01T00:00:01.000Z', timed_out: true });
  assert.deepEqual(finished, { event_type: 'job.finished', at: T, state: 'failed', exit_code: 2, timed_out: true, error: 'launch_failed', duration_ms: 1000 });
  const [retried] = eventsOfTransition({ ...at, state: 'running', started_at: T }, { ...at, state: 'queued', queued_at: T, attempt: 2, attempts: [{ attempt: 1, state: 'killed', signal: 'SIGKILL', timed_out: true }] });
  assert.deepEqual(retried, { event_type: 'job.retried', at: T, attempt: 2, previous: { state: 'killed', signal: 'SIGKILL', timed_out: true } });
});
