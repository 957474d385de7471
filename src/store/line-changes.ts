// Marks of jobs whose place in the waiting lines is being changed, so that a reader of a line
// (`queue`) can trust a ticket without reading its job's state: <root>/.slots/.changing/
// <job_id>.<pid>.<start time>.<n>, one per change under way.
// Invariants:
// - Every step that joins a job to a line (its ticket, then its parked state) or takes it out
//   (its state, then the removal of its tickets) runs inside withLineChange: the mark exists
//   from before the first write until after the last. A ticket whose job has no mark therefore
//   belongs to a parked job — or to a job whose change began after the reader first looked at
//   the marks (lineSnapshot reads them before and after the tickets, and reads the state of
//   every job marked at either time).
// - A mark left by a process that died is repaired by the dispatcher (repairLineChanges): the
//   job's tickets are removed if it is not parked, then the mark goes.
// - Marks are plain files written without fsync: a cache of what is under way, lost only with the
//   page cache, when every process that made them is gone too.
import { closeSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isJobIdShape } from './ids.js';
import { removeQuietly } from './slot-entries.js';
import { slotsDir } from './waiting-lines.js';
import { makeDirs } from '../util/make-dirs.js';
import { isSameLiveProcess, processStartTime } from '../util/proc.js';

const changesDir = (root: string): string => join(slotsDir(root), '.changing');

let counter = 0;
let selfStart: string | undefined;

/** Runs `change` (a step that writes a job's tickets and its state) with the job marked as changing. */
export async function withLineChange<T>(root: string, jobId: string, change: () => Promise<T>): Promise<T> {
  selfStart ??= processStartTime(process.pid) ?? '0';
  const mark = join(changesDir(root), `${jobId}.${process.pid}.${selfStart}.${++counter}`);
  try {
    closeSync(openSync(mark, 'w', 0o600));
  } catch {
    try {
      makeDirs(changesDir(root), 0o700);
      closeSync(openSync(mark, 'w', 0o600));
    } catch {
      // No mark (the store refuses writes): the change goes on, and until a pass drops a ticket
      // it left stale, `queue` may list this job as waiting.
    }
  }
  try {
    return await change();
  } finally {
    removeQuietly(mark);
  }
}

interface Mark {
  name: string;
  jobId: string;
  pid: number;
  startTime: string;
}

function marks(root: string): Mark[] {
  let names: string[];
  try {
    names = readdirSync(changesDir(root));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const [jobId = '', pid = '', startTime = ''] = name.split('.');
    return isJobIdShape(jobId) && /^\d+$/.test(pid) ? [{ name, jobId, pid: Number(pid), startTime }] : [];
  });
}

/** The ids of the jobs being moved in or out of a line now. */
export const changingJobs = (root: string): Set<string> => new Set(marks(root).map((m) => m.jobId));

/**
 * What a line holds, read so that only jobs under change need their state read: the marks, the
 * tickets (`readTickets`), the marks again. `changing` are the jobs marked at either time.
 */
export function lineSnapshot<T>(root: string, readTickets: () => T): { tickets: T; changing: Set<string> } {
  const before = changingJobs(root);
  const tickets = readTickets();
  for (const id of changingJobs(root)) before.add(id);
  return { tickets, changing: before };
}

/**
 * Marks whose process is gone (it died in the middle of a change): `settle(jobId)` puts the
 * job's tickets right (under its lock), then the mark is removed.
 */
export async function repairLineChanges(root: string, settle: (jobId: string) => Promise<void>): Promise<void> {
  for (const mark of marks(root)) {
    if (isSameLiveProcess(mark.pid, mark.startTime)) continue;
    await settle(mark.jobId);
    removeQuietly(join(changesDir(root), mark.name));
  }
}
