// Waiting for a job's state to change. Wakes on an fs.watch event on state.json itself — not on
// the job directory, where every log write would fire an event and slow the job down. Each state
// change replaces the file (atomic rename), which the watch sees as the old inode going away;
// the watch is then re-armed on the new file. A slow poll is only a fallback and the moment
// liveness is re-checked, so a dead supervisor ends the wait as `lost`, and the moment the
// waiting jobs of the root are looked at (actions.startWaiting), so a job whose turn came
// after a crash starts even when no other command runs.
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
import type { JobRecord } from '../store/types.js';

export interface WaitResult {
  job: JobRecord;
  timedOut: boolean;
}

/** Reconciles the job, or leaves it as read when its lock stays held past the deadline. */
async function reconcileInTime(job: JobRecord, actions: ReconcileActions): Promise<JobRecord> {
  try {
    return await reconcile(job, actions);
  } catch (err) {
    if (err instanceof JobError && err.details?.['errno'] === 'ELOCKED') return job;
    throw err;
  }
}

export function waitForJob(
  dir: string,
  done: (job: JobRecord) => boolean,
  timeoutMs: number | undefined,
  pollMs: number,
  actions: ReconcileActions,
): Promise<WaitResult> {
  if (timeoutMs === undefined) return waitUntil(dir, done, undefined, pollMs, actions);
  const deadline = Date.now() + timeoutMs;
  return withLockDeadline(deadline, () => waitUntil(dir, done, deadline, pollMs, actions));
}

async function waitUntil(
  dir: string,
  done: (job: JobRecord) => boolean,
  deadlineAt: number | undefined,
  pollMs: number,
  actions: ReconcileActions,
): Promise<WaitResult> {
  let job = await reconcileInTime(readJob(dir), actions);
  if (done(job)) return { job, timedOut: false };
  const timeoutMs = deadlineAt === undefined ? undefined : deadlineAt - Date.now();
  if (timeoutMs !== undefined && timeoutMs <= 0) return { job, timedOut: true };

  return new Promise<WaitResult>((resolvePromise, reject) => {
    let deadline: LongTimeout | undefined;
    let settled = false;
    let checking = false;
    let recheck = false;
    // Events arrive asynchronously, after everything below is set up.
    const watcher = watchState(dir, () => void check(false));

    const finish = (result: WaitResult | Error): void => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearInterval(poll);
      deadline?.clear();
      if (result instanceof Error) reject(result);
      else resolvePromise(result);
    };

    const check = async (withReconcile: boolean): Promise<void> => {
      if (settled) return;
      if (checking) { recheck = true; return; }
      checking = true;
      try {
        // The poll also starts what waits in the store (this job's turn, a retry whose time came).
        if (withReconcile) await actions.startWaiting?.(dirname(dir));
        job = readJob(dir);
        if (withReconcile) job = await reconcileInTime(job, actions);
        if (done(job)) finish({ job, timedOut: false });
      } catch (err) {
        finish(err as Error);
      } finally {
        checking = false;
        if (recheck && !settled) { recheck = false; void check(false); }
      }
    };

    const poll = setInterval(() => {
      watcher.rearm();
      void check(true);
    }, safeInterval(Math.max(10, pollMs)));
    if (timeoutMs !== undefined) {
      deadline = setLongTimeout(() => {
        void Promise.resolve().then(() => reconcileInTime(readJob(dir), actions)).then(
          (latest) => finish({ job: latest, timedOut: !done(latest) }),
          () => finish({ job, timedOut: true }),
        );
      }, timeoutMs);
    }
    // A change between the first read and arming the watcher would otherwise be missed.
    void check(false);
  });
}
