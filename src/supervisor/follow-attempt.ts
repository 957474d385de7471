// Following one attempt of a job to its end, for every executor: the supervisor's single follow
// procedure. What differs between executors is behind AttemptPort: how a signal reaches the
// process group (local: now; remote: on the next round trip to the executor) and how the end
// is learnt (local: the leader's exit; remote: the executor's poll loop, remote.ts).
// Invariants:
// - The timeout, kill escalation, log cap, output matching, agent stream parsing and heartbeat
//   are the same for every executor, and run from the moment the attempt runs until its end.
// - The outcome is recorded once (finish-attempt.ts), after the end was observed, every byte
//   reached the local logs and the logs were matched to the end.
// - Timers of an attempt write only onto that attempt (a local one by its pid): a late write
//   never marks the next attempt, nor an ended job.
import { readState, filesystemFull } from '../store/jobs.js';
import { reserveUsed } from '../store/reserve.js';
import type { JobMeta } from '../store/types.js';
import type { JobErrorInfo, JobStateRecord, KillRequest, TerminalState } from '../job/state.js';
import { applyTransition } from '../job/apply.js';
import { markTimedOut } from '../job/annotations.js';
import type { Exit, RemoteExitFacts } from '../job/outcome.js';
import { msBetween, nowIso } from '../util/time.js';
import type { RunningProcess } from '../executors/local/target.js';
import { Escalation } from './escalation.js';
import { watchOutput } from './output-watch.js';
import { startHeartbeat } from './heartbeat.js';
import { finishAttempt } from './finish-attempt.js';
import type { Notifier } from './notifier.js';

/** How an attempt ended, as its executor saw it. */
export interface ObservedEnd {
  /** The exit status, given whether jobctl signalled the job (a remote 143 is SIGTERM only then). */
  exitFor(signalled: boolean): Exit;
  /** jobctl signalled the job itself during this attempt (a remote round trip succeeded). */
  signalSent?: boolean;
  finishedAt?: string;
  /** The executor ended the job at its time limit. */
  timedOut?: boolean;
  /** The executor failed the job (OOM, node failure). */
  error?: JobErrorInfo;
  /** Nobody observed how the job ended. */
  lostReason?: string;
}

/** What the follow procedure needs of an executor for one running attempt. */
export interface AttemptPort {
  /** The process group: signalGroup is immediate (local) or queued for the executor (remote). */
  proc: Pick<RunningProcess, 'signalGroup'>;
  /** The local attempt's pid, which its timers write onto; undefined for a remote job. */
  pid?: number;
  /** True when a `kill` request is signalled by the supervisor (remote); `kill` signals a local group itself. */
  deliversKillSignal: boolean;
  /** The executor enforces --timeout itself (Slurm's time limit): no local timer. */
  enforcesTimeout?: boolean;
  /** Resolves when the attempt has ended and its output is home; calls runningSince once it runs. */
  ended(runningSince: (startedAt: string) => void): Promise<ObservedEnd>;
  /** How the recorded state ends with these facts (job/outcome.ts). */
  terminal: (cur: JobStateRecord, facts: RemoteExitFacts) => TerminalState | undefined;
}

/** Follows the attempt to its end; returns the state recorded (terminal, or queued for a retry). */
export async function followAttempt(dir: string, meta: JobMeta, port: AttemptPort, notifier: Notifier, releaseSlots: () => void): Promise<JobStateRecord> {
  const escalation = new Escalation(port.proc, meta.kill_after_ms);
  let lastKill: KillRequest | undefined;
  const watch = watchOutput(dir, meta, notifier, {
    killRequested: (request) => {
      if (request.requested_at === lastKill?.requested_at) return;
      lastKill = request;
      if (port.deliversKillSignal) port.proc.signalGroup(request.signal as NodeJS.Signals);
      escalation.killRequested(request);
    },
    logCapExceeded: () => port.proc.signalGroup('SIGKILL'),
    turnLimitReached: () => escalation.stop(),
  });
  const { logLimit } = watch;
  const stopHeartbeat = startHeartbeat(dir, meta, port.pid);
  // The timeout counts from the start of the attempt (a re-attached supervisor gives it what is left).
  const runningSince = (startedAt: string): void => {
    if (meta.timeout_ms === undefined || port.enforcesTimeout === true) return;
    const elapsed = msBetween(startedAt, nowIso()) ?? 0;
    escalation.startTimeout(Math.max(0, meta.timeout_ms - elapsed), () => applyTransition(dir, (cur) => markTimedOut(cur, port.pid)));
  };
  // Start-up garbage is dropped once the job runs: a supervisor idles for hours. A job over
  // before then needs no collection of its own (a chain of short jobs would pay one each).
  const collect = setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), 200).unref();

  const end = await port.ended(runningSince);
  clearTimeout(collect);
  escalation.leaderExited();
  stopHeartbeat();
  watch.finish();
  // A signal sent by an earlier supervisor of this job counts too (recorded in state.json).
  const recorded = readState(dir);
  const timedOut = escalation.timedOut || end.timedOut === true;
  const signalled = end.signalSent === true || timedOut || recorded.kill_request !== undefined || recorded.timed_out === true || recorded.kill_reason !== undefined;
  const exit = end.exitFor(signalled);
  watch.agentEnded({
    ...(exit.code !== null ? { exitCode: exit.code } : {}),
    ...(exit.signal !== null ? { signal: exit.signal } : {}),
    killed: recorded.kill_request !== undefined,
    timedOut,
  });
  const facts: RemoteExitFacts = {
    exit,
    finishedAt: end.finishedAt ?? nowIso(),
    timedOut,
    killedForLogSize: logLimit.exceeded,
    stoppedForMaxTurns: watch.stoppedForMaxTurns,
    logTruncated: logLimit.truncate(),
    // Checked before the reserve is freed: a full filesystem means output may be missing.
    diskFull: filesystemFull(dir) || reserveUsed(dir),
    ...(end.error !== undefined ? { error: end.error } : {}),
    ...(end.lostReason !== undefined ? { lostReason: end.lostReason } : {}),
  };
  return finishAttempt(dir, { facts, terminal: port.terminal, retry: meta.retry, releaseSlots, notifier });
}
