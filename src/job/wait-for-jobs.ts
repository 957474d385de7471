// Waiting for jobs to end: one (waitForJob), all of several or the first of them (fan-in), or
// the deadline. Wakes on an fs.watch of each pending job's state.json — not on the job
// directory, where every log write would fire an event and slow the job down. Each state change
// replaces the file (atomic rename), which the watch sees as the old inode going away; the watch
// is then re-armed and only the job whose file changed is re-read. A slow poll is only a
// fallback and the moment liveness is re-checked (a dead supervisor ends its job `lost`), and
// the moment the waiting jobs of the root are looked at (actions.startWaiting), so a job whose
// turn came after a crash starts even when no other command runs. With thousands of jobs the
// poll slows down (one ms per pending job, at most 10 s): events, not the poll, are what wake it.
// A poll reconciles every job something runs for (a process that can die without an event) but
// re-reads only PARKED_PER_POLL of the parked ones (records whose every change is a write the
// watch sees), in turn: a poll's cost stays bounded by the running jobs, not by the waiting ones.
// Invariant: the wait never outlasts its timeout: every lock wait inside it ends by the same
// deadline (withLockDeadline), and a reconciliation that cannot take the lock in time leaves
// the job as last read.
import { dirname } from 'node:path';
import { JobError } from '../errors.js';
import { readJob } from '../store/jobs.js';
import { withLockDeadline } from '../store/lock.js';
import { watchState } from '../store/state-watch.js';
import { setLongTimeout, safeInterval, type LongTimeout } from '../util/timers.js';
import { reconcile, type ReconcileActions } from './reconcile.js';
import { isTerminal } from './state.js';
import type { JobRecord } from '../store/types.js';

export interface WaitAllResult {
  /** Every job, in the order given, as last read. */
  jobs: JobRecord[];
  /** Ids of the jobs not terminal when the wait ended. */
  pending: string[];
  /** `any`: the job seen to end first (the earliest finished_at among those already ended). */
  first?: JobRecord;
  timedOut: boolean;
}

export interface WaitResult {
  job: JobRecord;
  timedOut: boolean;
}

const ended = (j: JobRecord): boolean => isTerminal(j.state.state);
const parked = (j: JobRecord): boolean => j.state.state === 'queued' && j.state.parked === true;
const PARKED_PER_POLL = 50;
const finishedAt = (j: JobRecord): string => j.state.finished_at ?? '9999';

/** Reconciles the job, or leaves it as read when its lock stays held past the deadline. */
async function reconcileInTime(job: JobRecord, actions: ReconcileActions): Promise<JobRecord> {
  try {
    return await reconcile(job, actions);
  } catch (err) {
    if (err instanceof JobError && err.details?.['errno'] === 'ELOCKED') return job;
    throw err;
  }
}

/** Waits until the job in `dir` is terminal, or the timeout. */
export async function waitForJob(dir: string, timeoutMs: number | undefined, pollMs: number, actions: ReconcileActions): Promise<WaitResult> {
  const { jobs, timedOut } = await waitForJobs([dir], 'all', timeoutMs, pollMs, actions);
  return { job: jobs[0] as JobRecord, timedOut };
}

export function waitForJobs(dirs: string[], mode: 'all' | 'any', timeoutMs: number | undefined, pollMs: number, actions: ReconcileActions): Promise<WaitAllResult> {
  if (timeoutMs === undefined) return waitUntil(dirs, mode, undefined, pollMs, actions);
  const deadline = Date.now() + timeoutMs;
  return withLockDeadline(deadline, () => waitUntil(dirs, mode, deadline, pollMs, actions));
}

async function waitUntil(dirs: string[], mode: 'all' | 'any', deadlineAt: number | undefined, pollMs: number, actions: ReconcileActions): Promise<WaitAllResult> {
  const jobs = new Map<string, JobRecord>();
  for (const dir of dirs) jobs.set(dir, await reconcileInTime(readJob(dir), actions));
  let first: JobRecord | undefined = [...jobs.values()].filter(ended).sort((a, b) => finishedAt(a).localeCompare(finishedAt(b)))[0];
  const result = (timedOut: boolean): WaitAllResult => {
    const all = dirs.map((d) => jobs.get(d) as JobRecord);
    const out: WaitAllResult = { jobs: all, pending: all.filter((j) => !ended(j)).map((j) => j.meta.job_id), timedOut };
    if (mode === 'any' && first !== undefined) out.first = first;
    return out;
  };
  let endedCount = [...jobs.values()].filter(ended).length;
  const done = (): boolean => (mode === 'any' ? first !== undefined : endedCount === jobs.size);
  if (done()) return result(false);
  const timeoutMs = deadlineAt === undefined ? undefined : deadlineAt - Date.now();
  if (timeoutMs !== undefined && timeoutMs <= 0) return result(true);

  return new Promise<WaitAllResult>((resolve, reject) => {
    let settled = false;
    let deadline: LongTimeout | undefined;
    const watchers = new Map<string, ReturnType<typeof watchState>>();
    const finish = (r: WaitAllResult | Error): void => {
      if (settled) return;
      settled = true;
      watchers.forEach((w) => w.close());
      clearInterval(poll);
      deadline?.clear();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    /** Records what `dir` now says; finishes when that completes the wait. */
    const update = (dir: string, job: JobRecord): void => {
      const before = jobs.get(dir) as JobRecord;
      // An end is final: a record read before it (a reconcile that found the lock held) is older.
      if (ended(before)) return;
      jobs.set(dir, job);
      if (ended(job)) {
        endedCount++;
        first ??= job;
        watchers.get(dir)?.close();
        watchers.delete(dir);
      }
      if (done()) finish(result(false));
    };
    const readOne = (dir: string): void => {
      if (settled) return;
      try {
        update(dir, readJob(dir));
      } catch (err) {
        finish(err as Error);
      }
    };
    let polling = false;
    let parkedTurn = 0;
    /**
     * The pending jobs this poll looks at: every one not parked, every one whose watch had to be
     * re-armed (a change may have gone unseen), and parked ones in turn.
     */
    const toPoll = (): string[] => {
      const pending = [...watchers.keys()];
      const unwatched = pending.filter((dir) => watchers.get(dir)?.rearm() === true);
      const waiting = pending.filter((dir) => parked(jobs.get(dir) as JobRecord));
      if (waiting.length <= PARKED_PER_POLL) return pending;
      const start = parkedTurn % waiting.length;
      parkedTurn = start + PARKED_PER_POLL;
      const inTurn = Array.from({ length: PARKED_PER_POLL }, (_, i) => waiting[(start + i) % waiting.length] as string);
      return [...new Set([...pending.filter((dir) => !parked(jobs.get(dir) as JobRecord)), ...unwatched, ...inTurn])];
    };
    const pollAll = async (): Promise<void> => {
      if (settled || polling) return;
      polling = true;
      try {
        // The poll also starts what waits in the store (a job's turn, a retry whose time came).
        await actions.startWaiting?.(dirname(dirs[0] as string));
        for (const dir of toPoll()) {
          if (!watchers.has(dir)) continue;
          if (!settled) update(dir, await reconcileInTime(readJob(dir), actions));
        }
      } catch (err) {
        finish(err as Error);
      } finally {
        polling = false;
      }
    };
    for (const dir of dirs) if (!ended(jobs.get(dir) as JobRecord)) watchers.set(dir, watchState(dir, () => readOne(dir)));
    const poll = setInterval(() => void pollAll(), safeInterval(Math.max(10, pollMs, Math.min(10_000, watchers.size))));
    if (timeoutMs !== undefined) deadline = setLongTimeout(() => void pollAll().then(() => finish(result(!done()))), timeoutMs);
    // A change between the first read and arming the watches would otherwise be missed.
    for (const dir of [...watchers.keys()]) readOne(dir);
  });
}
