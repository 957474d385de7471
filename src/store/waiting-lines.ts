// Lines of jobs that wait as records (state `queued` with `parked`, no process), under
// <root>/.slots/:
//   <kind>-<name>/waiting/<queued_at>-<job_id>   waiting for a slot of that limit
//   .after/<queued_at>-<job_id>                   waiting for its dependencies (--after)
//   .retry/<retry_at>-<job_id>                    waiting for the time of its next attempt
// Names sort in the order the line is served: FIFO by queued_at (then id), a retry by its time.
// A ticket's content is {job_id}; the job's own state.json says whether it still waits.
// Invariants:
// - A parked job has a ticket in at least one line: the ticket is written in the locked step
//   (job lock) that parks the job, before its state is written, and a job changes lines by
//   writing the new ticket before removing the old one. A crash leaves at worst a second ticket.
// - A ticket whose job is not parked any more is stale: the dispatcher removes it, deciding
//   under the job lock, so a ticket written by a launcher still in its locked step is kept.
// - Tickets are moved and removed under the scheduling lock (withSchedulingLock), except that
//   `kill` removes the tickets of the job it ended (an unlink only shortens a line). Writing a
//   new ticket needs no lock: it is one rename, and a pass that misses it leaves it to the next.
// - The dependency line is looked at again only when a job ended or was deleted, or a ticket
//   joined it, since the last full look began (`.after-changed` newer than `.after-checked`), or that look is older than
//   AFTER_RECHECK_MS (a dependency whose supervisor died is then found lost): a call costs
//   nothing per waiting job while nothing changes.
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Limit } from './slot-limits.js';
import { withDirLock, withDirLockIfFree, type HeldLock } from './lock.js';
import { checkId, limitDir, LIMIT_NAME, maxFile, removeQuietly, waitingDir, writeEntry } from './slot-entries.js';
import { makeDirs } from '../util/make-dirs.js';

/** A line: a limit's, or the line of dependencies or of retry times. */
export type Line = Limit | 'after' | 'retry';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TIME_LENGTH = 24;
/** A job without a valid time goes last. */
const LAST = '9999-12-31T23:59:59.999Z';

export const slotsDir = (root: string): string => join(root, '.slots');
export const lineDir = (root: string, line: Line): string => (typeof line === 'string' ? join(slotsDir(root), `.${line}`) : waitingDir(root, line));
export const lineLabel = (line: Line): string => (typeof line === 'string' ? line : `${line.kind} ${line.name}`);

export const ticketName = (time: string | undefined, jobId: string): string => `${time !== undefined && TIME.test(time) ? time : LAST}-${checkId(jobId)}`;
export const ticketJobId = (name: string): string => name.slice(TIME_LENGTH + 1);
export const ticketTime = (name: string): string => name.slice(0, TIME_LENGTH);
const isTicket = (name: string): boolean => name.length > TIME_LENGTH + 1 && TIME.test(ticketTime(name));

/** Writes the job's ticket in `line` (atomic; creates the line's directory). */
export function writeTicket(root: string, line: Line, time: string | undefined, jobId: string): void {
  const dir = lineDir(root, line);
  makeDirs(dir, 0o700);
  // A limit line keeps the max it was joined under: a pass run by a caller whose config does not
  // name this limit (another --config, none) still serves the line at that max, never unlimited.
  if (typeof line !== 'string' && recordedMax(root, line) !== line.max) writeEntry(maxFile(root, line), { max: line.max });
  writeEntry(join(dir, ticketName(time, jobId)), { job_id: jobId });
  // Its dependencies may have ended already: the next pass looks.
  if (line === 'after') noteDependencyChange(root);
}

/** The max recorded for a limit line by the last job that joined it, if any. */
export function recordedMax(root: string, l: { kind: Limit['kind']; name: string }): number | undefined {
  try {
    const { max } = JSON.parse(readFileSync(maxFile(root, l), 'utf8')) as { max?: unknown };
    return typeof max === 'number' && Number.isInteger(max) && max >= 0 ? max : undefined;
  } catch {
    return undefined;
  }
}

/** The tickets of a line in the order it is served (names only: no file is opened). */
export function lineTickets(root: string, line: Line): string[] {
  try {
    return readdirSync(lineDir(root, line)).filter(isTicket).sort();
  } catch {
    return [];
  }
}

export const removeTicket = (root: string, line: Line, name: string): void => removeQuietly(join(lineDir(root, line), name));

/** The limit lines that exist (a job of theirs ever waited or ran), as kind and name; max is the caller's. */
export function limitLines(root: string): { kind: Limit['kind']; name: string }[] {
  let names: string[];
  try {
    names = readdirSync(slotsDir(root));
  } catch {
    return [];
  }
  const out: { kind: Limit['kind']; name: string }[] = [];
  for (const n of names.sort()) {
    const m = /^(queue|executor|session)-(.+)$/.exec(n);
    if (m !== null && LIMIT_NAME.test(m[2] as string)) out.push({ kind: m[1] as Limit['kind'], name: m[2] as string });
  }
  return out;
}

const AFTER_RECHECK_MS = 5000;
/** A file's time is the kernel's coarse clock, which may lag Date.now() by a tick: times this close count as later. */
const CLOCK_SLACK_MS = 20;
const afterChanged = (root: string): string => join(slotsDir(root), '.after-changed');
const afterChecked = (root: string): string => join(slotsDir(root), '.after-checked');

/** Sets the file's mtime to `atMs` (now when omitted), creating it when missing. */
function stamp(path: string, atMs?: number): void {
  const at = new Date(atMs ?? Date.now());
  try {
    utimesSync(path, at, at);
  } catch {
    writeFileSync(path, '', { mode: 0o600 });
    if (atMs !== undefined) utimesSync(path, at, at);
  }
}

const mtimeOf = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/** A job ended or was deleted: jobs waiting for dependencies are worth a look (nothing when none waits). */
export function noteDependencyChange(root: string): void {
  if (!existsSync(lineDir(root, 'after'))) return;
  try {
    stamp(afterChanged(root));
  } catch {
    // The next recheck (AFTER_RECHECK_MS) looks anyway.
  }
}

/** A pass that began at `startedMs` looked at every job waiting for dependencies. */
export function markDependenciesChecked(root: string, startedMs: number): void {
  stamp(afterChecked(root), startedMs);
}

/** Whether the dependency line needs a look: a change since the last full look began, or that look is old. */
export function dependenciesDue(root: string, nowMs: number): boolean {
  const checked = mtimeOf(afterChecked(root));
  if (checked === undefined || nowMs - checked >= AFTER_RECHECK_MS) return true;
  const changed = mtimeOf(afterChanged(root));
  return changed !== undefined && changed >= checked - CLOCK_SLACK_MS;
}

/** Every line that exists now. */
export const allLines = (root: string, maxOf: (l: { kind: Limit['kind']; name: string }) => number): Line[] => ['retry', 'after', ...limitLines(root).map((l) => ({ ...l, max: maxOf(l) }))];

/** Removes every ticket of the job (it ended, or never waits again); returns how many. */
export function removeJobTickets(root: string, jobId: string): number {
  let removed = 0;
  for (const line of allLines(root, () => 0)) {
    for (const name of lineTickets(root, line)) {
      if (ticketJobId(name) !== jobId) continue;
      removeTicket(root, line, name);
      removed++;
    }
  }
  return removed;
}

/** Runs `fn` under the scheduling lock (<root>/.slots/.lock): one pass of the dispatcher at a time. */
export async function withSchedulingLock<T>(root: string, fn: (lock: HeldLock) => T | Promise<T>): Promise<T> {
  makeDirs(slotsDir(root), 0o700);
  return withDirLock(slotsDir(root), fn);
}

/** withSchedulingLock when the lock is free within `waitMs` (0: now), else `{ ran: false }` at once. */
export async function withSchedulingLockIfFree<T>(root: string, waitMs: number, fn: (lock: HeldLock) => T | Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  makeDirs(slotsDir(root), 0o700);
  return withDirLockIfFree(slotsDir(root), waitMs, fn);
}

const passRequest = (root: string): string => join(slotsDir(root), '.pass-requested');

/** Asks whoever holds the scheduling lock for one more pass (see dispatch.ts). */
export function requestPass(root: string): void {
  stamp(passRequest(root));
}

/** Whether a pass was asked for after a pass that began at `startedMs` (file times may lag the clock a tick). */
export function passRequestedSince(root: string, startedMs: number): boolean {
  const at = mtimeOf(passRequest(root));
  return at !== undefined && at >= startedMs - CLOCK_SLACK_MS;
}

export { limitDir };
