// Reconciles a job's recorded state with the processes that really exist. Invariant: a job is
// shown `queued`/`running` only while its verified-live supervisor backs it (or, for a job just
// claimed, while its supervisor is being started: at most LAUNCH_GRACE_MS). Otherwise it is
// recorded `lost`, with no exit code — even when its process outlived the supervisor: nobody will
// observe how that process ends, its timeout and log cap are no longer enforced, and `kill` can
// still reach it (`status` shows its pid while it verifiably lives). A job on a remote executor
// is not lost with its supervisor: a new supervisor is attached and resumes following it.
// A local job whose retry policy covers `lost` (attempts left) is not lost either: the lost
// attempt is recorded, what is left of its process group is SIGKILLed (two attempts never run
// at once), and the job goes back to `queued` under a new supervisor.
import { readMeta, updateState } from './jobs.js';
import { nextAttempt, retryWanted } from './attempts.js';
import { isTerminal, type JobStateRecord } from './types.js';
import { bootId, isSameLiveProcess, jobGroupExists } from '../util/proc.js';
import { nowIso, msBetween } from '../util/time.js';

/** A freshly started job may not have recorded its supervisor yet; give it this long. */
const LAUNCH_GRACE_MS = 15_000;

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
export function lostReason(state: JobStateRecord): string | undefined {
  if (isTerminal(state.state) || state.state === 'created') return undefined;
  if (state.boot_id !== undefined && state.boot_id !== bootId()) return 'machine rebooted';
  const live = liveness(state);
  if (live.supervisorAlive) return undefined;
  if (state.supervisor_pid !== undefined) {
    return live.processAlive
      ? "supervisor exited without recording an outcome; the job's process is still running"
      : 'supervisor exited without recording an outcome';
  }
  const age = msBetween(state.queued_at ?? state.updated_at, nowIso()) ?? 0;
  return age > LAUNCH_GRACE_MS ? 'supervisor never started' : undefined;
}

type LostHandler = (dir: string) => Partial<JobStateRecord>;
let lostHandler: LostHandler | undefined;
type ReattachHandler = (dir: string) => Pick<JobStateRecord, 'supervisor_pid' | 'supervisor_start_time'> | undefined;
let reattachHandler: ReattachHandler | undefined;
let retryHandler: ReattachHandler | undefined;

/** A supervisor that keeps dying is not restarted for ever: after this many, the job is lost. */
export const MAX_REATTACHES = 10;

/**
 * Called, under the job lock, for a remote job whose supervisor is gone: starts a new one
 * (which resumes following the job where the last one stopped) and returns its identity, or
 * undefined when it could not be started.
 */
export function onRemoteOrphan(handler: ReattachHandler): void {
  reattachHandler = handler;
}

/**
 * Called, under the job lock, for a local job whose lost attempt is to be retried: starts the
 * supervisor of the next attempt and returns its identity, or undefined (the job is then lost).
 */
export function onLostRetry(handler: ReattachHandler): void {
  retryHandler = handler;
}

/**
 * Called, under the job lock, for each job this process records as `lost` (to start the
 * delivery of its job.finished); the fields it returns are recorded with the new state.
 */
export function onJobLost(handler: LostHandler): void {
  lostHandler = handler;
}

/** Returns the job with its state reconciled; records `lost` when nothing backs it any more. */
export async function reconcile<T extends { dir: string; state: JobStateRecord }>(job: T): Promise<T> {
  if (lostReason(job.state) === undefined) return job;
  const state = await updateState(job.dir, (current) => {
    const reason = lostReason(current);
    if (reason === undefined) return undefined;
    // A job on a remote executor outlives its local supervisor: attach a new one instead.
    const reattaches = current.reattach_count ?? 0;
    if (current.remote !== undefined && reattaches < MAX_REATTACHES) {
      const started = reattachHandler?.(job.dir);
      if (started !== undefined) return { ...current, ...started, reattach_count: reattaches + 1 };
    }
    const finishedAt = nowIso();
    const next: JobStateRecord = { ...current, state: 'lost', finished_at: finishedAt, lost_reason: reason };
    const duration = msBetween(current.started_at, finishedAt);
    if (duration !== undefined) next.duration_ms = duration;
    return retryLost(job.dir, next) ?? { ...next, ...lostHandler?.(job.dir) };
  });
  return { ...job, state };
}

/** Under the job lock: the next attempt of a lost local job whose policy retries it, if any. */
function retryLost(dir: string, lost: JobStateRecord): JobStateRecord | undefined {
  if (retryHandler === undefined || lost.remote !== undefined) return undefined;
  let policy;
  try {
    policy = readMeta(dir).retry;
  } catch {
    return undefined;
  }
  if (!retryWanted(policy, lost)) return undefined;
  if (lost.boot_id === bootId() && jobGroupExists(lost.pid, lost.pid_start_time)) {
    try {
      process.kill(-(lost.pid as number), 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const started = retryHandler(dir);
  if (started === undefined) return undefined;
  return { ...nextAttempt(dir, lost, policy), ...started, boot_id: bootId() };
}
