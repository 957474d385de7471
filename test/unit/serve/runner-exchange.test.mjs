// The claim logic of the runner routes: offers only for their runner, a claim sent again gets
// the same grant, a second claim or one after a kill is refused, reports only from the holder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeJob, putState, tempRoot } from '../../helpers/unit-store.mjs';
import { readReport, spoolDone, dropSpooledOutput, spoolSize, takeClaim, writeOffer, writeKillOrder } from '../../../dist/lib/store/runner-spool.js';
import { claimJob, offersFor, takeReport } from '../../../dist/lib/serve/runner-exchange.js';

const spec = { argv: ['true'], env: {}, mask: [], kill_after_ms: 5000 };
/** A job of the server's root (queued) offered to `runner`, offered `agoMs` ago. */
const offer = (root, runner, agoMs = 0) => {
  const { id, dir } = makeJob(root, { executor: runner });
  putState(dir, { state: 'queued', queued_at: new Date().toISOString() });
  writeOffer(root, { job_id: id, runner, offered_at: new Date(Date.now() - agoMs).toISOString(), spec });
  return id;
};
const code = (fn) => {
  try {
    fn();
  } catch (err) {
    return err.code;
  }
  return 'no error';
};

test('offers: only the runner\'s own, unclaimed, oldest first, at most max', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  // Offered in this order (ids are random: their order says nothing).
  const a = [offer(root, 'r1', 3000), offer(root, 'r1', 2000), offer(root, 'r1', 1000)];
  offer(root, 'r2');
  assert.deepEqual(offersFor(root, 'r1', 10), a);
  assert.deepEqual(offersFor(root, 'r1', 2), [a[0], a[1]]);
  claimJob(root, 'r1', a[0], 'c1');
  assert.deepEqual(offersFor(root, 'r1', 10).sort(), [a[1], a[2]].sort());
  assert.deepEqual(offersFor(root, 'r3', 10), []);
});

test('claims: the same claim again is the same grant; another claim, another runner, a withdrawn offer are refused', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const id = offer(root, 'r1');
  const grant = claimJob(root, 'r1', id, 'claim-1');
  assert.deepEqual(grant, { job_id: id, claim_id: 'claim-1', spec });
  assert.deepEqual(claimJob(root, 'r1', id, 'claim-1'), grant, 'a resent claim (lost answer) gets the same grant');
  assert.equal(code(() => claimJob(root, 'r1', id, 'claim-2')), 'invalid_state');
  assert.equal(code(() => claimJob(root, 'r2', id, 'claim-1')), 'job_not_found', 'not offered to r2');
  assert.equal(code(() => claimJob(root, 'r1', 'abcdefghijklmnop0123', 'x')), 'job_not_found');
  const killed = offer(root, 'r1');
  takeClaim(root, killed, { runner: '', claim_id: '', at: 'now', withdrawn: true });
  assert.equal(code(() => claimJob(root, 'r1', killed, 'c')), 'invalid_state');
});

test('reports: only from the holder under its claim; output by offset; the end is kept; done once complete', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const id = offer(root, 'r1');
  const unclaimed = offer(root, 'r1');
  claimJob(root, 'r1', id, 'c1');
  const data = (text, offset = 0) => ({ offset, data: Buffer.from(text) });
  assert.equal(code(() => takeReport(root, 'r1', unclaimed, { claim_id: 'c1', phase: 'running' })), 'invalid_state');
  assert.equal(code(() => takeReport(root, 'r1', id, { claim_id: 'other', phase: 'running', stdout: data('x') })), 'invalid_state');
  assert.equal(code(() => takeReport(root, 'r2', id, { claim_id: 'c1', phase: 'running' })), 'job_not_found');
  assert.equal(spoolSize(root, id, 'stdout'), 0, 'a refused report changes nothing');
  assert.equal(readReport(root, id), undefined);
  let answer = takeReport(root, 'r1', id, { claim_id: 'c1', phase: 'running', started_at: 'S', stdout: data('abc') });
  assert.deepEqual(answer, { stdout_bytes: 3, stderr_bytes: 0, done: false });
  answer = takeReport(root, 'r1', id, { claim_id: 'c1', phase: 'ended', ended: { exit_code: 0, stdout_bytes: 5, stderr_bytes: 0 }, stdout: data('abc', 0) });
  assert.equal(answer.done, false, 'the end is known, two bytes are missing');
  assert.equal(readReport(root, id).phase, 'ended');
  writeKillOrder(root, id, 'SIGTERM', 'now');
  answer = takeReport(root, 'r1', id, { claim_id: 'c1', phase: 'running', stdout: data('de', 3) });
  assert.deepEqual(answer, { stdout_bytes: 5, stderr_bytes: 0, done: true, kill: { signal: 'SIGTERM', seq: 1 } });
  assert.equal(readReport(root, id).ended.exit_code, 0, 'a later report never replaces the end');
  assert.equal(readReport(root, id).started_at, 'S');
});

test('a kill given after the claim is in the claim\'s answer (a claim sent again gets it too)', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const id = offer(root, 'r1');
  assert.equal(claimJob(root, 'r1', id, 'c1').kill, undefined);
  writeKillOrder(root, id, 'SIGTERM', 'now');
  assert.deepEqual(claimJob(root, 'r1', id, 'c1').kill, { signal: 'SIGTERM', seq: 1 });
});

test('reports of a job that ended on the server otherwise are refused; after the spool was dropped they never make it again', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const lost = offer(root, 'r1');
  claimJob(root, 'r1', lost, 'c1');
  putState(join(root, lost), { state: 'lost', lost_reason: 'runner r1 was not heard from' });
  const chunk = { offset: 0, data: Buffer.from('late') };
  assert.equal(code(() => takeReport(root, 'r1', lost, { claim_id: 'c1', phase: 'running', stdout: chunk })), 'invalid_state');
  assert.equal(code(() => takeReport(root, 'r1', lost, { claim_id: 'c1', phase: 'ended', ended: { exit_code: 0, stdout_bytes: 4, stderr_bytes: 0 }, stdout: chunk })), 'invalid_state');
  assert.equal(spoolSize(root, lost, 'stdout'), 0, 'nothing stored');

  const done = offer(root, 'r1');
  claimJob(root, 'r1', done, 'c1');
  const end = { exit_code: 0, stdout_bytes: 4, stderr_bytes: 0 };
  assert.equal(takeReport(root, 'r1', done, { claim_id: 'c1', phase: 'ended', ended: end, stdout: chunk }).done, true);
  dropSpooledOutput(root, done);
  assert.equal(spoolDone(root, done), true);
  assert.equal(takeReport(root, 'r1', done, { claim_id: 'c1', phase: 'ended', ended: end, stdout: chunk }).done, true, 'a resent end is answered done');
  assert.equal(existsSync(join(root, '.runners', 'jobs', done, 'stdout')), false, 'the dropped spool is not made again');
});
