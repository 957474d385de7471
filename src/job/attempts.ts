// Attempts of a job with a retry policy (--retry N, --retry-delay, --retry-on).
// Invariants:
// - An attempt is retried only when attempts remain, its end matches the policy, and the user
//   did not ask for it to end (`kill`): a killed job never runs again.
// - Going back to `queued` for the next attempt is one state change, under the job lock, that
//   also records the finished attempt in `attempts[]` and keeps its logs aside (the caller's
//   store.keepAttemptLogs, in the same locked change; this module is pure): the
//   job never shows the outcome of an attempt as its own, and never reaches a terminal state
//   (nor sends job.finished) before its last attempt.
// - The next attempt's `queued_at` is the time it was re-queued (not the first launch's): its
//   ticket (store/waiting-lines.ts, FIFO by queued_at) goes to the back of the line, so a retry
//   never overtakes jobs that were already waiting.
import type { RetryOn, RetryPolicy } from '../store/types.js';
import type { AttemptRecord, JobStateRecord, QueuedState, TerminalState } from './state.js';

/** Which retry-on class an ended attempt belongs to, if any. */
export function retryCause(ended: JobStateRecord): Exclude<RetryOn, 'any'> | undefined {
  if (ended.state === 'lost') return 'lost';
  if (ended.timed_out === true) return 'timeout';
  if (ended.state === 'exited') return ended.exit_code !== 0 ? 'nonzero' : undefined;
  // A signal nobody asked for through `kill` (the log cap included).
  if (ended.state === 'killed') return 'nonzero';
  // `failed` (could not start, executor failure, disk full) is never retried.
  return undefined;
}

/** True when `ended` (the would-be terminal state of the current attempt) is to be retried. */
export function retryWanted(policy: RetryPolicy | undefined, ended: JobStateRecord): policy is RetryPolicy {
  if (policy === undefined || ended.kill_request !== undefined) return false;
  // A restart gives the job a fresh budget: attempts count from the one the restart began.
  if ((ended.attempt ?? 1) - (ended.restart_attempt ?? 1) + 1 > policy.max) return false;
  const cause = retryCause(ended);
  return cause !== undefined && (policy.on === 'any' || policy.on === cause);
}

/** State fields that outlive an attempt; everything else describes the attempt that ended. */
const JOB_FIELDS = [
  'updated_at', 'boot_id', 'launcher_pid', 'launcher_start_time', 'supervisor_pid', 'supervisor_start_time', 'reattach_count',
  'restart_count', 'restarted_at', 'restart_attempt',
] as const satisfies readonly (keyof QueuedState)[];

/** Copies the fields that outlive an attempt. */
function jobFields(ended: TerminalState): Partial<QueuedState> {
  const kept: Partial<QueuedState> = {};
  for (const field of JOB_FIELDS) if (ended[field] !== undefined) Object.assign(kept, { [field]: ended[field] });
  return kept;
}

function attemptRecord(ended: TerminalState, attempt: number, logs: { stdout: string; stderr: string }): AttemptRecord {
  const record: AttemptRecord = { attempt, state: ended.state };
  if (ended.exit_code !== undefined) record.exit_code = ended.exit_code;
  if (ended.signal !== undefined) record.signal = ended.signal;
  record.timed_out = ended.timed_out === true;
  if (ended.error !== undefined) record.error = ended.error;
  if (ended.lost_reason !== undefined) record.lost_reason = ended.lost_reason;
  if (ended.started_at !== undefined) record.started_at = ended.started_at;
  if (ended.finished_at !== undefined) record.finished_at = ended.finished_at;
  if (ended.duration_ms !== undefined) record.duration_ms = ended.duration_ms;
  return { ...record, stdout_log_path: logs.stdout, stderr_log_path: logs.stderr };
}

/**
 * The `queued` state of the next attempt after `ended`, with the finished attempt recorded and
 * its logs (kept by the caller as stdout.attempt-N.log / stderr.attempt-N.log) named. With a
 * delay the next attempt waits until `retry_at` (shown as `waiting_for: "retry at <time>"`).
 * `queued_at` becomes `now`: the retry joins the back of its queue's line.
 */
export function nextAttempt(ended: TerminalState, policy: RetryPolicy, keptLogs: { stdout: string; stderr: string }, now = Date.now()): QueuedState {
  const attempt = ended.attempt ?? 1;
  const next: QueuedState = {
    ...jobFields(ended),
    updated_at: ended.updated_at,
    state: 'queued',
    queued_at: new Date(now).toISOString(),
    attempt: attempt + 1,
    attempts: [...(ended.attempts ?? []), attemptRecord(ended, attempt, keptLogs)],
  };
  if (policy.delay_ms > 0) {
    const at = new Date(now + policy.delay_ms).toISOString();
    next.retry_at = at;
    next.waiting_for = `retry at ${at}`;
  }
  return next;
}

/** True when an earlier attempt started: its dependencies were met, they are not waited for again. */
export const dependenciesMet = (state: JobStateRecord): boolean => (state.attempts ?? []).some((a) => a.started_at !== undefined);

/**
 * The `queued` state of a restarted job (`jobctl restart`): the ended attempt recorded as a
 * retry records it, its logs named (kept by the caller), the launcher's identity recorded and
 * the earlier supervisor's dropped (a new one is assigned), the restart counted. The retry
 * budget starts again at this attempt (`restart_attempt`).
 */
export function restartAttempt(ended: TerminalState, launcher: { pid: number; startTime: string | undefined }, keptLogs: { stdout: string; stderr: string }, now: string): QueuedState {
  const attempt = ended.attempt ?? 1;
  const kept = jobFields(ended);
  delete kept.supervisor_pid;
  delete kept.supervisor_start_time;
  return {
    ...kept,
    updated_at: ended.updated_at,
    state: 'queued',
    queued_at: now,
    launcher_pid: launcher.pid,
    launcher_start_time: launcher.startTime,
    attempt: attempt + 1,
    attempts: [...(ended.attempts ?? []), attemptRecord(ended, attempt, keptLogs)],
    restart_count: (ended.restart_count ?? 0) + 1,
    restarted_at: now,
    restart_attempt: attempt + 1,
  };
}
