// The runner spool of the store: a claim is recorded once (link(2)), output is stored at the
// offsets given without rewriting or gaps, and the runner's own record of held jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempRoot } from '../../helpers/unit-store.mjs';
import { newJobId } from '../../../dist/lib/store/ids.js';
import { readClaim, readSpool, removeRunnerSpool, spoolAt, spoolDone, dropSpooledOutput, openOffers, spoolSize, takeClaim, writeOffer, writeKillOrder, readKillOrder } from '../../../dist/lib/store/runner-spool.js';
import { forgetHeldJob, readHeldJobs, writeHeldJob } from '../../../dist/lib/store/runner-claims.js';
import { readContact, recordContact } from '../../../dist/lib/store/runner-contact.js';
import { lockRunnerRoot, unlockRunnerRoot } from '../../../dist/lib/store/runner-lock.js';
import { bootId, processStartTime } from '../../../dist/lib/util/proc.js';
import { writeFileSync } from 'node:fs';

const statMode = (p) => statSync(p).mode & 0o777;
const offer = (id, runner = 'r1') => ({ job_id: id, runner, offered_at: new Date().toISOString(), spec: { argv: ['true'], env: { SECRET: 'x' }, mask: ['SECRET'], kill_after_ms: 5000 } });

test('the first claim is the one recorded and closes the offer; the offer holds secrets and is 0600', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const id = newJobId();
  writeOffer(root, offer(id));
  assert.equal(statMode(join(root, '.runners', 'jobs', id, 'offer.json')), 0o600);
  assert.deepEqual(openOffers(root, 'r1'), [id]);
  assert.deepEqual(openOffers(root, 'r2'), []);
  const first = takeClaim(root, id, { runner: 'r1', claim_id: 'a', at: 'now' });
  const second = takeClaim(root, id, { runner: 'r2', claim_id: 'b', at: 'later' });
  assert.deepEqual(first, { runner: 'r1', claim_id: 'a', at: 'now' });
  assert.deepEqual(second, first, 'a later claim reads back the recorded one');
  assert.deepEqual(readClaim(root, id), first);
  assert.deepEqual(openOffers(root, 'r1'), [], 'a claimed offer is no longer open');
  removeRunnerSpool(root, id);
  assert.equal(existsSync(join(root, '.runners', 'jobs', id)), false);
});


test('output is stored at its offset: a resent or overlapping chunk changes nothing, a gap is refused', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const id = newJobId();
  writeOffer(root, offer(id));
  assert.equal(spoolAt(root, id, 'stdout', 0, Buffer.from('hello ')), 6);
  assert.equal(spoolAt(root, id, 'stdout', 0, Buffer.from('hello ')), 6, 'the same chunk again');
  assert.equal(spoolAt(root, id, 'stdout', 10, Buffer.from('later')), 6, 'a chunk past the end would leave a gap');
  assert.equal(spoolAt(root, id, 'stdout', 3, Buffer.from('lo world')), 11, 'an overlapping chunk adds only its new part');
  assert.equal(readSpool(root, id, 'stdout', 0, 100).toString(), 'hello world');
  assert.equal(readSpool(root, id, 'stdout', 6, 3).toString(), 'wor');
  assert.equal(spoolSize(root, id, 'stderr'), 0);
  assert.equal(spoolDone(root, id), false);
  dropSpooledOutput(root, id);
  assert.equal(spoolDone(root, id), true);
  assert.equal(spoolSize(root, id, 'stdout'), 0);
});

test('kill orders count up; the runner record and contact round-trip', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const id = newJobId();
  writeOffer(root, offer(id));
  writeKillOrder(root, id, 'SIGTERM', 'a');
  writeKillOrder(root, id, 'SIGKILL', 'b');
  assert.deepEqual(readKillOrder(root, id), { signal: 'SIGKILL', seq: 2, requested_at: 'b' });
  const older = { server_job_id: newJobId(), claim_id: 'c1', claimed_at: '2026-01-01T00:00:00.000Z' };
  const newer = { server_job_id: newJobId(), claim_id: 'c2', claimed_at: '2026-01-02T00:00:00.000Z', local_job_id: newJobId() };
  writeHeldJob(root, newer);
  writeHeldJob(root, older);
  assert.deepEqual(readHeldJobs(root), [older, newer]);
  forgetHeldJob(root, older.server_job_id);
  assert.deepEqual(readHeldJobs(root), [newer]);
  recordContact(root, { runner: 'r1', last_contact: 'x', version: '1' });
  assert.deepEqual(readContact(root, 'r1'), { runner: 'r1', last_contact: 'x', version: '1' });
  assert.equal(readContact(root, 'r2'), undefined);
});

test('one runner per root: a live holder refuses another, a dead one is taken over; the lock is no held job', (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const record = { server_job_id: newJobId(), claim_id: 'c1', claimed_at: '2026-01-01T00:00:00.000Z' };
  writeHeldJob(root, record);
  lockRunnerRoot(root);
  lockRunnerRoot(root); // the holder itself may take it again
  assert.deepEqual(readHeldJobs(root), [record], 'the lock file is not read as a record');
  const lock = join(root, '.runner', 'runner.lock');
  // Another live process (this test's parent) holds it.
  writeFileSync(lock, JSON.stringify({ pid: process.ppid, start_time: processStartTime(process.ppid), boot_id: bootId() }));
  assert.throws(() => lockRunnerRoot(root), (err) => err.code === 'invalid_state' && new RegExp(`another runner \\(pid ${process.ppid}\\)`).test(err.message));
  unlockRunnerRoot(root);
  assert.equal(existsSync(lock), true, 'only its holder gives it up');
  // A holder that is gone (a start time that is not the process's): taken over.
  writeFileSync(lock, JSON.stringify({ pid: process.ppid, start_time: '1', boot_id: bootId() }));
  lockRunnerRoot(root);
  assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
  unlockRunnerRoot(root);
  assert.equal(existsSync(lock), false);
});
