// The runner target's view of a job from its spool: pending until claimed, withdrawn by a kill
// before any claim, running once reported, ended only when the spool holds every byte the end
// counts, late (a passing failure) after 5 s of silence, lost with a reason past the lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempRoot } from '../../helpers/unit-store.mjs';
import { newJobId } from '../../../dist/lib/store/ids.js';
import { spoolAt, takeClaim, writeOffer, writeReport } from '../../../dist/lib/store/runner-spool.js';
import { recordContact } from '../../../dist/lib/store/runner-contact.js';
import { announceServe, servedSince } from '../../../dist/lib/store/serve-presence.js';
import { bootId, processStartTime } from '../../../dist/lib/util/proc.js';

/** Records that a server (this process, or a gone one with `startTime` '1') serves `root` since `upSince`. */
function serving(root, upSince, startTime = processStartTime(process.pid)) {
  mkdirSync(join(root, '.runners', 'serving'), { recursive: true });
  const path = join(root, '.runners', 'serving', `${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ pid: process.pid, start_time: startTime, boot_id: bootId(), up_since: upSince }));
  return path;
}
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

test('silence is per job: late after 5 s, lost past the lease; polls and other jobs do not renew it', async (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  serving(root, ago(600_000)); // a server has served the root all along
  const { id, t: runner } = target(root, 30_000);
  offer(root, id);
  takeClaim(root, id, { runner: 'r1', claim_id: 'c', at: ago(40_000) });
  writeReport(root, id, { phase: 'running', started_at: 'S', reported_at: ago(10_000) });
  recordContact(root, { runner: 'r1', last_contact: ago(100) });
  await assert.rejects(runner.phase(), (err) => err.name === 'TargetError' && err.transient === true && /runner r1 not heard from for 10s/.test(err.message), 'the runner\'s contact (its polls) does not count');
  writeReport(root, id, { phase: 'running', started_at: 'S', reported_at: ago(31_000) });
  const lost = await runner.phase();
  assert.equal(lost.phase, 'ended');
  assert.match(lost.lostReason, /runner r1 was not heard from about this job for 31s \(lease 30s\)/);
  assert.equal(lost.code, undefined);

  // Claimed, never reported (its launch failed on the runner and nothing was said): lost too.
  const { id: silent, t: never } = target(root, 30_000);
  offer(root, silent);
  takeClaim(root, silent, { runner: 'r1', claim_id: 'c', at: ago(31_000) });
  assert.equal((await never.phase()).phase, 'ended', 'a claim alone keeps a job 30 s at most');
});

test('only a silence a server was there to hear counts: no live server, late but never lost; the lease starts over when one is back', async (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const { id, t: runner } = target(root, 30_000);
  offer(root, id);
  takeClaim(root, id, { runner: 'r1', claim_id: 'c', at: ago(120_000) });
  writeReport(root, id, { phase: 'running', started_at: 'S', reported_at: ago(100_000) });
  const gone = serving(root, ago(600_000), '1');
  assert.equal(servedSince(root), undefined, 'a server that is gone (SIGKILLed) serves nothing');
  assert.equal(existsSync(gone), false, 'its record is removed');
  await assert.rejects(runner.phase(), (err) => err.transient === true && /not heard from for 100s/.test(err.message));
  const withdraw = announceServe(root);
  assert.ok(Date.now() - servedSince(root) < 5000, 'a server back after a break serves since now');
  await assert.rejects(runner.phase(), (err) => err.transient === true, 'late, not lost: no server was there to hear the silence');
  withdraw();
  assert.equal(servedSince(root), undefined, 'a closed server serves nothing');
  serving(root, ago(31_000));
  const lost = await runner.phase();
  assert.match(lost.lostReason, /for 31s \(lease 30s\)/, 'counted from the server\'s return');
});
