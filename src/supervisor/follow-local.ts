// Following a local job's process until its leader exits, then recording how the attempt ended.
// Invariants: the outcome is written once, after the leader exited and its output was read to
// the end; job.finished is delivered only when that outcome is terminal (a retried attempt goes
// back to `queued` instead and sends nothing), after it was recorded.
// - The attempt's slots are released right after its outcome is recorded, before job.finished.
// - A retried attempt leaves nothing behind: what remains of its process group is SIGKILLed
//   before the next attempt is queued (finish-attempt.ts), so two attempts never run at once.
// - Timers of an attempt (timeout, heartbeat) write only while that attempt runs (same pid).
import { readState, filesystemFull } from '../store/jobs.js';
import type { JobMeta } from '../store/types.js';
import type { JobStateRecord } from '../job/state.js';
import { applyTransition } from '../job/apply.js';
import { markTimedOut } from '../job/annotations.js';
import { terminalState, type Exit, type ExitFacts } from '../job/outcome.js';
import { nowIso } from '../util/time.js';
import type { RunningProcess } from '../executors/local/target.js';
import { finishAttempt } from './finish-attempt.js';
import type { Notifier } from './notifier.js';
import { Escalation } from './escalation.js';
import { watchOutput } from './output-watch.js';
import { startHeartbeat } from './heartbeat.js';
import { reserveUsed } from '../store/reserve.js';

/** Follows the attempt to its end; returns the state recorded (terminal, or queued for a retry). */
export async function followUntilExit(dir: string, meta: JobMeta, proc: RunningProcess, notifier: Notifier, releaseSlots: () => void): Promise<JobStateRecord> {
  const escalation = new Escalation(proc, meta.kill_after_ms);
  const watch = watchOutput(dir, meta, notifier, {
    killRequested: (request) => escalation.killRequested(request),
    logCapExceeded: () => proc.signalGroup('SIGKILL'),
    turnLimitReached: () => escalation.stop(),
  });
  const { logLimit } = watch;
  const stopHeartbeat = startHeartbeat(dir, meta, proc.pid);
  if (meta.timeout_ms !== undefined) {
    // Only onto this attempt: a late write must not mark the next one as timed out.
    escalation.startTimeout(meta.timeout_ms, () => applyTransition(dir, (cur) => markTimedOut(cur, proc.pid)));
  }

  // Start-up garbage is dropped once the job runs: a supervisor idles for hours (see launch.ts).
  setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), 200).unref();
  const exit: Exit = await proc.exited;
  escalation.leaderExited();
  stopHeartbeat();
  watch.finish();
  if (meta.agent !== undefined) {
    watch.agentEnded({
      ...(exit.code !== null ? { exitCode: exit.code } : {}),
      ...(exit.signal !== null ? { signal: exit.signal } : {}),
      killed: readState(dir).kill_request !== undefined,
      timedOut: escalation.timedOut,
    });
  }
  const facts: ExitFacts = {
    exit,
    finishedAt: nowIso(),
    timedOut: escalation.timedOut,
    killedForLogSize: logLimit.exceeded,
    stoppedForMaxTurns: watch.stoppedForMaxTurns,
    logTruncated: logLimit.truncate(),
    // Checked before the reserve is freed: a full filesystem means output may be missing.
    diskFull: filesystemFull(dir) || reserveUsed(dir),
  };
  return finishAttempt(dir, { facts, terminal: terminalState, retry: meta.retry, releaseSlots, notifier });
}
