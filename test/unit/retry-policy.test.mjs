// Which ended attempts a retry policy retries (job/attempts.ts), and how a failed
// dependency is described (supervisor/dependencies.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryCause, retryWanted } from '../../dist/lib/job/attempts.js';
import { notOk } from '../../dist/lib/supervisor/dependencies.js';

const ended = (fields) => ({ updated_at: '2026-01-01T00:00:00.000Z', ...fields });

test('retryCause: nonzero exits and unrequested signals, timeouts, lost; never success or failed', () => {
  assert.equal(retryCause(ended({ state: 'exited', exit_code: 2 })), 'nonzero');
  assert.equal(retryCause(ended({ state: 'exited', exit_code: 0 })), undefined);
  assert.equal(retryCause(ended({ state: 'killed', signal: 'SIGSEGV' })), 'nonzero');
  assert.equal(retryCause(ended({ state: 'killed', signal: 'SIGTERM', timed_out: true })), 'timeout');
  assert.equal(retryCause(ended({ state: 'lost', lost_reason: 'x' })), 'lost');
  assert.equal(retryCause(ended({ state: 'failed', error: { code: 'launch_failed', message: 'x' } })), undefined);
});

test('retryWanted: policy class, attempts left, and never after a user kill', () => {
  const policy = (on, max = 2) => ({ max, delay_ms: 0, on });
  const nonzero = ended({ state: 'exited', exit_code: 1 });
  const timeout = ended({ state: 'killed', signal: 'SIGTERM', timed_out: true });
  assert.equal(retryWanted(undefined, nonzero), false);
  assert.equal(retryWanted(policy('nonzero'), nonzero), true);
  assert.equal(retryWanted(policy('timeout'), nonzero), false);
  assert.equal(retryWanted(policy('nonzero'), timeout), false);
  assert.equal(retryWanted(policy('timeout'), timeout), true);
  assert.equal(retryWanted(policy('any'), ended({ state: 'lost' })), true);
  assert.equal(retryWanted(policy('nonzero', 2), { ...nonzero, attempt: 2 }), true);
  assert.equal(retryWanted(policy('nonzero', 2), { ...nonzero, attempt: 3 }), false);
  const userKill = ended({ state: 'killed', signal: 'SIGTERM', kill_request: { signal: 'SIGTERM', grace_ms: 5000, requested_at: 'x' } });
  assert.equal(retryWanted(policy('any'), userKill), false);
});

test('notOk: --after-ok needs exited 0; the message names the dependency and its end', () => {
  assert.equal(notOk('abc', ended({ state: 'exited', exit_code: 0 })), undefined);
  assert.equal(notOk('abc', ended({ state: 'exited', exit_code: 3 })), 'dependency abc exited with code 3');
  assert.equal(notOk('abc', ended({ state: 'killed', signal: 'SIGKILL', timed_out: true })), 'dependency abc was killed by SIGKILL after timing out');
  assert.equal(notOk('abc', ended({ state: 'failed', error: { code: 'launch_failed', message: 'm' } })), 'dependency abc failed (launch_failed)');
  assert.equal(notOk('abc', ended({ state: 'lost', lost_reason: 'machine rebooted' })), 'dependency abc was lost (machine rebooted)');
  assert.equal(notOk('abc', 'deleted'), 'dependency abc was deleted');
});
