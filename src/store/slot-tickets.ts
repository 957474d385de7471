// Concurrency slots of queues and executors (max_concurrent), kept under
// <root>/.slots/<kind>-<name>/ (e.g. queue-ci, executor-local):
//   holders/<job_id>               a job holding a slot
//   waiting/<queued_at>-<job_id>   a job in line for one (its ticket); names sort in FIFO order
// each holding {job_id, pid, start_time, boot_id} of the job's supervisor.
// Invariants:
// - Entries are created, replaced and pruned only under the limit's lock (<limit dir>/.lock).
//   Removing one's own entry (release, leaving the line) needs no lock: an unlink is atomic and
//   only ever frees room.
// - An entry counts only while its supervisor is the same live process (pid, start time, boot
//   id). Whoever sees a dead one under the lock removes it: that is how the slot of a SIGKILLed
//   supervisor is reclaimed. Exception: a session slot (one agent session, max 1) also counts
//   while its job's process lives on or its remote job is not terminal (workLivesOn).
// - A job takes a slot only where live holders < max and its ticket is among the first
//   (max − live holders) live tickets: jobs start in (queued_at, job id) order, none overtakes.
// - Waiters look before they lock (mayTakeSlot): a read-only count of entry names, no /proc
//   check, that over-counts (dead entries included) but never under-counts, so it never says
//   "no" to a job the locked check would grant a slot to unless dead entries are in the way —
//   those are pruned by the waiters' occasional locked look (supervisor/slot-wait.ts).
// - One lock at a time: a job needing several limits takes them one after the other in a fixed
//   order (supervisor/slot-wait.ts), so no two waiters ever wait for each other.
// - Directory names are built only from config-validated names (checked again here) and entry
//   names only from id-shaped job ids and RFC 3339 times (slot-entries.ts).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Limit } from './slot-limits.js';
import { withDirLock } from './lock.js';
import { readState } from './jobs.js';
import { isJobIdShape } from './ids.js';
import { checkId, ensureSlotDirs, entryOf, holdersDir, limitDir, liveEntries, readEntry, removeQuietly, ticketName, waitingDir, writeEntry, type Claimant, type Named } from './slot-entries.js';
import { bootId, isSameLiveProcess } from '../util/proc.js';

export { ensureSlotDirs, type Claimant };

/**
 * A session slot outlives its holder's supervisor while the job's agent may still run: its
 * process lives on (a lost local job), or it is a remote job a new supervisor will re-attach.
 * Two runs of one session must never overlap, whoever supervises them.
 */
function workLivesOn(root: string, jobId: string): boolean {
  try {
    const state = readState(join(root, checkId(jobId)));
    // A remote job outlives a reboot of this machine (it is re-attached): its pid means nothing here.
    // Every ended state, and only an ended one, has finished_at (job/state.ts).
    if (state.remote !== undefined) return state.finished_at === undefined;
    if (state.boot_id !== undefined && state.boot_id !== bootId()) return false;
    return isSameLiveProcess(state.pid, state.pid_start_time);
  } catch {
    return false;
  }
}

/** The live holders of a limit; a session's also counts holders whose work lives on. */
function liveHolders(root: string, l: Limit, prune: boolean): Named[] {
  if (l.kind !== 'session') return liveEntries(holdersDir(root, l), prune);
  const dir = holdersDir(root, l);
  const all = liveEntries(dir, false);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.') && !all.some((h) => h.name === n));
  } catch {
    return all;
  }
  for (const name of names) {
    const entry = readEntry(join(dir, name));
    if (entry !== undefined && workLivesOn(root, entry.job_id)) all.push({ name, entry });
    else if (prune) removeQuietly(join(dir, name));
  }
  return all;
}

async function withLimitLock<T>(root: string, l: Limit, fn: () => T): Promise<T> {
  ensureSlotDirs(root, [l]);
  return withDirLock(limitDir(root, l), fn);
}

/**
 * Under the limit's lock: takes a slot when the claimant may (see the header), else (re)writes
 * its ticket and returns false. `force` takes it at once (a re-attached supervisor of a job
 * that already runs), replacing the job's old entries.
 */
export async function takeSlot(root: string, l: Limit, c: Claimant, force: boolean): Promise<boolean> {
  const mine = ticketName(c);
  const me = entryOf(c);
  const waiting = waitingDir(root, l);
  return withLimitLock(root, l, (): boolean => {
    const holders = liveHolders(root, l, true).filter((h) => h.name !== c.jobId);
    const tickets = liveEntries(waiting, true);
    // A ticket of this job under another name, or of an earlier supervisor, is replaced.
    for (const t of tickets) if (t.name.endsWith(`-${c.jobId}`) && (t.name !== mine || t.entry.pid !== c.pid)) removeQuietly(join(waiting, t.name));
    if (!force) {
      const ahead = tickets.filter((t) => t.name < mine && !t.name.endsWith(`-${c.jobId}`)).length;
      if (ahead >= l.max - holders.length) {
        if (!tickets.some((t) => t.name === mine && t.entry.pid === c.pid)) writeEntry(join(waiting, mine), me);
        return false;
      }
    }
    writeEntry(join(holdersDir(root, l), c.jobId), me);
    removeQuietly(join(waiting, mine));
    return true;
  });
}

/**
 * Read-only, no lock, no /proc: false when the claimant's ticket is in line and the entries
 * (live or not) of holders plus tickets ahead of it fill the limit, i.e. when takeSlot could
 * not grant a slot unless some entry is dead. True otherwise (worth taking the lock).
 */
export function mayTakeSlot(root: string, l: Limit, c: Claimant): boolean {
  const mine = ticketName(c);
  const names = (dir: string): string[] | undefined => {
    try {
      return readdirSync(dir).filter((n) => !n.startsWith('.'));
    } catch {
      return undefined;
    }
  };
  const holders = names(holdersDir(root, l));
  const tickets = names(waitingDir(root, l));
  if (holders === undefined || tickets === undefined || !tickets.includes(mine)) return true;
  const ahead = tickets.filter((t) => t < mine && !t.endsWith(`-${c.jobId}`)).length;
  return ahead < l.max - holders.filter((h) => h !== c.jobId).length;
}

/**
 * Writes the claimant's ticket as soon as the job is queued (by the launcher, with the pid of
 * the supervisor it started), so a job's place in line is taken at queued_at however slowly its
 * supervisor starts. Nothing is written once the job holds the slot or has left `queued`.
 */
export async function enqueue(root: string, l: Limit, c: Claimant): Promise<void> {
  const path = join(waitingDir(root, l), ticketName(c));
  await withLimitLock(root, l, () => {
    if (existsSync(join(holdersDir(root, l), c.jobId)) || existsSync(path)) return;
    if (readState(join(root, c.jobId)).state === 'queued') writeEntry(path, entryOf(c));
  });
}

/** Removes the claimant's own tickets (it leaves the line: killed while waiting). */
export function leaveQueue(root: string, limits: Limit[], c: Claimant): void {
  for (const l of limits) {
    const path = join(waitingDir(root, l), ticketName(c));
    if (readEntry(path)?.pid === c.pid) removeQuietly(path);
  }
}

/** Gives back the job's slots (sync, idempotent): the next waiter wakes on the removal. */
export function releaseSlots(root: string, limits: Limit[], jobId: string): void {
  for (const l of limits) removeQuietly(join(holdersDir(root, l), checkId(jobId)));
}


/** Job ids of the holder entries of a limit, alive or not (read-only). */
export function holderIds(root: string, l: Limit): string[] {
  try {
    return readdirSync(holdersDir(root, l)).filter(isJobIdShape);
  } catch {
    return [];
  }
}

/** Read-only view of a limit: live holders, and live waiters still `queued`, in FIFO order. */
export function slotUsage(root: string, l: Limit): { running: string[]; queued: string[] } {
  const stillQueued = (id: string): boolean => {
    try {
      return readState(join(root, id)).state === 'queued';
    } catch {
      return false;
    }
  };
  const running = liveHolders(root, l, false).map((h) => h.entry.job_id).filter(isJobIdShape);
  const queued = liveEntries(waitingDir(root, l), false).map((t) => t.entry.job_id).filter((id) => isJobIdShape(id) && stillQueued(id));
  return { running, queued: [...new Set(queued)] };
}

/** True when a new job of this limit would not have to wait (read-only). */
export function hasFreeSlot(root: string, l: Limit): boolean {
  const usage = slotUsage(root, l);
  return usage.running.length + usage.queued.length < l.max;
}
