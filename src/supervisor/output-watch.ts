// The supervisor's watch over a running job's files, shared by local and remote jobs: on each
// store/job-file-poll.ts tick (100 ms) new log lines are matched (output-match) and the log cap is checked;
// a replaced state.json is read for kill requests, a replaced meta.json for new match settings;
// an agent job's stream is parsed into its activity record (agent-watch.ts).
// Invariant: once finish() returns, every line written to the logs so far has been matched with
// the latest setting, and nothing is watched any more; agentEnded() then records the agent's
// outcome, before the job's terminal state is written.
import { jobFiles, readMeta, readState } from '../store/jobs.js';
import type { JobMeta } from '../store/types.js';
import type { KillRequest } from '../job/state.js';
import { applyTransition } from '../job/apply.js';
import { setKillReason } from '../job/annotations.js';
import { OutputFollower } from './output-follower.js';
import type { Notifier } from './notifier.js';
import { LogLimit } from './log-limit.js';
import { watchJob } from '../store/job-file-poll.js';
import { AgentWatch } from './agent-watch.js';
import type { AgentEnd } from '../agents/activity.js';

export interface OutputWatchHandlers {
  /** Called on every state.json change that carries a kill request (handlers dedupe). */
  killRequested(request: KillRequest): void;
  /** The log cap was passed: the job must be SIGKILLed now. */
  logCapExceeded(): void;
  /** An agent without its own turn limit began a turn past --max-turns: stop it (TERM, then KILL). */
  turnLimitReached(): void;
}

export interface OutputWatch {
  logLimit: LogLimit;
  /** Stops watching and matches what is left in the logs. */
  finish(): void;
  /** True when the job was stopped for its agent turn limit. */
  readonly stoppedForMaxTurns: boolean;
  /** An agent job's final activity record, written with its outcome (no-op for other jobs). */
  agentEnded(end: Omit<AgentEnd, 'stoppedForMaxTurns'>): void;
}

export function watchOutput(dir: string, meta: JobMeta, notifier: Notifier, handlers: OutputWatchHandlers): OutputWatch {
  const files = jobFiles(dir);
  const follower = new OutputFollower({ stdout: files.stdout, stderr: files.stderr }, (s, l, c, truncated) => notifier.outputMatched(s, l, c, truncated));
  follower.setConfig(meta.notification.on_output_match);
  const logLimit = new LogLimit(dir, { stdout: files.stdout, stderr: files.stderr }, meta.max_log_bytes, () => {
    handlers.logCapExceeded();
    // Only onto a running job: a write landing after a retry was recorded must not mark the next attempt.
    void applyTransition(dir, (cur) => setKillReason(cur, 'max_log_bytes')).catch(() => undefined);
  });
  const stoppedBefore = meta.agent !== undefined && readState(dir).kill_reason === 'max_turns';
  const agent = meta.agent === undefined ? undefined : new AgentWatch(dir, meta.agent, stoppedBefore, () => {
    handlers.turnLimitReached();
    void applyTransition(dir, (cur) => setKillReason(cur, 'max_turns')).catch(() => undefined);
  });
  // An earlier supervisor recorded the stop but may have died before its signals: send them again.
  if (stoppedBefore) handlers.turnLimitReached();
  const stopWatching = watchJob(dir, {
    stateChanged: () => {
      try {
        const request = readState(dir).kill_request;
        if (request !== undefined) handlers.killRequested(request);
      } catch {
        // Mid-rename or gone: the next tick sees it.
      }
    },
    metaChanged: () => {
      try {
        follower.poll(); // what was printed before the change is matched with the old setting
        follower.setConfig(readMeta(dir).notification.on_output_match);
        follower.poll();
      } catch {
        // Retried on the next tick.
      }
    },
    tick: () => {
      logLimit.check();
      follower.poll();
      agent?.poll();
    },
  });
  return {
    logLimit,
    finish() {
      stopWatching();
      try {
        follower.setConfig(readMeta(dir).notification.on_output_match);
      } catch {
        // Keep the last known pattern.
      }
      follower.poll(true);
    },
    get stoppedForMaxTurns() {
      return agent?.stoppedForMaxTurns === true;
    },
    agentEnded(end) {
      agent?.finish(end);
    },
  };
}
