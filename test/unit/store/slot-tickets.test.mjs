// Concurrency slots on real files (store/slot-tickets.ts, slot-entries.ts, session-slots.ts):
// FIFO by queued_at, dead holders and tickets pruned, the unlocked look (mayTakeSlot) that
// over-counts, tickets only for queued jobs, leaving the line, usage, idle session removal, and
// names that never reach a path. This process is the live supervisor; an exited child the dead one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  enqueue, ensureSlotDirs, hasFreeSlot, holderIds, leaveQueue, mayTakeSlot, releaseSlots, slotUsage, takeSlot,
} from '../../../dist/lib/store/slot-tickets.js';
import { holdersDir, limitDir, readEntry, waitingDir } from '../../../dist/lib/store/slot-entries.js';
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

test('FIFO by queued_at: only the first ticket takes the slot; on release the next one does', async () => {
  const l = { kind: 'queue', name: 'fifo', max: 1 };
  const a = queuedJob(at(1));
  const b = queuedJob(at(2));
  const c = queuedJob(at(3));
  // Tickets are taken in any order; the line is by queued_at.
  for (const j of [c, a, b]) await enqueue(root, l, j.claimant);
  assert.deepEqual(tickets(l), [`${at(1)}-${a.id}`, `${at(2)}-${b.id}`, `${at(3)}-${c.id}`]);

  assert.equal(await takeSlot(root, l, c.claimant, false), false);
  assert.equal(await takeSlot(root, l, b.claimant, false), false);
  assert.deepEqual(holderIds(root, l), []);
  assert.equal(await takeSlot(root, l, a.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [a.id]);
  assert.deepEqual(tickets(l), [`${at(2)}-${b.id}`, `${at(3)}-${c.id}`], 'the holder left the line');
  const held = readEntry(join(holdersDir(root, l), a.id));
  assert.deepEqual(held, { job_id: a.id, pid: self.pid, start_time: self.startTime, boot_id: bootId() });

  assert.equal(await takeSlot(root, l, b.claimant, false), false, 'the slot is taken');
  releaseSlots(root, [l], a.id);
  assert.deepEqual(holderIds(root, l), []);
  assert.equal(await takeSlot(root, l, c.claimant, false), false, 'b is ahead of c');
  assert.equal(await takeSlot(root, l, b.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [b.id]);
  releaseSlots(root, [l], b.id);
  releaseSlots(root, [l], b.id); // idempotent
  assert.equal(await takeSlot(root, l, c.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [c.id]);
  assert.deepEqual(tickets(l), []);
});

test('a job taking a slot with no ticket yet joins the line behind earlier tickets', async () => {
  const l = { kind: 'queue', name: 'late', max: 1 };
  const first = queuedJob(at(1));
  const second = queuedJob(at(2));
  await enqueue(root, l, first.claimant);
  assert.equal(await takeSlot(root, l, second.claimant, false), false);
  assert.deepEqual(tickets(l), [`${at(1)}-${first.id}`, `${at(2)}-${second.id}`], 'a refused claimant leaves its ticket');
  // A re-attached supervisor (force) takes the slot at once, whatever the line.
  const running = queuedJob(at(9));
  assert.equal(await takeSlot(root, l, running.claimant, true), true);
  assert.deepEqual(holderIds(root, l), [running.id]);
  releaseSlots(root, [l], running.id);
  assert.equal(await takeSlot(root, l, first.claimant, false), true);
});

test('a holder whose supervisor is dead is pruned and its slot reclaimed', async () => {
  const l = { kind: 'executor', name: 'local', max: 1 };
  const gone = queuedJob(at(1), dead);
  const next = queuedJob(at(2));
  assert.equal(await takeSlot(root, l, gone.claimant, false), true, 'the (now dead) supervisor took the slot');
  assert.deepEqual(holderIds(root, l), [gone.id]);
  assert.deepEqual(slotUsage(root, l).running, [], 'a dead holder does not count');
  await enqueue(root, l, next.claimant);
  assert.equal(await takeSlot(root, l, next.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [next.id], 'the dead holder entry is gone');
  assert.equal(existsSync(join(holdersDir(root, l), gone.id)), false);

  // An entry from before a reboot is dead too, even when its pid is in use now.
  const rebooted = queuedJob(at(3));
  writeFileSync(join(holdersDir(root, l), rebooted.id), JSON.stringify({ job_id: rebooted.id, pid: self.pid, start_time: self.startTime, boot_id: 'an-earlier-boot' }));
  releaseSlots(root, [l], next.id);
  assert.deepEqual(slotUsage(root, l).running, []);
  const last = queuedJob(at(4));
  assert.equal(await takeSlot(root, l, last.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [last.id]);
});

test('a ticket whose supervisor is dead does not hold up the line and is pruned', async () => {
  const l = { kind: 'queue', name: 'deadticket', max: 1 };
  const gone = queuedJob(at(1), dead);
  const next = queuedJob(at(2));
  await enqueue(root, l, gone.claimant);
  await enqueue(root, l, next.claimant);
  assert.deepEqual(tickets(l), [`${at(1)}-${gone.id}`, `${at(2)}-${next.id}`]);
  assert.equal(await takeSlot(root, l, next.claimant, false), true);
  assert.deepEqual(tickets(l), []);
});

test('mayTakeSlot over-counts: false only when entries (live or dead) fill the limit', async () => {
  const l = { kind: 'queue', name: 'peek', max: 1 };
  const mine = queuedJob(at(5));
  // No directories yet, or no ticket of mine in line: worth taking the lock.
  assert.equal(mayTakeSlot(root, l, mine.claimant), true);
  ensureSlotDirs(root, [l]);
  assert.equal(mayTakeSlot(root, l, mine.claimant), true);
  // A dead holder fills max 1: the unlocked look says no (no /proc check) ...
  const gone = queuedJob(at(1), dead);
  assert.equal(await takeSlot(root, l, gone.claimant, true), true);
  assert.equal(mayTakeSlot(root, l, mine.claimant), true, 'not in line yet');
  await enqueue(root, l, mine.claimant);
  assert.equal(mayTakeSlot(root, l, mine.claimant), false);
  // ... with max 2 the same entries leave room.
  assert.equal(mayTakeSlot(root, { ...l, max: 2 }, mine.claimant), true);
  // A ticket ahead fills max 2 again; one behind does not count.
  const ahead = queuedJob(at(3), dead);
  const behind = queuedJob(at(7));
  await enqueue(root, l, behind.claimant);
  assert.equal(mayTakeSlot(root, { ...l, max: 2 }, mine.claimant), true);
  await enqueue(root, l, ahead.claimant);
  assert.equal(mayTakeSlot(root, { ...l, max: 2 }, mine.claimant), false);
  // The locked check prunes the dead entries and grants the slot the look refused.
  assert.equal(await takeSlot(root, l, mine.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [mine.id]);
  assert.equal(mayTakeSlot(root, l, behind.claimant), false, 'the next in line sees the slot taken');
});

test('enqueue writes a ticket only for a queued job that holds no slot', async () => {
  const l = { kind: 'queue', name: 'enq', max: 1 };
  const created = makeJob(root);
  await enqueue(root, l, { jobId: created.id, queuedAt: at(1), pid: self.pid, startTime: self.startTime });
  const running = queuedJob(at(2), self, { state: 'running', updated_at: at(2), queued_at: at(2), started_at: at(3), pid: self.pid, pid_start_time: self.startTime });
  await enqueue(root, l, running.claimant);
  const killed = queuedJob(at(3), self, { state: 'killed', updated_at: at(3), queued_at: at(3), finished_at: at(4), signal: 'SIGTERM' });
  await enqueue(root, l, killed.claimant);
  assert.deepEqual(tickets(l), []);

  const q = queuedJob(at(4));
  await enqueue(root, l, q.claimant);
  await enqueue(root, l, q.claimant);
  assert.deepEqual(tickets(l), [`${at(4)}-${q.id}`], 'one ticket, written once');
  assert.deepEqual(readEntry(join(waitingDir(root, l), `${at(4)}-${q.id}`)), { job_id: q.id, pid: self.pid, start_time: self.startTime, boot_id: bootId() });

  // A job already holding the slot takes no ticket.
  const holder = queuedJob(at(5));
  assert.equal(await takeSlot(root, { ...l, name: 'enq-held' }, holder.claimant, true), true);
  await enqueue(root, { ...l, name: 'enq-held' }, holder.claimant);
  assert.deepEqual(tickets({ ...l, name: 'enq-held' }), []);

  // A queued_at that is not an RFC 3339 time goes to the back of the line.
  const odd = queuedJob('yesterday');
  await enqueue(root, l, odd.claimant);
  assert.deepEqual(tickets(l), [`${at(4)}-${q.id}`, `9999-12-31T23:59:59.999Z-${odd.id}`]);
});

test("leaveQueue removes only the claimant's own ticket (same pid)", async () => {
  const l1 = { kind: 'queue', name: 'leave-a', max: 1 };
  const l2 = { kind: 'executor', name: 'leave-b', max: 1 };
  const mine = queuedJob(at(1));
  const other = queuedJob(at(2));
  for (const l of [l1, l2]) {
    await enqueue(root, l, mine.claimant);
    await enqueue(root, l, other.claimant);
  }
  // Another supervisor of the same job (a different pid) does not remove this one's ticket.
  leaveQueue(root, [l1, l2], { ...mine.claimant, pid: dead.pid });
  assert.deepEqual(tickets(l1), [`${at(1)}-${mine.id}`, `${at(2)}-${other.id}`]);
  leaveQueue(root, [l1, l2], mine.claimant);
  assert.deepEqual(tickets(l1), [`${at(2)}-${other.id}`]);
  assert.deepEqual(tickets(l2), [`${at(2)}-${other.id}`]);
  leaveQueue(root, [l1], mine.claimant); // nothing left to remove: no error
});

test('slotUsage counts live holders and live, still-queued waiters; hasFreeSlot follows', async () => {
  const l = { kind: 'queue', name: 'usage', max: 2 };
  assert.deepEqual(slotUsage(root, l), { running: [], queued: [] });
  assert.equal(hasFreeSlot(root, l), true);
  const holder = queuedJob(at(1));
  const deadHolder = queuedJob(at(2), dead);
  const waiter = queuedJob(at(3));
  const moved = queuedJob(at(4));
  const deadWaiter = queuedJob(at(5), dead);
  assert.equal(await takeSlot(root, l, holder.claimant, true), true);
  assert.equal(await takeSlot(root, l, deadHolder.claimant, true), true);
  for (const j of [waiter, moved, deadWaiter]) await enqueue(root, l, j.claimant);
  // A ticket whose job went on (killed while waiting) is not a waiter any more.
  putState(moved.dir, { state: 'killed', updated_at: at(6), queued_at: at(4), finished_at: at(6), signal: 'SIGTERM' });
  assert.deepEqual(slotUsage(root, l), { running: [holder.id], queued: [waiter.id] });
  assert.equal(hasFreeSlot(root, l), false);
  assert.equal(hasFreeSlot(root, { ...l, max: 3 }), true);
  releaseSlots(root, [l], holder.id);
  assert.deepEqual(slotUsage(root, l), { running: [], queued: [waiter.id] });
  assert.equal(hasFreeSlot(root, l), true);
  // Read-only: the dead entries are still there.
  assert.deepEqual(holderIds(root, l), [deadHolder.id]);
  assert.equal(tickets(l).length, 3);
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
  assert.equal(await takeSlot(root, l, orphan.claimant, true), true);
  const next = queuedJob(at(3));
  assert.deepEqual(slotUsage(root, l).running, [orphan.id]);
  assert.equal(await takeSlot(root, l, next.claimant, false), false);
  assert.deepEqual(holderIds(root, l), [orphan.id]);
  // Once that process is known to be gone (the job ended), the slot is reclaimed.
  putState(orphan.dir, { state: 'lost', updated_at: at(9), queued_at: at(1), started_at: at(2), finished_at: at(9), lost_reason: 'x', pid: dead.pid, pid_start_time: dead.startTime });
  assert.equal(await takeSlot(root, l, next.claimant, false), true);
  assert.deepEqual(holderIds(root, l), [next.id]);

  // A remote job counts until it has ended (finished_at), whatever its supervisor.
  const r = { kind: 'session', name: 'claude-remote', max: 1 };
  const remote = queuedJob(at(1), dead, { state: 'running', updated_at: at(1), queued_at: at(1), started_at: at(2), remote: { host: 'h' }, supervisor_pid: dead.pid, supervisor_start_time: dead.startTime, boot_id: 'an-earlier-boot' });
  assert.equal(await takeSlot(root, r, { ...remote.claimant, pid: dead.pid, startTime: dead.startTime }, true), true);
  const other = queuedJob(at(3));
  assert.equal(await takeSlot(root, r, other.claimant, false), false);
  putState(remote.dir, { state: 'exited', updated_at: at(9), queued_at: at(1), started_at: at(2), finished_at: at(9), exit_code: 0, remote: { host: 'h' } });
  assert.equal(await takeSlot(root, r, other.claimant, false), true);
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
    await assert.rejects(takeSlot(root, l, c, false), /invalid queue name/, name);
    await assert.rejects(enqueue(root, l, c), /invalid queue name/, name);
    assert.throws(() => mayTakeSlot(root, l, c), /invalid queue name/, name);
    assert.throws(() => slotUsage(root, l), /invalid queue name/, name);
    assert.throws(() => ensureSlotDirs(root, [l]), /invalid queue name/, name);
  }
  const l = { kind: 'queue', name: 'ids', max: 1 };
  for (const jobId of ['', '../x', 'ABC', 'a-b', 'a/b', 'x'.repeat(65)]) {
    const bad = { ...c, jobId };
    await assert.rejects(takeSlot(root, l, bad, false), /invalid job id/, jobId);
    await assert.rejects(enqueue(root, l, bad), /invalid job id/, jobId);
    assert.throws(() => leaveQueue(root, [l], bad), /invalid job id/, jobId);
    assert.throws(() => releaseSlots(root, [l], jobId), /invalid job id/, jobId);
    assert.throws(() => mayTakeSlot(root, l, bad), /invalid job id/, jobId);
  }
  // Nothing was created for any of them.
  assert.deepEqual(tickets(l), []);
  assert.deepEqual(holderIds(root, l), []);
  assert.ok(readdirSync(join(root, '.slots')).every((n) => /^(queue|executor|session)-[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(n)));
});
