// The end of an attempt, for local and remote jobs alike: recording how it ended (the job's
// terminal state, or — when its retry policy asks for another attempt — the `queued` state of
// that attempt, in one locked change), giving back its concurrency slots, then delivering
// job.finished. Exactly one record per observed end.
// Invariants:
// - Before a retry is recorded (so before the job's slot is freed and the next attempt can
//   start), what remains of the ended attempt's process group (children left behind by a
//   leader that exited by itself) is SIGKILLed, if it verifiably still exists: two attempts of
//   a job never run at once.
// - The slots are released right after the outcome is recorded, before any notification: a
//   slow sink never holds a slot. job.finished goes out only for a terminal state.
import { keepAttemptLogs } from '../store/job-logs.js';
import { readMeta } from '../store/jobs.js';
import type { RetryPolicy } from '../store/types.js';
import { applyTransition } from '../job/apply.js';
import { nextAttempt, retryWanted } from '../job/attempts.js';
import { isTerminal, type JobStateRecord, type TerminalState } from '../job/state.js';
import type { ExitFacts } from '../job/outcome.js';
import { log } from '../log.js';
import { killJobGroup } from '../util/proc.js';
import type { Notifier } from './notifier.js';

/**
 * Writes the outcome, retrying a failed write: the exit code was observed, keep it. Returns
 * the state written: terminal, or `queued` for the next attempt when `retry` says so.
 */
async function recordOutcome<F extends ExitFacts>(dir: string, facts: F, terminal: (cur: JobStateRecord, facts: F) => TerminalState | undefined, retry: RetryPolicy | undefined): Promise<JobStateRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyTransition(dir, (cur) => {
        const ended = terminal(cur, facts);
        if (ended === undefined || !retryWanted(retry, ended)) return ended;
        if (cur.remote === undefined && killJobGroup(cur.pid, cur.pid_start_time)) log.info(`killed what remained of attempt ${cur.attempt ?? 1}'s process group ${cur.pid ?? '?'}`);
        return nextAttempt(ended, retry, keepAttemptLogs(dir, ended.attempt ?? 1));
      });
    } catch (err) {
      if (attempt >= 5) throw err;
      log.warn(`recording the outcome failed (attempt ${attempt}): ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export interface AttemptEnd<F extends ExitFacts> {
  facts: F;
  /** The terminal state these facts make of the current one (job/outcome.ts). */
  terminal: (cur: JobStateRecord, facts: F) => TerminalState | undefined;
  retry: RetryPolicy | undefined;
  releaseSlots: () => void;
  notifier: Notifier;
}

/** Records the attempt's end, frees its slots, sends job.finished; returns the state recorded. */
export async function finishAttempt<F extends ExitFacts>(dir: string, end: AttemptEnd<F>): Promise<JobStateRecord> {
  const state = await recordOutcome(dir, end.facts, end.terminal, end.retry);
  end.releaseSlots();
  await deliverFinished(dir, state, end.notifier);
  await end.notifier.drained();
  return state;
}

/** Sends job.finished for a terminal state (a failed sink is logged, never the job's outcome). */
export async function deliverFinished(dir: string, state: JobStateRecord, notifier: Notifier): Promise<void> {
  if (!isTerminal(state.state)) return;
  try {
    await notifier.finished({ dir, meta: readMeta(dir), state });
  } catch (err) {
    log.warn(`job.finished delivery failed: ${(err as Error).message}`);
  }
}
