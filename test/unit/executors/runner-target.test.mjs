// The runner target's view of a job from its spool: pending until claimed, withdrawn by a kill
// before any claim, running once reported, ended only when the spool holds every byte the end
// counts, late (a passing failure) after 5 s of silence, lost with a reason past the lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempRoot } from '../../helpers/unit-store.mjs';
import { newJobId } from '../../../dist/lib/store/ids.js';
import { spoolAt, takeClaim, writeOffer, writeReport } from '../../../dist/lib/store/runner-spool.js';
import { recordContact } from '../../../dist/lib/store/runner-contact.js';
import { RunnerTarget } from '../../../dist/lib/executors/runner/target.js';

const def = { type: 'runner', token_file: '/dev/null', lease_ms: 60_000, labels: [], env: {} };
const ago = (ms) => new Date(Date.now() - ms).toISOString();

const offer = (root, id) => writeOffer(root, { job_id: id, runner: 'r1', offered_at: new Date().toISOString(), spec: { argv: ['true'], env: {}, mask: [], kill_after_ms: 5000 } });

function target(root, lease = def.lease_ms) {
  const id = newJobId();
  const meta = { job_id: id, executor: 'r1', argv: ['true'], env: {}, mask: [], kill_after_ms: 5000 };
  return { id, t: new RunnerTarget({ ...def, lease_ms: lease }, join(root, id), meta) };
}

test('pending, withdrawn by a kill, running, ended only once the spool is complete', async (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const { id, t: runner } = target(root);
  offer(root, id);
  assert.deepEqual(await runner.phase(), { phase: 'pending' });
  takeClaim(root, id, { runner: 'r1', claim_id: 'c', at: new Date().toISOString() });
  assert.deepEqual(await runner.phase(), { phase: 'pending' }, 'claimed, not started');
  writeReport(root, id, { phase: 'running', started_at: 'S', reported_at: new Date().toISOString() });
  assert.deepEqual(await runner.phase(), { phase: 'running', startedAt: 'S' });
  writeReport(root, id, { phase: 'ended', started_at: 'S', ended: { exit_code: 4, stdout_bytes: 3, stderr_bytes: 0 }, reported_at: new Date().toISOString() });
  assert.equal((await runner.phase()).phase, 'running', 'two bytes are still missing');
  spoolAt(root, id, 'stdout', 0, Buffer.from('abc'));
  assert.deepEqual(await runner.phase(), { phase: 'ended', code: 4, startedAt: 'S' });

  const { id: killedId, t: killed } = target(root);
  offer(root, killedId);
  await killed.signal({}, 'SIGTERM');
  assert.deepEqual(await killed.phase(), { phase: 'ended', signal: 'SIGTERM', neverStarted: true });
});

test('silence: late after 5 s is a passing failure; past the lease the job is lost with a reason', async (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const { id, t: runner } = target(root, 30_000);
  offer(root, id);
  takeClaim(root, id, { runner: 'r1', claim_id: 'c', at: ago(40_000) });
  recordContact(root, { runner: 'r1', last_contact: ago(10_000) });
  await assert.rejects(runner.phase(), (err) => err.name === 'TargetError' && err.transient === true && /runner r1 not heard from for 10s/.test(err.message));
  recordContact(root, { runner: 'r1', last_contact: ago(31_000) });
  const lost = await runner.phase();
  assert.equal(lost.phase, 'ended');
  assert.match(lost.lostReason, /runner r1 was not heard from for 31s \(lease 30s\)/);
  assert.equal(lost.code, undefined);
  recordContact(root, { runner: 'r1', last_contact: ago(100) });
  assert.deepEqual(await runner.phase(), { phase: 'pending' }, 'heard from again');
});
