// Concurrency slots of queues, executors (max_concurrent) and agent sessions (max 1), kept under
// <root>/.slots/<kind>-<name>/:
//   holders/<job_id>   a job holding a slot: {job_id, pid, start_time, boot_id} of its supervisor
//   waiting/…          the line of jobs waiting for one (store/waiting-lines.ts)
// Invariants:
// - Holder entries are written only under the scheduling lock (waiting-lines.ts
//   withSchedulingLock), by the dispatcher granting a slot or a re-attached supervisor taking
//   its own back. Removing one's own entry (release) needs no lock: an unlink only frees room.
// - An entry counts only while its supervisor is the same live process (pid, start time, boot
//   id). Whoever sees a dead one under the lock removes it: that is how the slot of a SIGKILLed
//   supervisor is reclaimed. Exception: a session slot also counts while its job's process
//   lives on or its remote job is not terminal (workLivesOn): two runs of one session never overlap.
// - Directory names are built only from config-validated names (checked again here) and entry
//   names only from id-shaped job ids (slot-entries.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Limit } from './slot-limits.js';
import { listJobIds, readState } from './jobs.js';
import { lineSnapshot } from './line-changes.js';
import { isJobIdShape } from './ids.js';
import { checkId, ensureSlotDirs, entryOf, holdersDir, liveEntries, readEntry, removeQuietly, writeEntry, type Claimant, type Named } from './slot-entries.js';
import { lineTickets, ticketJobId, withSchedulingLock } from './waiting-lines.js';
import { bootId, isSameLiveProcess } from '../util/proc.js';

export { ensureSlotDirs, type Claimant };

/**
 * A session slot outlives its holder's supervisor while the job's agent may still run: its
 * process lives on (a lost local job), or it is a remote job a new supervisor will re-attach.
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

/** The live holders of a limit; a session's also counts holders whose work lives on. With `prune`, dead ones are removed. */
export function liveHolders(root: string, l: Limit, prune: boolean): Named[] {
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

/** Records the claimant as a holder of `l` (the caller holds the scheduling lock). */
export function recordHolder(root: string, l: Limit, c: Pick<Claimant, 'jobId' | 'pid' | 'startTime'>): void {
  ensureSlotDirs(root, [l]);
  writeEntry(join(holdersDir(root, l), checkId(c.jobId)), entryOf({ ...c, queuedAt: '' }));
}

/** A re-attached supervisor of a job that already runs takes its slots back at once. */
export async function retakeSlots(root: string, limits: Limit[], c: Pick<Claimant, 'jobId' | 'pid' | 'startTime'>): Promise<void> {
  await withSchedulingLock(root, () => limits.forEach((l) => recordHolder(root, l, c)));
}

/** True when the process `pid` holds a slot of every limit for the job (granted by the dispatcher). */
export function holdsSlots(root: string, limits: Limit[], jobId: string, pid: number): boolean {
  return limits.every((l) => readEntry(join(holdersDir(root, l), checkId(jobId)))?.pid === pid);
}

/** Gives back the job's slots (sync, idempotent). */
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

/** Read-only view of a limit: live holders, and the jobs in its line still waiting, in FIFO order. */
export function slotUsage(root: string, l: Limit, present: ReadonlySet<string> = new Set(listJobIds(root, isJobIdShape))): { running: string[]; queued: string[] } {
  const running = liveHolders(root, l, false).map((h) => h.entry.job_id).filter(isJobIdShape);
  // A ticket's job waits, unless it is being moved in or out of a line (line-changes.ts): only
  // those jobs' states are read.
  const { tickets, changing } = lineSnapshot(root, () => lineTickets(root, l));
  const waiting = (id: string): boolean => {
    if (!present.has(id)) return false;
    if (!changing.has(id)) return true;
    try {
      return readState(join(root, id)).state === 'queued';
    } catch {
      return false;
    }
  };
  return { running, queued: [...new Set(tickets.map(ticketJobId))].filter(waiting) };
}

/** True when a new job of this limit would not have to wait (read-only). */
export function hasFreeSlot(root: string, l: Limit): boolean {
  const running = liveHolders(root, l, false).length;
  if (running >= l.max) return false;
  // Only the first few tickets matter: stale ones (killed jobs) are skipped.
  const free = l.max - running;
  let waiting = 0;
  for (const id of lineTickets(root, l).map(ticketJobId)) {
    try {
      if (readState(join(root, id)).state === 'queued' && ++waiting >= free) return false;
    } catch {
      // Deleted meanwhile.
    }
  }
  return true;
}
