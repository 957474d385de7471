// Concurrency slots of queues and executors (max_concurrent). A job over a limit waits `queued`
// with `waiting_for` naming the limit (`queue ci`, `executor local`) and starts in FIFO order
// (queued_at, then job id) as slots free (store/slot-tickets.ts has the bookkeeping and its invariants).
// A job with a queue and an executor limit takes its queue slot first, then joins the
// executor's line holding it: one fixed order, so waiters never wait for each other (no
// deadlock), and an executor's line holds only jobs that need nothing else, so a free executor
// slot never idles behind a job still waiting for its queue. The waiter wakes on fs.watch of
// the slot directories and of its state.json, with a poll that also notices holders whose
// supervisor died. A job without limits pays nothing: no file is read or written.
// Cost with many waiters: a wake-up or poll first looks without the lock (names only, no /proc:
// store/slot-tickets.ts mayTakeSlot) and takes the limit's lock only when that look says the job could
// get a slot now, or at most every few seconds (jittered) to prune entries of dead supervisors.
// A waiter never gives up on lock contention: it backs off and tries again.
import { dirname, join } from 'node:path';
import type { JobMeta } from '../store/types.js';
import { isTerminal, type JobStateRecord } from '../job/state.js';
import { applyTransition } from '../job/apply.js';
import { setWaitingFor } from '../job/annotations.js';
import { ownedBy } from '../job/transitions.js';
import type { Config } from '../config.js';
import { readJob, readState } from '../store/jobs.js';
import { jobLimits, limitLabel, type Limit } from '../store/slot-limits.js';
import { holderIds, leaveQueue, mayTakeSlot, releaseSlots, takeSlot, type Claimant } from '../store/slot-tickets.js';
import { liveness, reconcile, type ReconcileActions } from '../job/reconcile.js';
import { watchSlots } from '../store/slot-watch.js';
import { processStartTime } from '../util/proc.js';
import { log } from '../log.js';
import { JobError } from '../errors.js';

/** Cheap (lock-free, read-only) looks: wake-ups come from fs.watch, this is the fallback. */
const POLL_MS = 500;
/** A locked look (pruning dead entries) at least this often, plus up to half again of jitter. */
const LOCKED_LOOK_MS = 4000;
/** Backoff after a failed look, doubling per consecutive failure up to the cap (jittered). */
const BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 15_000;
/** Consecutive failures other than lock contention (file errors) before the wait gives up. */
const MAX_FAILURES = 20;

const jittered = (ms: number): number => ms * (1 + Math.random() / 2);
/** Lock contention (ELOCKED): waited out, never a reason to give up. */
const isLockContention = (err: unknown): boolean => err instanceof JobError && err.details?.['errno'] === 'ELOCKED';

/** Waits for a slot in every limit that applies; returns its release, or 'gone' if killed meanwhile. */
export async function acquireSlots(dir: string, meta: JobMeta, config: Config | undefined, options: { resumed: boolean; actions: ReconcileActions }): Promise<(() => void) | 'gone'> {
  const limits = jobLimits(meta, config);
  if (limits.length === 0) return () => undefined;
  const startTime = processStartTime(process.pid);
  if (startTime === undefined) {
    log.warn('no /proc start time for this process: concurrency limits not applied');
    return () => undefined;
  }
  const root = dirname(dir);
  const state = readState(dir);
  const claimant: Claimant = { jobId: meta.job_id, queuedAt: state.queued_at ?? state.updated_at, pid: process.pid, startTime };
  const release = (): void => releaseSlots(root, limits, meta.job_id);
  if (options.resumed) {
    // The job runs already: it is followed even if its slots cannot be recorded.
    for (const l of limits) await takeSlot(root, l, claimant, true).catch((err: unknown) => log.warn(`slot of ${limitLabel(l)} not recorded: ${(err as Error).message}`));
    return release;
  }
  const outcome = await waitForSlots(dir, root, limits, claimant, state, options.actions);
  return outcome === 'taken' ? release : 'gone';
}

function waitForSlots(dir: string, root: string, limits: Limit[], claimant: Claimant, initial: JobStateRecord, actions: ReconcileActions): Promise<'taken' | 'gone'> {
  let waitingFor = initial.waiting_for;
  /** How many of `limits` (in order) this job holds a slot in. */
  let held = 0;
  /** When the next locked look is due even if the cheap look says no (to prune dead entries). */
  let lockedLookAt = Date.now() + jittered(LOCKED_LOOK_MS);
  /** No lock before this (backoff after a failure). */
  let lockNotBefore = 0;

  /** One look: 'taken', 'gone', or undefined to keep waiting. */
  const attempt = async (): Promise<'taken' | 'gone' | undefined> => {
    let current: JobStateRecord;
    try {
      current = readState(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw err;
    }
    if (current.state !== 'queued' || !ownedBy(current, process.pid)) return 'gone';
    while (held < limits.length) {
      const l = limits[held] as Limit;
      const now = Date.now();
      if (now < lockNotBefore || (now < lockedLookAt && !mayTakeSlot(root, l, claimant))) break;
      lockedLookAt = now + jittered(LOCKED_LOOK_MS);
      if (l.kind === 'session') await reconcileHolders(root, l, claimant.jobId, actions);
      if (!(await takeSlot(root, l, claimant, false))) break;
      held++;
    }
    if (held === limits.length) {
      if (waitingFor === undefined) return 'taken';
      const after = await applyTransition(dir, (cur) => setWaitingFor(cur, undefined));
      return after.state === 'queued' ? 'taken' : 'gone';
    }
    const label = limitLabel(limits[held] as Limit);
    if (label !== waitingFor) {
      const after = await applyTransition(dir, (cur) => setWaitingFor(cur, label));
      if (after.state !== 'queued') return 'gone';
      waitingFor = label;
    }
    return undefined;
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    let busy = false;
    let again = false;
    let failures = 0;
    const finish = (result: 'taken' | 'gone' | Error): void => {
      if (settled) return;
      settled = true;
      stopWatching();
      clearInterval(poll);
      if (result !== 'taken') {
        leaveQueue(root, limits, claimant);
        releaseSlots(root, limits, claimant.jobId);
      }
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const check = async (): Promise<void> => {
      if (settled) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        const outcome = await attempt();
        failures = 0;
        if (outcome !== undefined) finish(outcome);
      } catch (err) {
        failures++;
        lockNotBefore = Date.now() + jittered(Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** Math.min(failures, 10)));
        log.warn(`waiting for a slot: ${(err as Error).message}`);
        if (!isLockContention(err) && failures >= MAX_FAILURES) finish(err as Error);
      } finally {
        busy = false;
        if (again && !settled) {
          again = false;
          void check();
        }
      }
    };
    const stopWatching = watchSlots(root, limits, dir, () => void check());
    const poll = setInterval(() => void check(), POLL_MS);
    void check();
  });
}

/**
 * A session slot is kept while its holder's job may still run even if its supervisor died
 * (store/slot-tickets.ts); such a job is reconciled here, as a command would — a remote one gets a new
 * supervisor, a local one is recorded lost — so that the line never waits on a job nobody looks at.
 */
async function reconcileHolders(root: string, l: Limit, self: string, actions: ReconcileActions): Promise<void> {
  for (const id of holderIds(root, l)) {
    if (id === self) continue;
    try {
      const job = readJob(join(root, id));
      if (!isTerminal(job.state.state) && !liveness(job.state).supervisorAlive) await reconcile(job, actions);
    } catch (err) {
      log.debug(`reconciling the session holder ${id}: ${(err as Error).message}`);
    }
  }
}
