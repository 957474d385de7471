// Recording how a job's attempt ended once its end was observed: the job's terminal state, or,
// when its retry policy asks for another attempt, the `queued` state of that attempt (one locked
// change: store/attempts.ts). Either way exactly one record per observed end.
// Invariant: before a retry is recorded (so before the job's slot is freed and the next attempt
// can start), what remains of the ended attempt's process group (children left behind by a
// leader that exited by itself) is SIGKILLed, if it verifiably still exists: two attempts of a
// job never run at once.
import { updateState } from '../store/jobs.js';
import { nextAttempt, retryWanted } from '../store/attempts.js';
import type { JobStateRecord, RetryPolicy } from '../store/types.js';
import { log } from '../log.js';
import { killJobGroup } from '../util/proc.js';
import { terminalState, type ExitFacts } from './outcome.js';

/**
 * Writes the outcome, retrying a failed write: the exit code was observed, keep it. Returns
 * the state written: terminal, or `queued` for the next attempt when `retry` says so.
 */
export async function recordOutcome<F extends ExitFacts>(
  dir: string,
  facts: F,
  terminal: (cur: JobStateRecord, facts: F) => JobStateRecord = terminalState,
  retry?: RetryPolicy,
): Promise<JobStateRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await updateState(dir, (cur) => {
        const ended = terminal(cur, facts);
        if (!retryWanted(retry, ended)) return ended;
        if (cur.remote === undefined && killJobGroup(cur.pid, cur.pid_start_time)) log.info(`killed what remained of attempt ${cur.attempt ?? 1}'s process group ${cur.pid ?? '?'}`);
        return nextAttempt(dir, ended, retry);
      });
    } catch (err) {
      if (attempt >= 5) throw err;
      log.warn(`recording the outcome failed (attempt ${attempt}): ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
