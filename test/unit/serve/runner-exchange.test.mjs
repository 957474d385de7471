// The claim logic of the runner routes: offers only for their runner, a claim sent again gets
// the same grant, a second claim or one after a kill is refused, reports only from the holder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempRoot } from '../../helpers/unit-store.mjs';
import { newJobId } from '../../../dist/lib/store/ids.js';
import { readReport, spoolSize, takeClaim, writeOffer, writeKillOrder } from '../../../dist/lib/store/runner-spool.js';
import { claimJob, offersFor, takeReport } from '../../../dist/lib/serve/runner-exchange.js';

const spec = { argv: ['true'], env: {}, mask: [], kill_after_ms: 5000 };
const offer = (root, runner) => {
  const id = newJobId();
  writeOffer(root, { job_id: id, runner, offered_at: new Date().toISOString(), spec });
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

test('offers: only the runner\'s own, unclaimed, at most max', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const a = [offer(root, 'r1'), offer(root, 'r1'), offer(root, 'r1')];
  offer(root, 'r2');
  assert.deepEqual(offersFor(root, 'r1', 10).sort(), [...a].sort());
  assert.equal(offersFor(root, 'r1', 2).length, 2);
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
  assert.equal(code(() => claimJob(root, 'r1', newJobId(), 'x')), 'job_not_found');
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
