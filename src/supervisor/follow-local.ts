// Following a local job's process until its leader exits, then recording how the attempt ended.
// Invariants: the outcome is written once, after the leader exited and its output was read to
// the end; job.finished is delivered only when that outcome is terminal (a retried attempt goes
// back to `queued` instead and sends nothing), after it was recorded.
// - The attempt's slots are released right after its outcome is recorded, before job.finished.
// - A retried attempt leaves nothing behind: what remains of its process group is SIGKILLed
//   before the next attempt is queued (record-outcome.ts), so two attempts never run at once.
// - Timers of an attempt (timeout, heartbeat) write only while that attempt runs (same pid).
import { jobFiles, readMeta, readState, updateState, filesystemFull } from '../store/jobs.js';
import type { JobMeta, JobStateRecord } from '../store/types.js';
import { isTerminal } from '../store/types.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';
import type { Exit, RunningProcess } from './targets/local.js';
import type { ExitFacts } from './outcome.js';
import { recordOutcome } from './record-outcome.js';
import { OutputFollower } from './output-follower.js';
import type { Notifier } from './notifier.js';
import { Escalation } from './escalation.js';
import { LogLimit } from './log-limit.js';
import { watchJob } from './job-watch.js';
import { startHeartbeat } from './heartbeat.js';
import { reserveUsed } from '../store/reserve.js';

/** Follows the attempt to its end; returns the state recorded (terminal, or queued for a retry). */
export async function followUntilExit(dir: string, meta: JobMeta, proc: RunningProcess, notifier: Notifier, releaseSlots: () => void): Promise<JobStateRecord> {
  const files = jobFiles(dir);
  const follower = new OutputFollower({ stdout: files.stdout, stderr: files.stderr }, (s, l, c) => notifier.outputMatched(s, l, c));
  follower.setConfig(meta.notification.on_output_match);
  const escalation = new Escalation(proc, meta.kill_after_ms);
  const logLimit = new LogLimit({ stdout: files.stdout, stderr: files.stderr }, meta.max_log_bytes, () => {
    proc.signalGroup('SIGKILL');
    // Only onto this attempt: a write landing after a retry was recorded must not mark the next one.
    void updateState(dir, (cur) => (cur.state === 'running' ? { ...cur, kill_reason: 'max_log_bytes' } : undefined)).catch(() => undefined);
  });

  const onStateChange = (): void => {
    try {
      const st = readState(dir);
      if (st.kill_request) escalation.killRequested(st.kill_request);
    } catch {
      // Mid-rename or gone: the next tick sees it.
    }
  };
  const onMetaChange = (): void => {
    try {
      follower.poll(); // what was printed before the change is matched with the old setting
      follower.setConfig(readMeta(dir).notification.on_output_match);
      follower.poll();
    } catch {
      // Retried on the next tick.
    }
  };

  const stopWatching = watchJob(dir, {
    stateChanged: onStateChange,
    metaChanged: onMetaChange,
    tick: () => {
      logLimit.check();
      follower.poll();
    },
  });
  const stopHeartbeat = startHeartbeat(dir, meta, proc.pid);
  if (meta.timeout_ms !== undefined) {
    // Only onto this attempt: a late write must not mark the next one as timed out.
    escalation.startTimeout(meta.timeout_ms, () => updateState(dir, (cur) => (cur.state === 'running' && cur.pid === proc.pid ? { ...cur, timed_out: true } : undefined)));
  }

  // Start-up garbage is dropped once the job runs: a supervisor idles for hours (see launch.ts).
  setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), 200).unref();
  const exit: Exit = await proc.exited;
  escalation.leaderExited();
  stopWatching();
  stopHeartbeat();
  try {
    follower.setConfig(readMeta(dir).notification.on_output_match);
  } catch {
    // Keep the last known pattern.
  }
  follower.poll(true);
  const facts: ExitFacts = {
    exit,
    finishedAt: nowIso(),
    timedOut: escalation.timedOut,
    killedForLogSize: logLimit.exceeded,
    logTruncated: logLimit.truncate(),
    // Checked before the reserve is freed: a full filesystem means output may be missing.
    diskFull: filesystemFull(dir) || reserveUsed(dir),
  };
  const state = await recordOutcome(dir, facts, undefined, meta.retry);
  releaseSlots();
  if (isTerminal(state.state)) {
    try {
      await notifier.finished({ dir, meta: readMeta(dir), state });
    } catch (err) {
      log.warn(`job.finished delivery failed: ${(err as Error).message}`);
    }
  }
  await notifier.drained();
  return state;
}
