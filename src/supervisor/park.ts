// Parking: a queued job that must wait (a slot, a dependency, a retry time) becomes a record in
// the store instead of a waiting process. Used by the launcher (`run`/`start`/`submit`: the job
// is parked as it is claimed), by a supervisor that finds it must wait (a retry, a re-queued
// lost attempt), and by the dispatcher moving a job from one line to another.
// Invariant: the ticket is written in the same locked step that parks the job, before its state
// is written (store/waiting-lines.ts), so a parked job is always in a line; both happen with the
// job marked as changing lines (store/line-changes.ts).
import { basename, dirname } from 'node:path';
import { applyTransition } from '../job/apply.js';
import { claimParked, park } from '../job/transitions.js';
import type { JobStateRecord } from '../job/state.js';
import { lineLabel, writeTicket, type Line } from '../store/waiting-lines.js';
import { withLineChange } from '../store/line-changes.js';
import { jobLimits } from '../store/slot-limits.js';
import type { JobMeta } from '../store/types.js';
import type { Config } from '../config.js';
import { waitingForJob } from './dependencies.js';
import { nowIso } from '../util/time.js';

/** Where a new job waits first, and what it shows meanwhile; undefined when it needs no line at all. */
export function firstLine(meta: JobMeta, config: Config | undefined): { line: Line; label: string } | undefined {
  const after = meta.after ?? [];
  if (after.length > 0) return { line: 'after', label: waitingForJob((after[0] as { job_id: string }).job_id) };
  const limits = jobLimits(meta, config);
  const first = limits[0];
  return first === undefined ? undefined : { line: first, label: lineLabel(first) };
}

/** The time a line orders the job by: its retry time in the retry line, else its queued_at. */
const orderTime = (line: Line, state: JobStateRecord): string | undefined => (line === 'retry' ? state.retry_at : state.queued_at);

/** The launcher claims a created job (created → queued) as a parked one waiting in `line`. */
export async function claimIntoLine(dir: string, launcher: { pid: number; startTime: string | undefined }, line: Line, label: string, queuedAt = nowIso()): Promise<JobStateRecord> {
  return withLineChange(dirname(dir), basename(dir), () =>
    applyTransition(dir, (cur) => {
      const next = claimParked(cur, launcher, queuedAt, label);
      if (next !== undefined) writeTicket(dirname(dir), line, orderTime(line, next), basename(dir));
      return next;
    }),
  );
}

/** The job's supervisor (this process) leaves it waiting in `line`; the state now recorded. */
export async function parkSelf(dir: string, line: Line, label: string): Promise<JobStateRecord> {
  return withLineChange(dirname(dir), basename(dir), () =>
    applyTransition(dir, (cur) => {
      const next = park(cur, label, process.pid);
      if (next !== undefined) writeTicket(dirname(dir), line, orderTime(line, next), basename(dir));
      return next;
    }),
  );
}
