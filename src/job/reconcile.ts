// Reconciles a job's recorded state with the processes that really exist. Invariant: a job is
// shown `queued`/`running` only while its verified-live supervisor backs it (or, for a job just
// claimed, while its supervisor is being started: at most LAUNCH_GRACE_MS). Otherwise it is
// recorded `lost`, with no exit code — even when its process outlived the supervisor: nobody will
// observe how that process ends, its timeout and log cap are no longer enforced, and `kill` can
// still reach it (`status` shows its pid while it verifiably lives). A job on a remote executor
// is not lost with its supervisor: a new supervisor is attached and resumes following it; nor is
// a local job whose supervisor died before spawning its process (a new one starts it).
// A parked job (queued, waiting as a record in the store) is backed by its ticket, not by a
// process: it is never lost; supervisor/dispatch.ts starts it.
// A local job whose retry policy covers `lost` (attempts left) is not lost either: the lost
// attempt is recorded, what is left of its process group is SIGKILLed (two attempts never run
// at once), and the job goes back to `queued` under a new supervisor.
// What starting a supervisor or a deliverer means is the caller's (ReconcileActions): this
// module decides, it never spawns.
import { attemptLogsExist, keepAttemptLogs } from '../store/job-logs.js';
import { readMeta } from '../store/jobs.js';
import { nextAttempt, retryWanted } from './attempts.js';
import { applyTransition } from './apply.js';
import { isTerminal, type JobStateRecord, type LostState, type QueuedState } from './state.js';
import { lose, reattach, type ProcessIdentity } from './transitions.js';
import { bootId, isSameLiveProcess, killJobGroup } from '../util/proc.js';
import { nowIso, msBetween } from '../util/time.js';

/** A freshly started job may not have recorded its supervisor yet; give it this long. */
const LAUNCH_GRACE_MS = 15_000;

/** A supervisor that keeps dying is not restarted for ever: after this many, the job is lost. */
export const MAX_REATTACHES = 10;

/** What reconciliation may start; each is called under the job lock, by the process that decided. */
export interface ReconcileActions {
  /** Starts a new supervisor for the job in `dir`; its identity, or undefined when it could not. */
  startSupervisor(dir: string): ProcessIdentity | undefined;
  /** Starts the detached delivery of job.finished for a job recorded lost; the fields naming it. */
  deliverFinished(dir: string): Pick<LostState, 'deliverer_pid' | 'deliverer_start_time'>;
  /**
   * Starts the waiting jobs of the root that may start now and repairs what a crash left in
   * the lines (supervisor/dispatch.ts); a waiter's poll calls it.
   */
  startWaiting?(root: string): Promise<void>;
}

export interface Liveness {
  supervisorAlive: boolean;
  processAlive: boolean;
}

export function liveness(state: JobStateRecord): Liveness {
  // After a reboot a recorded pid can belong to anything.
  if (state.boot_id !== undefined && state.boot_id !== bootId()) return { supervisorAlive: false, processAlive: false };
  return {
    supervisorAlive: isSameLiveProcess(state.supervisor_pid, state.supervisor_start_time),
    processAlive: isSameLiveProcess(state.pid, state.pid_start_time),
  };
}

/** Why this non-terminal job is no longer backed by anything, or undefined while it is. */
export function lostReason(state: JobStateRecord, now = nowIso()): string | undefined {
  if (isTerminal(state.state) || state.state === 'created') return undefined;
  if (state.state === 'queued' && state.parked === true) return undefined;
  if (state.boot_id !== undefined && state.boot_id !== bootId()) return 'machine rebooted';
  const live = liveness(state);
  if (live.supervisorAlive) return undefined;
  if (state.supervisor_pid !== undefined) {
    return live.processAlive
      ? "supervisor exited without recording an outcome; the job's process is still running"
      : 'supervisor exited without recording an outcome';
  }
  const age = msBetween(state.queued_at ?? state.updated_at, now) ?? 0;
  return age > LAUNCH_GRACE_MS ? 'supervisor never started' : undefined;
}

/** Returns the job with its state reconciled; records `lost` when nothing backs it any more. */
export async function reconcile<T extends { dir: string; state: JobStateRecord }>(job: T, actions: ReconcileActions): Promise<T> {
  if (lostReason(job.state) === undefined) return job;
  const state = await applyTransition(job.dir, (current) => decideOrphan(job.dir, current, actions));
  return { ...job, state };
}

/** Under the job lock: what becomes of a job nothing backs (undefined: it is backed after all). */
function decideOrphan(dir: string, current: JobStateRecord, actions: ReconcileActions): JobStateRecord | undefined {
  const reason = lostReason(current);
  if (reason === undefined || (current.state !== 'queued' && current.state !== 'running')) return undefined;
  // A job on a remote executor outlives its local supervisor: attach a new one instead. So does
  // a local job whose supervisor died before spawning its process (no log of this attempt
  // exists: they are opened right before the spawn) — it never ran, so a new supervisor starts it.
  if ((current.remote !== undefined || neverSpawned(dir, current)) && (current.reattach_count ?? 0) < MAX_REATTACHES) {
    const started = actions.startSupervisor(dir);
    if (started !== undefined) return reattach(current, started, bootId());
  }
  const finishedAt = nowIso();
  const lost = lose(current, reason, finishedAt, msBetween(current.started_at, finishedAt));
  if (lost === undefined) return undefined;
  return retryLost(dir, lost, actions) ?? { ...lost, ...actions.deliverFinished(dir) };
}

/** A local job queued on this boot, by a supervisor now dead, whose process was never spawned. */
function neverSpawned(dir: string, state: JobStateRecord): boolean {
  return state.state === 'queued' && state.supervisor_pid !== undefined && state.pid === undefined && state.boot_id === bootId() && !attemptLogsExist(dir);
}

/** Under the job lock: the next attempt of a lost local job whose policy retries it, if any. */
function retryLost(dir: string, lost: LostState, actions: ReconcileActions): QueuedState | undefined {
  if (lost.remote !== undefined) return undefined;
  let policy;
  try {
    policy = readMeta(dir).retry;
  } catch {
    return undefined;
  }
  if (!retryWanted(policy, lost)) return undefined;
  if (lost.boot_id === bootId()) killJobGroup(lost.pid, lost.pid_start_time);
  const started = actions.startSupervisor(dir);
  if (started === undefined) return undefined;
  const next = nextAttempt(lost, policy, keepAttemptLogs(dir, lost.attempt ?? 1));
  return { ...next, supervisor_pid: started.pid, supervisor_start_time: started.startTime, boot_id: bootId() };
}
