// Changes within a state (pure): why a queued job waits, a running job's heartbeat, timeout and
// stop reason, a remote executor out of reach. Like transitions.ts, each returns the new state
// or undefined when it does not apply (or would change nothing, so nothing is written).
import type { JobStateRecord, KillReason, Progress, QueuedState, RunningState, Unreachable } from './state.js';
import { live, ownedBy } from './transitions.js';

/** Sets (text) or clears (undefined) why a queued job owned by `pid` waits. */
export function setWaitingFor(cur: JobStateRecord, text: string | undefined, pid?: number): QueuedState | undefined {
  if (cur.state !== 'queued' || (pid !== undefined && !ownedBy(cur, pid)) || cur.waiting_for === text) return undefined;
  const next: QueuedState = { ...cur };
  if (text === undefined) delete next.waiting_for;
  else next.waiting_for = text;
  return next;
}

/** Ends a retry's delay: its retry_at and the waiting_for that named it go. */
export function clearRetryWait(cur: JobStateRecord, pid: number): QueuedState | undefined {
  if (cur.state !== 'queued' || !ownedBy(cur, pid)) return undefined;
  if (cur.retry_at === undefined && cur.waiting_for?.startsWith('retry at ') !== true) return undefined;
  const next: QueuedState = { ...cur };
  delete next.retry_at;
  if (next.waiting_for?.startsWith('retry at ') === true) delete next.waiting_for;
  return next;
}

/** The running attempt whose process is `pid` (any running attempt when pid is undefined). */
const runningAttempt = (cur: JobStateRecord, pid: number | undefined): cur is RunningState => cur.state === 'running' && (pid === undefined || cur.pid === pid);

/** The job ran past --timeout (only onto the attempt `pid`: a late write never marks the next one). */
export function markTimedOut(cur: JobStateRecord, pid?: number): RunningState | undefined {
  return runningAttempt(cur, pid) ? { ...cur, timed_out: true } : undefined;
}

/** jobctl stops the job itself: the log cap, or an agent's turn limit. */
export function setKillReason(cur: JobStateRecord, reason: KillReason): RunningState | undefined {
  return cur.state === 'running' ? { ...cur, kill_reason: reason } : undefined;
}

/**
 * The --progress-every heartbeat: a local attempt's (`pid`) only while it runs; a remote job's
 * (no pid) while it is not over.
 */
export function recordProgress(cur: JobStateRecord, progress: Progress, pid?: number): JobStateRecord | undefined {
  if (pid !== undefined) return runningAttempt(cur, pid) ? { ...cur, progress } : undefined;
  return cur.state === 'running' ? { ...cur, progress } : undefined;
}

/** A remote executor out of reach since `unreachable.since`, or reached again (undefined). */
export function setUnreachable(cur: JobStateRecord, unreachable: Unreachable | undefined): JobStateRecord | undefined {
  if (!live(cur) || (unreachable === undefined && cur.remote_unreachable === undefined)) return undefined;
  const next = { ...cur };
  if (unreachable === undefined) delete next.remote_unreachable;
  else next.remote_unreachable = unreachable;
  return next;
}
