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
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Limit } from './slot-limits.js';
import { withDirLock, type HeldLock } from './lock.js';
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

export { limitDir };
