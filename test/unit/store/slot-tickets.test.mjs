// Concurrency slots and waiting lines on real files (store/slot-tickets.ts, slot-entries.ts,
// waiting-lines.ts, session-slots.ts): dead holders pruned, usage, tickets in serving order,
// a job's tickets removed from every line, idle session removal, and names that never reach a
// path. This process is the live supervisor; an exited child the dead one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureSlotDirs, hasFreeSlot, holderIds, holdsSlots, liveHolders, recordHolder, releaseSlots, retakeSlots, slotUsage,
} from '../../../dist/lib/store/slot-tickets.js';
import { holdersDir, limitDir, waitingDir } from '../../../dist/lib/store/slot-entries.js';
import { lineTickets, removeJobTickets, ticketJobId, writeTicket } from '../../../dist/lib/store/waiting-lines.js';
import { activeSessionLimits, removeIdleSessions } from '../../../dist/lib/store/session-slots.js';
import { bootId } from '../../../dist/lib/util/proc.js';
import { deadProcess, makeJob, putState, selfProcess, tempRoot } from '../../helpers/unit-store.mjs';

const { root, cleanup } = tempRoot('jobctl-slots-');
after(cleanup);

const self = selfProcess();
const dead = await deadProcess();

const at = (s) => `2026-03-01T10:00:${String(s).padStart(2, '0')}.000Z`;

/** A job in `queued` since `queuedAt` (or in `state`), and its claimant run by `proc`. */
function queuedJob(queuedAt, proc = self, state = undefined) {
  const { id, dir } = makeJob(root);
  putState(dir, state ?? { state: 'queued', updated_at: queuedAt, queued_at: queuedAt, supervisor_pid: proc.pid, supervisor_start_time: proc.startTime, boot_id: bootId() });
  return { id, dir, claimant: { jobId: id, queuedAt, pid: proc.pid, startTime: proc.startTime } };
}

const entries = (dir) => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')).sort() : []);
const tickets = (l) => entries(waitingDir(root, l));

test('a holder whose supervisor is dead does not count and is pruned; holdsSlots names the process', async () => {
  const l = { kind: 'executor', name: 'local', max: 1 };
  const gone = queuedJob(at(1), dead);
  recordHolder(root, l, gone.claimant);
  assert.deepEqual(holderIds(root, l), [gone.id]);
  assert.deepEqual(liveHolders(root, l, false), [], 'a dead holder does not count');
  assert.deepEqual(holderIds(root, l), [gone.id], 'read-only look: still there');
  liveHolders(root, l, true);
  assert.deepEqual(holderIds(root, l), [], 'pruned');
  const next = queuedJob(at(2));
  recordHolder(root, l, next.claimant);
  assert.equal(holdsSlots(root, [l], next.id, self.pid), true);
  assert.equal(holdsSlots(root, [l], next.id, dead.pid), false, 'another process does not hold it');
  assert.equal(holdsSlots(root, [l, { kind: 'queue', name: 'other', max: 1 }], next.id, self.pid), false, 'every limit is needed');

  // An entry from before a reboot is dead too, even when its pid is in use now.
  const rebooted = queuedJob(at(3));
  writeFileSync(join(holdersDir(root, l), rebooted.id), JSON.stringify({ job_id: rebooted.id, pid: self.pid, start_time: self.startTime, boot_id: 'an-earlier-boot' }));
  releaseSlots(root, [l], next.id);
  assert.deepEqual(slotUsage(root, l).running, []);
  // A re-attached supervisor takes its slot back at once.
  await retakeSlots(root, [l], rebooted.claimant);
  assert.deepEqual(slotUsage(root, l).running, [rebooted.id]);
});

test('slotUsage counts live holders and still-queued jobs of the line; hasFreeSlot follows', async () => {
  const l = { kind: 'queue', name: 'usage', max: 2 };
  assert.deepEqual(slotUsage(root, l), { running: [], queued: [] });
  assert.equal(hasFreeSlot(root, l), true);
  const holder = queuedJob(at(1));
  const deadHolder = queuedJob(at(2), dead);
  const waiter = queuedJob(at(3));
  const moved = queuedJob(at(4));
  recordHolder(root, l, holder.claimant);
  recordHolder(root, l, deadHolder.claimant);
  for (const j of [waiter, moved]) writeTicket(root, l, j.claimant.queuedAt, j.id);
  // A ticket whose job went on (killed while waiting; the kill's change of lines cut short by a
  // crash, its mark left) is not a waiter any more: a marked job is judged by its state.
  putState(moved.dir, { state: 'killed', updated_at: at(6), queued_at: at(4), finished_at: at(6), signal: 'SIGTERM' });
  mkdirSync(join(root, '.slots', '.changing'), { recursive: true });
  writeFileSync(join(root, '.slots', '.changing', `${moved.id}.${dead.pid}.${dead.startTime}.1`), '');
  assert.deepEqual(slotUsage(root, l), { running: [holder.id], queued: [waiter.id] });
  assert.equal(hasFreeSlot(root, l), false);
  assert.equal(hasFreeSlot(root, { ...l, max: 3 }), true);
  releaseSlots(root, [l], holder.id);
  assert.deepEqual(slotUsage(root, l), { running: [], queued: [waiter.id] });
  assert.equal(hasFreeSlot(root, l), true);
  // Read-only: the dead entries are still there.
  assert.deepEqual(holderIds(root, l), [deadHolder.id]);
  assert.equal(tickets(l).length, 2);
});

test('a line serves its tickets oldest first; a job leaves every line at once', () => {
  const l = { kind: 'queue', name: 'order', max: 1 };
  const jobs = [5, 1, 3].map((s) => queuedJob(at(s)));
  for (const j of jobs) writeTicket(root, l, j.claimant.queuedAt, j.id);
  writeTicket(root, 'retry', at(9), jobs[0].id);
  // A job without a valid time goes last.
  const late = queuedJob(at(0));
  writeTicket(root, l, 'not a time', late.id);
  assert.deepEqual(lineTickets(root, l).map(ticketJobId), [jobs[1].id, jobs[2].id, jobs[0].id, late.id]);
  assert.equal(removeJobTickets(root, jobs[0].id), 2, 'its limit ticket and its retry ticket');
  assert.deepEqual(lineTickets(root, l).map(ticketJobId), [jobs[1].id, jobs[2].id, late.id]);
  assert.deepEqual(lineTickets(root, 'retry'), []);
});

test('a session slot also counts a holder whose work lives on after its supervisor', async () => {
  const l = { kind: 'session', name: 'claude-0b7c', max: 1 };
  // The supervisor died, the agent's process (this one, for the test) lives on.
  const orphan = queuedJob(at(1), dead, {
    state: 'running', updated_at: at(1), queued_at: at(1), started_at: at(2), pid: self.pid, pid_start_time: self.startTime,
    supervisor_pid: dead.pid, supervisor_start_time: dead.startTime, boot_id: bootId(),
  });
  orphan.claimant.pid = dead.pid;
  orphan.claimant.startTime = dead.startTime;
  recordHolder(root, l, orphan.claimant);
  assert.deepEqual(slotUsage(root, l).running, [orphan.id]);
  assert.equal(liveHolders(root, l, true).length, 1, 'kept while its work lives on');
  // Once that process is known to be gone (the job ended), the slot is reclaimed.
  putState(orphan.dir, { state: 'lost', updated_at: at(9), queued_at: at(1), started_at: at(2), finished_at: at(9), lost_reason: 'x', pid: dead.pid, pid_start_time: dead.startTime });
  assert.equal(liveHolders(root, l, true).length, 0);
  assert.deepEqual(holderIds(root, l), [], 'pruned');

  // A remote job counts until it has ended (finished_at), whatever its supervisor.
  const r = { kind: 'session', name: 'claude-remote', max: 1 };
  const remote = queuedJob(at(1), dead, { state: 'running', updated_at: at(1), queued_at: at(1), started_at: at(2), remote: { host: 'h' }, supervisor_pid: dead.pid, supervisor_start_time: dead.startTime, boot_id: 'an-earlier-boot' });
  recordHolder(root, r, { ...remote.claimant, pid: dead.pid, startTime: dead.startTime });
  assert.equal(liveHolders(root, r, true).length, 1);
  putState(remote.dir, { state: 'exited', updated_at: at(9), queued_at: at(1), started_at: at(2), finished_at: at(9), exit_code: 0, remote: { host: 'h' } });
  assert.equal(liveHolders(root, r, true).length, 0);
});

test('removeIdleSessions removes only idle session directories untouched for long enough', async () => {
  const sroot = tempRoot('jobctl-sessions-');
  try {
    const r = sroot.root;
    const session = (name) => ({ kind: 'session', name, max: 1 });
    const hourAgo = new Date(Date.now() - 3_600_000);
    const age = (l) => {
      for (const d of [holdersDir(r, l), waitingDir(r, l)]) utimesSync(d, hourAgo, hourAgo);
    };
    const oldIdle = session('claude-old');
    const young = session('claude-young');
    const holding = session('claude-holding');
    const waiting = session('claude-waiting');
    const queue = { kind: 'queue', name: 'nightly-builds', max: 1 };
    ensureSlotDirs(r, [oldIdle, young, holding, waiting, queue]);
    const entry = JSON.stringify({ job_id: 'abc', pid: dead.pid, start_time: dead.startTime, boot_id: bootId() });
    writeFileSync(join(holdersDir(r, holding), 'abc'), entry);
    writeFileSync(join(waitingDir(r, waiting), `${at(1)}-abc`), entry);
    for (const l of [oldIdle, holding, waiting, queue]) age(l);

    assert.deepEqual(activeSessionLimits(r).map((l) => l.name), ['claude-holding', 'claude-old', 'claude-waiting', 'claude-young']);
    assert.equal(await removeIdleSessions(r, 60_000), 1);
    assert.equal(existsSync(limitDir(r, oldIdle)), false);
    for (const l of [young, holding, waiting, queue]) assert.ok(existsSync(limitDir(r, l)), l.name);
    assert.deepEqual(activeSessionLimits(r).map((l) => l.name), ['claude-holding', 'claude-waiting', 'claude-young']);
    // With no minimum age the young idle one goes too; those with entries (even dead ones) stay.
    assert.equal(await removeIdleSessions(r, 0), 1);
    assert.equal(existsSync(limitDir(r, young)), false);
    assert.deepEqual(activeSessionLimits(r).map((l) => l.name), ['claude-holding', 'claude-waiting']);
    assert.ok(existsSync(limitDir(r, queue)), 'a queue is never removed');
  } finally {
    sroot.cleanup();
  }
});

test('invalid limit names and job ids are refused before any path is built', async () => {
  const c = queuedJob(at(1)).claimant;
  for (const name of ['', '..', '../escape', 'a/b', '.hidden', '-dash', 'x'.repeat(65), 'sp ace']) {
    const l = { kind: 'queue', name, max: 1 };
    assert.throws(() => limitDir(root, l), /invalid queue name/, name);
    assert.throws(() => recordHolder(root, l, c), /invalid queue name/, name);
    assert.throws(() => writeTicket(root, l, at(1), c.jobId), /invalid queue name/, name);
    assert.throws(() => slotUsage(root, l), /invalid queue name/, name);
    assert.throws(() => ensureSlotDirs(root, [l]), /invalid queue name/, name);
  }
  const l = { kind: 'queue', name: 'ids', max: 1 };
  for (const jobId of ['', '../x', 'ABC', 'a-b', 'a/b', 'x'.repeat(65)]) {
    const bad = { ...c, jobId };
    assert.throws(() => recordHolder(root, l, bad), /invalid job id/, jobId);
    assert.throws(() => writeTicket(root, l, at(1), jobId), /invalid job id/, jobId);
    assert.throws(() => releaseSlots(root, [l], jobId), /invalid job id/, jobId);
    assert.throws(() => holdsSlots(root, [l], jobId, 1), /invalid job id/, jobId);
  }
  // Nothing was created for any of them.
  assert.deepEqual(tickets(l), []);
  assert.deepEqual(holderIds(root, l), []);
  assert.ok(readdirSync(join(root, '.slots')).every((n) => /^(queue|executor|session)-[A-Za-z0-9][A-Za-z0-9_.-]*$|^\.(after|retry|lock|changing)$/.test(n)));
});
